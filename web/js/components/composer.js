// <sr-composer name="body" label="Reply" draft="reply">: a markdown textarea with Write and
// Preview tabs; the preview is the server's rendering (`POST /markdown/preview`), exactly
// what will be stored. Light DOM, so the textarea belongs to the surrounding form. With
// `draft`, what is typed is kept for this tab and page until it is sent, so a reload (or
// the page reloading itself after a long disconnection) loses nothing. Ctrl/Cmd+Enter
// submits the surrounding form. With `network`, typing `@` offers that network's members
// and `@words` matching nobody are warned about (components/mentions.js).

import { api } from '../api.js';
import { h } from '../dom.js';
import { field, textarea } from '../forms.js';
import { offerMentions, warnUnresolved } from './mentions.js';
import { announce } from '../dom.js';
import { uploadImage } from '../images.js';
import { markdownToolbar, formatShortcut } from './toolbar.js';

let count = 0;

class Composer extends HTMLElement {
  connectedCallback() {
    if (this.textarea) return;
    const n = ++count;
    const name = this.getAttribute('name') ?? 'body';
    this.textarea = textarea({ rows: this.getAttribute('rows') ?? 6, required: this.hasAttribute('required') });
    this.textarea.value = this.getAttribute('value') ?? '';
    if (this.hasAttribute('draft')) {
      this.draftKey = `staffroom.draft:${location.pathname}:${this.getAttribute('draft')}`;
      if (!this.textarea.value) this.textarea.value = sessionStorage.getItem(this.draftKey) ?? '';
      this.textarea.addEventListener('input', () => {
        if (this.textarea.value) sessionStorage.setItem(this.draftKey, this.textarea.value);
        else sessionStorage.removeItem(this.draftKey);
      });
    }
    // Ctrl+Enter (⌘+Enter on a Mac) sends, as in most places people write.
    this.textarea.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.defaultPrevented) return;
      event.preventDefault();
      this.closest('form')?.requestSubmit();
    });
    const wrapper = field(this.getAttribute('label') ?? 'Message', name, {
      control: this.textarea,
      hint: 'Markdown: **bold**, _italic_, lists, links, `@handle` to mention someone. Ctrl+Enter sends.',
    });
    // Two tab panels: the textarea's wrapper (Write) and the rendered preview.
    this.writePanel = h('div', { role: 'tabpanel', id: `composer-write-${n}`, 'aria-labelledby': `composer-write-tab-${n}` });
    this.preview = h('div', { class: 'composer-preview prose', id: `composer-preview-${n}`, role: 'tabpanel', 'aria-labelledby': `composer-preview-tab-${n}`, hidden: true, tabindex: '0' });
    this.writeTab = h('button', { type: 'button', role: 'tab', id: `composer-write-tab-${n}`, 'aria-selected': 'true', 'aria-controls': this.writePanel.id, on: { click: () => this.show(false) } }, 'Write');
    this.previewTab = h('button', { type: 'button', role: 'tab', id: `composer-preview-tab-${n}`, 'aria-selected': 'false', 'aria-controls': this.preview.id, tabindex: '-1', on: { click: () => this.show(true) } }, 'Preview');
    const tabs = h('div', { class: 'composer-tabs', role: 'tablist', 'aria-label': 'Composer mode' }, this.writeTab, this.previewTab);
    tabs.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
        const previewing = event.target === this.writeTab;
        this.show(previewing);
        (previewing ? this.previewTab : this.writeTab).focus();
      }
    });
    wrapper.querySelector('label').after(tabs);
    this.textarea.replaceWith(this.writePanel);
    this.networkId = this.getAttribute('network');
    // Images go into a network: only a composer that knows its network offers them.
    const addImages = this.networkId ? (files) => this.addImages(files) : null;
    this.writePanel.append(markdownToolbar(this.textarea, { addImages }), this.textarea);
    this.textarea.addEventListener('keydown', (event) => formatShortcut(this.textarea, event));
    if (addImages) {
      this.textarea.addEventListener('paste', (event) => {
        const files = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
        if (!files.length) return;
        event.preventDefault();
        addImages(files);
      });
      this.textarea.addEventListener('dragover', (event) => { if (event.dataTransfer?.types.includes('Files')) event.preventDefault(); });
      this.textarea.addEventListener('drop', (event) => {
        const files = [...(event.dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/'));
        if (!files.length) return;
        event.preventDefault();
        addImages(files);
      });
    }
    // Wide screens may write and see the result side by side.
    this.sideBySide = h('button', { type: 'button', class: 'button-quiet composer-side', 'aria-pressed': 'false', on: { click: () => this.toggleSideBySide() } }, 'Side by side');
    // Beside the tab list, not in it: a tab list holds only tabs.
    tabs.after(this.sideBySide);
    this.textarea.addEventListener('input', () => {
      if (!this.classList.contains('side-by-side')) return;
      clearTimeout(this.previewTimer);
      this.previewTimer = setTimeout(() => this.render(), 400);
    });
    wrapper.append(this.preview);
    if (this.networkId) {
      this.writePanel.classList.add('mention-anchor');
      this.writePanel.append(offerMentions(this.textarea, this.networkId));
      this.unresolved = warnUnresolved(this.textarea, this.networkId);
      wrapper.append(this.unresolved.warning);
    }
    // A refused form focuses its first invalid field: make sure that is the visible textarea.
    this.textarea.addEventListener('invalid-focus', () => this.show(false));
    this.replaceChildren(wrapper);
  }

  get value() { return this.textarea?.value ?? ''; }
  set value(text) {
    if (!this.textarea) { this.setAttribute('value', text); return; } // before it is on the page
    this.textarea.value = text;
    if (this.draftKey && !text) sessionStorage.removeItem(this.draftKey); // sent: no draft left
    if (!text) this.unresolved?.say([]);
    this.show(false);
  }

  /** Uploads `files` one after the other, each shown as a placeholder until it is in. */
  async addImages(files) {
    for (const file of files) {
      const name = (file.name || 'image').replace(/[[\]]/g, '');
      const placeholder = `![Uploading ${name}…]()`;
      // On a paragraph of its own: after a line of text or a list item, markdown would
      // otherwise run the image into it.
      const before = this.textarea.value.slice(0, this.textarea.selectionStart);
      const gap = !before || before.endsWith('\n\n') ? '' : before.endsWith('\n') ? '\n' : '\n\n';
      insertAtCursor(this.textarea, `${gap}${placeholder}\n`);
      try {
        const image = await uploadImage(this.networkId, file);
        const alt = name.replace(/\.[a-z0-9]+$/i, '');
        this.textarea.value = this.textarea.value.replace(placeholder, `![${alt}](${image.url})`);
        announce(`Image ${name} added.`);
      } catch (error) {
        this.textarea.value = this.textarea.value.replace(`${placeholder}\n`, '');
        announce(`${name} could not be added: ${error.message}`);
        alertIn(this, `${name} could not be added: ${error.message}`);
      }
      this.textarea.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  toggleSideBySide() {
    const on = !this.classList.contains('side-by-side');
    this.classList.toggle('side-by-side', on);
    this.sideBySide.setAttribute('aria-pressed', String(on));
    this.writePanel.hidden = false;
    this.preview.hidden = !on;
    if (on) this.render();
    else this.show(false);
  }

  async show(previewing) {
    if (this.classList.contains('side-by-side')) this.toggleSideBySide();
    this.writeTab.setAttribute('aria-selected', String(!previewing));
    this.previewTab.setAttribute('aria-selected', String(previewing));
    this.writeTab.tabIndex = previewing ? -1 : 0;
    this.previewTab.tabIndex = previewing ? 0 : -1;
    this.writePanel.hidden = previewing;
    this.preview.hidden = !previewing;
    if (!previewing) return;
    this.preview.textContent = 'Rendering preview…';
    await this.render();
  }

  /** The server's rendering of what is written, into the preview panel. */
  async render() {
    try {
      const result = await api.post('/markdown/preview', { body: this.textarea.value, ...(this.networkId ? { network_id: this.networkId } : {}) });
      this.preview.innerHTML = result.body_html || '<p class="muted">Nothing to preview yet.</p>';
      if (result.unresolved_mentions) this.unresolved?.say(result.unresolved_mentions);
    } catch (error) {
      this.preview.textContent = `The preview could not be shown: ${error.message}`;
    }
  }
}

/** Inserts `text` at the cursor (replacing the selection), leaving the cursor after it. */
function insertAtCursor(textarea, text) {
  textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, 'end');
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
}

/** Shows `message` in the form's alert, where a refused form shows its problems. */
function alertIn(element, message) {
  const alert = element.closest('form')?.querySelector('.form-error');
  if (!alert) return;
  alert.textContent = message;
  alert.hidden = false;
}

customElements.define('sr-composer', Composer);
