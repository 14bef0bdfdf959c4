// A plain <textarea> with a line-number gutter that marks the lines validation found errors on.
export class Editor {
  constructor(container) {
    this.textarea = container.querySelector('textarea');
    this.gutter = container.querySelector('.gutter');
    this.errors = new Map();
    this.textarea.addEventListener('input', () => this.render());
    this.textarea.addEventListener('scroll', () => { this.gutter.scrollTop = this.textarea.scrollTop; });
    this.textarea.addEventListener('keydown', (event) => this.indent(event));
    this.render();
  }

  get value() { return this.textarea.value; }

  set value(text) {
    this.textarea.value = text;
    this.textarea.scrollTop = 0;
    this.render();
  }

  /** @param {Map<number, string>} errors line (from 1) to message */
  markErrors(errors) {
    this.errors = errors;
    this.render();
  }

  /** Puts the caret at a line and column (both from 1). */
  goTo(line, column) {
    const lines = this.textarea.value.split('\n');
    let offset = 0;
    for (let i = 0; i < Math.min(line - 1, lines.length); i++) {
      offset += lines[i].length + 1;
    }
    offset += Math.max(0, (column || 1) - 1);
    this.textarea.focus();
    this.textarea.setSelectionRange(offset, offset);
    const lineHeight = 18;
    this.textarea.scrollTop = Math.max(0, (line - 5) * lineHeight);
  }

  render() {
    const count = this.textarea.value.split('\n').length;
    const fragment = document.createDocumentFragment();
    for (let line = 1; line <= count + 1; line++) {
      const number = document.createElement('div');
      number.textContent = String(line);
      number.dataset.line = String(line);
      if (this.errors.has(line)) {
        number.className = 'error';
        number.title = this.errors.get(line);
      }
      fragment.append(number);
    }
    this.gutter.replaceChildren(fragment);
    this.gutter.scrollTop = this.textarea.scrollTop;
  }

  /** Tab inserts two spaces (YAML has no tabs); Escape then Tab leaves the editor, so the keyboard is never trapped. */
  indent(event) {
    if (event.key === 'Escape') {
      this.escaped = true;
      return;
    }
    if (event.key !== 'Tab' || event.shiftKey || this.escaped) {
      this.escaped = false;
      return;
    }
    event.preventDefault();
    const { selectionStart: start, selectionEnd: end, value } = this.textarea;
    this.textarea.value = `${value.slice(0, start)}  ${value.slice(end)}`;
    this.textarea.setSelectionRange(start + 2, start + 2);
    this.textarea.dispatchEvent(new Event('input'));
  }
}
