// Single-key shortcuts of a page (`j`, `k`, `r`, `?`): ignored while typing in a field or
// with a modifier held, so they never take a letter someone meant to write. `?` opens a
// dialog listing them; Escape closes it and focus goes back where it was.

import { h } from './dom.js';

/** Is the key press meant for a field (or the browser), not for the page? */
function isTyping(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return true;
  const target = event.target;
  if (!(target instanceof Element)) return false;
  return target.isContentEditable || Boolean(target.closest('input, textarea, select, dialog[open]'));
}

/**
 * Runs `keys[event.key]` on key presses outside fields; `help` lists `[key, what]` for the
 * `?` dialog. Returns the function that stops listening.
 */
export function listenForShortcuts(keys, help) {
  const onKey = (event) => {
    if (isTyping(event)) return;
    if (event.key === '?') {
      event.preventDefault();
      showShortcuts(help);
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action(event);
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}

/** The modal dialog listing `help`: a real <dialog>, so focus stays inside while it is open. */
export function showShortcuts(help) {
  const returnTo = document.activeElement;
  const close = h('button', { type: 'button', class: 'button' }, 'Close');
  const dialog = h('dialog', { class: 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title' },
    h('h2', { id: 'shortcuts-title' }, 'Keyboard shortcuts'),
    h('dl', { class: 'shortcut-list' }, [...help, ['?', 'Show this list']].map(([key, what]) => [
      h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)])),
    h('div', { class: 'actions' }, close));
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (returnTo instanceof HTMLElement && returnTo.isConnected) returnTo.focus({ preventScroll: true });
  });
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  return dialog;
}
