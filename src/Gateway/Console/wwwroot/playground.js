import { api, el } from './client.js';
import { Editor } from './editor.js';
import { renderMasked } from './jsonview.js';

// The rules playground: validation as you type (the gateway's compiler, the one gatewayctl uses),
// and the sample masked by the proxy's own engine for one role or all of them.
const allRoles = '*';
const otherRoles = '(any other role)';

export class Playground {
  constructor() {
    this.rules = new Editor(document.getElementById('rules-editor'));
    this.body = new Editor(document.getElementById('body-editor'));
    this.path = document.getElementById('path');
    this.role = document.getElementById('role');
    this.mfa = document.getElementById('mfa');
    this.status = document.getElementById('status');
    this.errors = document.getElementById('rule-errors');
    this.rulesState = document.getElementById('rules-state');
    this.output = document.getElementById('output');
    this.legend = document.getElementById('legend');
    this.summary = document.getElementById('preview-summary');
    this.sequence = 0;
    this.timer = 0;
    for (const input of [this.rules.textarea, this.body.textarea, this.path]) {
      input.addEventListener('input', () => this.schedule());
    }
    for (const input of [this.role, this.mfa]) {
      input.addEventListener('change', () => this.schedule(0));
    }
  }

  async show() {
    if (this.samples) {
      return;
    }
    this.samples = await api('samples');
    const group = document.getElementById('samples');
    group.replaceChildren(...this.samples.map((sample) => {
      const button = el('button', { type: 'button', className: 'sample', 'aria-pressed': 'false', dataset: { sample: sample.id } }, sample.name);
      button.addEventListener('click', () => this.load(sample));
      return button;
    }));
    this.load(this.samples[0]);
  }

  load(sample) {
    for (const button of document.querySelectorAll('#samples button')) {
      button.setAttribute('aria-pressed', String(button.dataset.sample === sample.id));
    }
    this.rules.value = sample.rules;
    this.body.value = sample.body;
    this.path.value = sample.path;
    this.role.replaceChildren();
    this.schedule(0);
  }

  schedule(delay = 300) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), delay);
  }

  async refresh() {
    const sequence = ++this.sequence;
    this.setStatus('Checking…');
    let validation;
    try {
      validation = await api('rules/validate', { method: 'POST', body: { rules: this.rules.value } });
    } catch (error) {
      return this.fail(sequence, error);
    }
    if (sequence !== this.sequence) {
      return;
    }
    this.showErrors(validation.errors);
    if (!validation.valid) {
      this.rulesState.textContent = `${validation.errors.length} error${validation.errors.length === 1 ? '' : 's'}`;
      this.rulesState.className = 'badge bad';
      this.output.classList.add('stale');
      this.setStatus('The rules are invalid: the preview shows the last valid rules.', true);
      return;
    }
    this.rulesState.textContent = `valid · ${validation.version}`;
    this.rulesState.className = 'badge ok';
    this.fillRoles(validation.roles);
    const role = this.role.value;
    let preview;
    try {
      preview = await api('rules/preview', {
        method: 'POST',
        body: { rules: this.rules.value, body: this.body.value, path: this.path.value, roles: role === allRoles ? [] : [role], mfa: this.mfa.checked },
      });
    } catch (error) {
      return this.fail(sequence, error);
    }
    if (sequence !== this.sequence) {
      return;
    }
    this.render(preview);
    this.setStatus(`Entity ${preview.entity} · rules ${preview.rules_version}`);
  }

  fillRoles(roles) {
    const wanted = [allRoles, ...roles, otherRoles];
    const current = [...this.role.options].map((option) => option.value);
    if (current.join('\n') === wanted.join('\n')) {
      return;
    }
    const selected = this.role.value || roles[0] || otherRoles;
    this.role.replaceChildren(...wanted.map((value) => el('option', { value }, value === allRoles ? 'All roles' : value)));
    this.role.value = wanted.includes(selected) ? selected : (roles[0] ?? otherRoles);
  }

  showErrors(errors) {
    const byLine = new Map();
    this.errors.replaceChildren(...errors.map((error) => {
      if (error.line > 0 && !byLine.has(error.line)) {
        byLine.set(error.line, error.message);
      }
      const where = error.line > 0 ? `Line ${error.line}, column ${error.column}` : 'File';
      const item = el('li', { tabindex: '0', dataset: { line: String(error.line) } }, el('span', { className: 'where' }, `${where}:`), `${error.path}: ${error.message}`);
      const go = () => this.rules.goTo(error.line, error.column);
      item.addEventListener('click', go);
      item.addEventListener('keydown', (event) => { if (event.key === 'Enter') go(); });
      return item;
    }));
    this.rules.markErrors(byLine);
  }

  render(preview) {
    let original;
    try {
      original = JSON.parse(this.body.value);
    } catch {
      original = undefined;
    }
    this.output.classList.remove('stale');
    this.output.replaceChildren();
    const classes = new Map();
    for (const view of preview.views) {
      if (preview.views.length > 1) {
        this.output.append(el('div', { className: 'role-head' }, view.role));
      }
      const block = el('div', { className: 'role-view', dataset: { role: view.role } });
      renderMasked(block, original ?? view.masked, view.masked, view.changes);
      this.output.append(block);
      for (const change of view.changes) {
        classes.set(`${change.class} · ${change.action}`, change.removed);
      }
    }
    const changed = preview.views.reduce((sum, view) => sum + view.changes.length, 0);
    this.summary.textContent = `${preview.views[0]?.records ?? 0} records · ${changed} values changed`;
    this.legend.replaceChildren(...[...classes].map(([label, removed]) => el('span', { className: `tag ${removed ? 'remove' : ''}`.trim() }, label)));
  }

  fail(sequence, error) {
    if (sequence === this.sequence) {
      this.output.classList.add('stale');
      this.setStatus(error.message, true);
    }
  }

  setStatus(text, bad = false) {
    this.status.textContent = text;
    this.status.classList.toggle('bad', bad);
  }
}
