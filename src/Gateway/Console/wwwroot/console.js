import { api, session } from './client.js';
import { Playground } from './playground.js';
import { DataMapView } from './datamap.js';
import { ProcessingView } from './processing.js';
import { AuditView } from './audit.js';

// The console's shell: sign-in with a pasted token, and the views the token's roles open.
const views = {
  playground: () => new Playground(),
  datamap: () => new DataMapView(),
  processing: () => new ProcessingView(),
  audit: () => new AuditView(),
};
const created = new Map();
let me = null;

function showOnly(id) {
  for (const section of document.querySelectorAll('main > section')) {
    section.hidden = section.id !== id;
  }
}

async function open(name) {
  if (!me || !me.views.includes(name)) {
    name = me?.views[0];
  }
  if (!name) {
    return;
  }
  for (const tab of document.querySelectorAll('.tab')) {
    if (tab.dataset.view === name) {
      tab.setAttribute('aria-current', 'page');
    } else {
      tab.removeAttribute('aria-current');
    }
  }
  showOnly(`view-${name}`);
  if (location.hash !== `#${name}`) {
    history.replaceState(null, '', `#${name}`);
  }
  if (!created.has(name)) {
    created.set(name, views[name]());
  }
  try {
    await created.get(name).show();
  } catch (error) {
    document.getElementById('status').textContent = error.message;
  }
}

async function signIn(token) {
  session.set(token);
  try {
    me = await api('me');
  } catch (error) {
    session.clear();
    me = null;
    throw error;
  }
  document.getElementById('who-name').textContent = `${me.subject} · ${me.roles.join(', ')}`;
  document.getElementById('who').hidden = false;
  const tabs = document.getElementById('tabs');
  tabs.hidden = false;
  for (const tab of tabs.querySelectorAll('.tab')) {
    tab.hidden = !me.views.includes(tab.dataset.view);
  }
  await open(location.hash.slice(1));
}

function signOut() {
  session.clear();
  location.hash = '';
  location.reload();
}

document.addEventListener('DOMContentLoaded', async () => {
  const loginError = document.getElementById('login-error');
  document.getElementById('sign-in').addEventListener('click', async () => {
    loginError.textContent = '';
    const token = document.getElementById('token').value.trim();
    if (!token) {
      loginError.textContent = 'Paste a token first.';
      return;
    }
    try {
      await signIn(token);
      document.getElementById('token').value = '';
    } catch (error) {
      loginError.textContent = error.status === 403 ? 'This token carries none of the console roles.' : error.message;
    }
  });
  document.getElementById('sign-out').addEventListener('click', signOut);
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => open(tab.dataset.view));
  }
  document.addEventListener('console:unauthorized', () => {
    if (me) {
      signOut();
    }
  });
  if (session.token) {
    try {
      await signIn(session.token);
      return;
    } catch {
      // The stored token expired or was revoked: sign in again.
    }
  }
  showOnly('view-login');
});
