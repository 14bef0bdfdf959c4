import { el } from './client.js';

// Renders a role's masked output on the skeleton of the original body: each value the masker
// changed is highlighted with the class and action that changed it; removed values are struck out.

const escapeSegment = (key) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function renderMasked(target, original, masked, changes) {
  const byPointer = new Map(changes.map((change) => [change.pointer, change]));
  const lines = [];
  walk(lines, original, masked, '', byPointer, 0, null, true);
  target.append(...lines);
}

function walk(lines, original, masked, pointer, changes, depth, key, last) {
  const change = changes.get(pointer);
  if (change?.removed) {
    lines.push(line(depth, key, [el('span', { className: 'removed' }, preview(original)), tag(change)], last, 'removed-line', pointer));
    return;
  }
  const value = masked === undefined ? original : masked;
  if (Array.isArray(value)) {
    lines.push(line(depth, key, ['['], null));
    const source = Array.isArray(original) ? original : value;
    let kept = 0;
    source.forEach((item, index) => {
      const childPointer = `${pointer}/${index}`;
      const removed = changes.get(childPointer)?.removed;
      const next = removed ? undefined : (Array.isArray(masked) ? masked[kept++] : item);
      walk(lines, item, next, childPointer, changes, depth + 1, null, index === source.length - 1);
    });
    lines.push(line(depth, null, [']'], last));
    return;
  }
  if (value !== null && typeof value === 'object') {
    lines.push(line(depth, key, ['{'], null));
    const source = original !== null && typeof original === 'object' && !Array.isArray(original) ? original : value;
    const keys = Object.keys(source);
    keys.forEach((name, index) => {
      const childPointer = `${pointer}/${escapeSegment(name)}`;
      const next = masked !== null && typeof masked === 'object' ? masked[name] : undefined;
      walk(lines, source[name], next, childPointer, changes, depth + 1, name, index === keys.length - 1);
    });
    lines.push(line(depth, null, ['}'], last));
    return;
  }
  const text = scalar(value);
  if (change) {
    const shown = el('span', { className: `${text.className} changed`, title: `was: ${JSON.stringify(original)}` }, text.text);
    lines.push(line(depth, key, [shown, tag(change)], last, 'changed-line', pointer));
  } else {
    lines.push(line(depth, key, [el('span', { className: text.className }, text.text)], last));
  }
}

function line(depth, key, content, last, className, pointer) {
  const parts = ['  '.repeat(depth)];
  if (key !== null) {
    parts.push(el('span', { className: 'key' }, JSON.stringify(key)), ': ');
  }
  parts.push(...content);
  if (last === false) {
    parts.push(',');
  }
  return el('div', { className: `line ${className ?? ''}`.trim(), dataset: pointer === undefined ? undefined : { pointer } }, parts);
}

function tag(change) {
  return el('span', { className: `tag ${change.removed ? 'remove' : ''}`.trim() }, `${change.class} · ${change.action}`);
}

function scalar(value) {
  if (typeof value === 'string') {
    return { className: 'str', text: JSON.stringify(value) };
  }
  if (typeof value === 'number') {
    return { className: 'num', text: String(value) };
  }
  return { className: 'lit', text: String(value) };
}

function preview(value) {
  const text = JSON.stringify(value);
  return text === undefined ? '' : text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
