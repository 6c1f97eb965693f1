// <sr-file-drop name="file" label="File">: a file input that also takes a file dropped on
// it, shows what was chosen, and a progress bar the form drives while it uploads. Light
// DOM, so the input belongs to the surrounding form.

import { h } from '../dom.js';
import { field } from '../forms.js';

class FileDrop extends HTMLElement {
  connectedCallback() {
    if (this.input) return;
    this.input = h('input', { type: 'file' });
    const wrapper = field(this.getAttribute('label') ?? 'File', this.getAttribute('name') ?? 'file', {
      control: this.input,
      hint: this.getAttribute('hint') ?? 'Choose a file, or drop it here.',
    });
    this.chosen = h('p', { class: 'meta', 'aria-live': 'polite' });
    this.progress = h('progress', { max: '100', value: '0', hidden: true, 'aria-label': 'Upload progress' });
    this.zone = h('div', { class: 'drop-zone' }, wrapper, this.chosen, this.progress);
    this.input.addEventListener('change', () => this.#show());
    this.zone.addEventListener('dragover', (event) => { event.preventDefault(); this.zone.classList.add('dragging'); });
    this.zone.addEventListener('dragleave', () => this.zone.classList.remove('dragging'));
    this.zone.addEventListener('drop', (event) => {
      event.preventDefault();
      this.zone.classList.remove('dragging');
      if (event.dataTransfer?.files?.length) {
        this.input.files = event.dataTransfer.files;
        this.#show();
      }
    });
    this.replaceChildren(this.zone);
  }

  get file() { return this.input?.files?.[0] ?? null; }

  /** 0..1 while uploading; null hides the bar. */
  set fraction(value) {
    this.progress.hidden = value === null;
    if (value !== null) this.progress.value = Math.round(value * 100);
  }

  clear() {
    this.input.value = '';
    this.#show();
    this.fraction = null;
  }

  #show() {
    const file = this.file;
    this.chosen.textContent = file ? `${file.name} (${formatSize(file.size)})` : '';
  }
}

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

customElements.define('sr-file-drop', FileDrop);
