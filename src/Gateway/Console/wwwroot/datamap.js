import { api, download, el } from './client.js';

// The data map of the rules in force: for a purpose, what each role receives of each class.
export class DataMapView {
  constructor() {
    this.purpose = document.getElementById('datamap-purpose');
    this.table = document.getElementById('datamap-table');
    this.purpose.addEventListener('change', () => this.render());
    document.getElementById('datamap-csv').addEventListener('click', () => download('datamap?format=csv', `datamap-${this.map?.rules_version ?? 'rules'}.csv`));
    document.getElementById('datamap-json').addEventListener('click', () => download('datamap?format=json', `datamap-${this.map?.rules_version ?? 'rules'}.json`));
  }

  async show() {
    this.map = await api('datamap');
    const purposes = [...new Set(this.map.entries.map((entry) => entry.purpose))];
    this.purpose.replaceChildren(...purposes.map((name) => el('option', { value: name }, name)));
    document.getElementById('datamap-meta').textContent =
      `Rules version ${this.map.rules_version} · ${this.map.classes.length} classes · ${this.map.roles.length} roles · ${purposes.length} purpose${purposes.length === 1 ? '' : 's'}`;
    document.getElementById('datamap-writes').textContent = this.map.writes;
    this.render();
  }

  render() {
    const purpose = this.purpose.value;
    const entries = this.map.entries.filter((entry) => entry.purpose === purpose);
    const condition = entries.find((entry) => entry.condition)?.condition;
    const head = el('tr', {}, el('th', { scope: 'col' }, 'Data class'), this.map.roles.map((role) => el('th', { scope: 'col' }, role)));
    const rows = this.map.classes.map((dataClass) => {
      const cells = this.map.roles.map((role) => {
        const entry = entries.find((e) => e.role === role && e.data_class === dataClass);
        if (!entry) {
          return el('td');
        }
        const kind = entry.receives.startsWith('clear (') ? 'detect' : entry.receives;
        return el('td', { dataset: { role, class: dataClass } },
          el('span', { className: `chip ${kind}`, title: `action: ${entry.action}` }, entry.receives),
          entry.action_with_mfa !== entry.action ? el('span', { className: 'mfa' }, `with MFA: ${entry.receives_with_mfa}`) : null,
          el('span', { className: 'mfa' }, `writes: ${entry.writes}`));
      });
      const first = entries.find((e) => e.data_class === dataClass);
      return el('tr', {}, el('td', { className: 'class' }, dataClass, el('span', { className: 'muted' }, first?.entities.join(', ') || 'no entity')), cells);
    });
    this.table.replaceChildren(el('caption', { className: 'muted' }, condition ? `For ${purpose}: ${condition}.` : `What each role receives for ${purpose}.`), el('thead', {}, head), el('tbody', {}, rows));
  }
}
