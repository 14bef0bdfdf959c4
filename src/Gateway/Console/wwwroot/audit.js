import { api, el } from './client.js';

// Recent audit events, filtered by principal, subject hash and outcome; the chain's verification; alerts.
export class AuditView {
  constructor() {
    this.table = document.getElementById('audit-table');
    document.getElementById('audit-load').addEventListener('click', () => this.load());
    document.getElementById('audit-filter').addEventListener('submit', (event) => { event.preventDefault(); this.load(); });
  }

  async show() {
    await Promise.all([this.load(), this.verify(), this.alerts()]);
  }

  async load() {
    const query = new URLSearchParams();
    for (const [name, id] of [['principal', 'audit-principal'], ['subject', 'audit-subject'], ['outcome', 'audit-outcome'], ['limit', 'audit-limit']]) {
      const value = document.getElementById(id).value.trim();
      if (value) {
        query.set(name, value);
      }
    }
    const answer = await api(`audit?${query}`);
    const head = el('tr', {}, ['Time', 'Principal', 'Client', 'Request', 'Outcome', 'Purpose', 'Entity', 'Records', 'Subjects'].map((name) => el('th', { scope: 'col' }, name)));
    const rows = answer.events.length === 0
      ? [el('tr', {}, el('td', { colspan: '9', className: 'empty' }, `No event matches (${answer.scanned} read).`))]
      : answer.events.map((event) => el('tr', { dataset: { id: event.id ?? '' } },
        el('td', { className: 'mono' }, event.time ? new Date(event.time).toLocaleString() : ''),
        el('td', {}, event.principal ?? '—'), el('td', { className: 'mono' }, event.client ?? '—'),
        el('td', { className: 'mono' }, `${event.method} ${event.path} → ${event.status}`),
        el('td', {}, el('span', { className: `outcome ${event.outcome}` }, event.outcome), event.reason ? el('span', { className: 'mfa' }, `${event.denied_by}: ${event.reason}`) : null),
        el('td', {}, event.purpose ?? '—'), el('td', {}, event.entity ?? '—'), el('td', {}, event.records === null ? '—' : String(event.records)),
        el('td', { className: 'mono' }, event.subjects.length ? event.subjects.join(' ') : '—')));
    this.table.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  }

  async verify() {
    const chain = document.getElementById('chain');
    try {
      const status = await api('audit/verify');
      chain.className = `chain ${status.intact ? 'ok' : 'bad'}`;
      chain.textContent = status.intact
        ? `Chain intact · ${status.checked} events · ${status.instances} instance${status.instances === 1 ? '' : 's'}`
        : `Chain broken · ${status.problems.length} problem${status.problems.length === 1 ? '' : 's'}: ${status.problems[0] ?? ''}`;
    } catch (error) {
      chain.className = 'chain bad';
      chain.textContent = `Chain not verified: ${error.message}`;
    }
  }

  // The detector's newest alerts: who, how unusual, why, what was done about it, whether someone looked.
  async alerts() {
    const box = document.getElementById('alerts');
    let answer;
    try {
      answer = await api('alerts');
    } catch (error) {
      box.replaceChildren(el('p', { className: 'empty' }, `Alerts not read: ${error.message}`));
      return;
    }
    if (answer.alerts.length === 0) {
      box.replaceChildren(el('p', { className: 'empty' }, answer.note ?? 'No alerts.'));
      return;
    }
    const head = el('tr', {}, ['Time', 'Principal', 'Score', 'Signals', 'Action', 'Acknowledged'].map((name) => el('th', { scope: 'col' }, name)));
    const rows = answer.alerts.map((alert) => el('tr', { dataset: { id: alert.id ?? '' } },
      el('td', { className: 'mono' }, new Date(alert.time).toLocaleString()),
      el('td', {}, alert.principal ?? '—'),
      el('td', {}, alert.score === null ? '—' : String(alert.score)),
      el('td', {}, alert.reasons.length ? el('ul', { className: 'reasons' }, alert.reasons.map((reason) => el('li', {}, reason))) : '—'),
      el('td', {}, alert.action ?? '—', alert.containment ? el('span', { className: 'mfa' }, alert.containment) : null),
      el('td', {}, alert.acknowledged_by
        ? [alert.acknowledged_by, alert.acknowledged_at ? el('span', { className: 'mfa' }, new Date(alert.acknowledged_at).toLocaleString()) : null]
        : 'no')));
    box.replaceChildren(el('table', { className: 'grid', id: 'alerts-table' }, el('thead', {}, head), el('tbody', {}, rows)));
  }
}
