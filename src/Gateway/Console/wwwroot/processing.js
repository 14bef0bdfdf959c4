import { api, download, el } from './client.js';

// The record of processing: from the audit stream over a period, who received which classes in
// clear, how many records and distinct subjects, for which purpose.
export class ProcessingView {
  constructor() {
    this.from = document.getElementById('processing-from');
    this.to = document.getElementById('processing-to');
    this.table = document.getElementById('processing-table');
    const now = new Date();
    this.to.value = local(new Date(now.getTime() + 60 * 60 * 1000));
    this.from.value = local(new Date(now.getTime() - 30 * 24 * 60 * 60 * 1000));
    document.getElementById('processing-load').addEventListener('click', () => this.show());
    document.getElementById('processing-csv').addEventListener('click', () => download(`processing?${this.query()}&format=csv`, 'record-of-processing.csv'));
    document.getElementById('processing-json').addEventListener('click', () => download(`processing?${this.query()}&format=json`, 'record-of-processing.json'));
  }

  query() {
    const from = new Date(this.from.value).toISOString();
    const to = new Date(this.to.value).toISOString();
    return new URLSearchParams({ from, to }).toString();
  }

  async show() {
    const report = await api(`processing?${this.query()}`);
    document.getElementById('processing-meta').textContent =
      `${report.events} events read from ${new Date(report.from).toLocaleString()} to ${new Date(report.to).toLocaleString()}` +
      (report.notes.length ? ` · ${report.notes.join(' ')}` : '');
    const head = el('tr', {}, ['Roles', 'Client', 'Purpose', 'Entity', 'Classes received in clear', 'Requests', 'Records', 'Subjects'].map((name) => el('th', { scope: 'col' }, name)));
    const rows = report.rows.length === 0
      ? [el('tr', {}, el('td', { colspan: '8', className: 'empty' }, 'No personal data left the gateway in this period.'))]
      : report.rows.map((row) => el('tr', {},
        el('td', {}, row.roles || '(no role)'), el('td', { className: 'mono' }, row.client), el('td', {}, row.purpose), el('td', {}, row.entity),
        el('td', {}, row.classes_in_clear.length ? row.classes_in_clear.map((c) => el('span', { className: 'chip clear' }, c)) : el('span', { className: 'muted' }, 'none')),
        el('td', {}, String(row.requests)), el('td', {}, String(row.records)), el('td', {}, `${row.subjects}${row.subjects_capped ? '+' : ''}`)));
    this.table.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  }
}

function local(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
