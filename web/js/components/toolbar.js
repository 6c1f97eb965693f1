// The composer's formatting toolbar: each button writes markdown around the selection (or
// a placeholder, selected so typing replaces it). One tab stop for the whole toolbar, the
// arrow keys move between its buttons (the WAI-ARIA toolbar pattern), and the usual keys
// work in the text: Ctrl/⌘+B bold, +I italic, +K link.

import { h } from '../dom.js';

/** Wraps the selection in `before`…`after`, selecting what is inside. */
function surround(textarea, before, after, placeholder) {
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  const inner = value.slice(start, end) || placeholder;
  textarea.setRangeText(`${before}${inner}${after}`, start, end, 'select');
  textarea.setSelectionRange(start + before.length, start + before.length + inner.length);
  changed(textarea);
}

/** Starts each line the selection touches with `prefix` (`- `, `> `), or `1. `, `2. ` … */
function prefixLines(textarea, prefix) {
  const { value } = textarea;
  const start = value.lastIndexOf('\n', textarea.selectionStart - 1) + 1;
  const endAt = value.indexOf('\n', textarea.selectionEnd);
  const end = endAt === -1 ? value.length : endAt;
  const lines = value.slice(start, end).split('\n');
  const text = lines.map((line, i) => `${typeof prefix === 'function' ? prefix(i) : prefix}${line}`).join('\n');
  // A list or quote needs a blank line before it to be one.
  const lead = start > 0 && value.slice(0, start).trimEnd() && !value.slice(0, start).endsWith('\n\n') ? '\n' : '';
  textarea.setRangeText(`${lead}${text}`, start, end, 'end');
  changed(textarea);
}

function insert(textarea, text) {
  textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, 'end');
  changed(textarea);
}

function changed(textarea) {
  textarea.focus();
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
}

const ACTIONS = {
  bold: (t) => surround(t, '**', '**', 'bold text'),
  italic: (t) => surround(t, '_', '_', 'italic text'),
  link: (t) => {
    const { selectionStart: start, selectionEnd: end, value } = t;
    const text = value.slice(start, end) || 'link text';
    t.setRangeText(`[${text}](https://)`, start, end, 'end');
    // The address is what is left to type.
    const url = start + text.length + 3;
    t.setSelectionRange(url, url + 'https://'.length);
    changed(t);
  },
  list: (t) => prefixLines(t, '- '),
  numbered: (t) => prefixLines(t, (i) => `${i + 1}. `),
  quote: (t) => prefixLines(t, '> '),
  // Typing `@` opens the list of the network's members (components/mentions.js).
  mention: (t) => insert(t, `${/\S$/.test(t.value.slice(0, t.selectionStart)) ? ' ' : ''}@`),
};

/** Ctrl/⌘+B, +I and +K in the text; true when it acted. */
export function formatShortcut(textarea, event) {
  if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return false;
  const action = { b: 'bold', i: 'italic', k: 'link' }[event.key.toLowerCase()];
  if (!action) return false;
  event.preventDefault();
  ACTIONS[action](textarea);
  return true;
}

/**
 * The toolbar for `textarea`. With `addImages(files)`, an Image button picks files (paste
 * and drop are the composer's).
 */
export function markdownToolbar(textarea, { addImages }) {
  // Each button's name is its visible text (what voice control users say).
  const button = (action, text, shortcut) => h('button', {
    type: 'button', class: 'toolbar-button', tabindex: '-1', title: shortcut ? `${text.textContent ?? text} (${shortcut})` : null,
    on: { click: () => ACTIONS[action](textarea) },
  }, text);
  const key = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';
  const buttons = [
    button('bold', h('b', {}, 'Bold'), `${key}B`),
    button('italic', h('i', {}, 'Italic'), `${key}I`),
    button('link', 'Link', `${key}K`),
    button('list', 'Bulleted list'),
    button('numbered', 'Numbered list'),
    button('quote', 'Quote'),
    button('mention', 'Mention'),
  ];
  if (addImages) {
    const picker = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,image/gif', multiple: true, hidden: true });
    picker.addEventListener('change', () => {
      const files = [...picker.files];
      picker.value = '';
      if (files.length) addImages(files);
    });
    const image = h('button', { type: 'button', class: 'toolbar-button', tabindex: '-1', title: 'Image (or paste or drop one into the text)', on: { click: () => picker.click() } }, 'Image');
    buttons.push(image, picker);
  }
  const focusable = () => buttons.filter((b) => b.tagName === 'BUTTON');
  focusable()[0].tabIndex = 0;
  const toolbar = h('div', { class: 'composer-toolbar', role: 'toolbar', 'aria-label': 'Formatting', 'aria-controls': textarea.id || null }, buttons);
  toolbar.addEventListener('keydown', (event) => {
    const items = focusable();
    const at = items.indexOf(document.activeElement);
    if (at === -1) return;
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: items.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = items[(next + items.length) % items.length];
    items.forEach((b) => { b.tabIndex = b === target ? 0 : -1; });
    target.focus();
  });
  return toolbar;
}
