// Forms: labelled fields, a submit that cannot be sent twice, and API errors shown next to
// the field they concern (422 `errors` keys are field names, e.g. `digest.hour`).

import { ApiError } from './api.js';
import { h } from './dom.js';

let nextId = 0;
const uid = (name) => `f-${name.replace(/[^a-z0-9_-]/gi, '-')}-${++nextId}`;

/** A label, a control and room for its error. `control` defaults to an <input>. */
export function field(label, name, { type = 'text', hint, control, ...attrs } = {}) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : null;
  const input = control ?? h('input', { type, name, ...attrs });
  input.id = id;
  input.name = name;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field', dataset: { field: name } },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

export function textarea(attrs = {}) { return h('textarea', { rows: 6, ...attrs }); }

export function select(options, selected, attrs = {}) {
  return h('select', attrs, options.map(([value, label]) =>
    h('option', { value, selected: value === selected }, label)));
}

export function checkbox(label, name, checked) {
  const id = uid(name);
  return h('div', { class: 'check', dataset: { field: name } },
    h('input', { type: 'checkbox', id, name, checked }),
    h('label', { for: id }, label),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
}

/**
 * Handles `form`'s submit with `action(form)`: clears old errors, disables the submit
 * button while it runs, and shows what the API refused next to each field (or at the top).
 */
export function onSubmit(form, action) {
  const alert = form.querySelector('.form-error') ?? h('p', { class: 'form-error', role: 'alert', hidden: true });
  if (!alert.isConnected) form.prepend(alert);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.dataset.busy) return;
    clearErrors(form);
    form.dataset.busy = 'true';
    const buttons = [...form.querySelectorAll('button[type=submit], button:not([type])')];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(form);
    } catch (error) {
      showErrors(form, error);
    } finally {
      delete form.dataset.busy;
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

export function clearErrors(form) {
  for (const error of form.querySelectorAll('.field-error')) { error.hidden = true; error.textContent = ''; }
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => !id.endsWith('-error'));
    if (described.length) input.setAttribute('aria-describedby', described.join(' '));
    else input.removeAttribute('aria-describedby');
  }
  const alert = form.querySelector('.form-error');
  if (alert) { alert.hidden = true; alert.textContent = ''; }
}

export function showErrors(form, error) {
  const alert = form.querySelector('.form-error');
  const fields = error instanceof ApiError ? error.fieldErrors : {};
  const unplaced = [];
  let first = null;
  for (const [name, message] of Object.entries(fields)) {
    const wrapper = findField(form, name);
    const input = wrapper?.querySelector('input, textarea, select');
    const slot = wrapper?.querySelector('.field-error');
    if (!input || !slot) { unplaced.push(`${name}: ${message}`); continue; }
    slot.textContent = message;
    slot.hidden = false;
    input.dispatchEvent(new Event('invalid-focus')); // e.g. a composer showing its preview switches back
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), slot.id].filter(Boolean).join(' '));
    first ??= input;
  }
  const summary = Object.keys(fields).length
    ? (unplaced.length ? unplaced.join(' ') : 'Please correct the highlighted fields.')
    : (error?.message ?? 'Something went wrong.');
  if (alert) { alert.textContent = summary; alert.hidden = false; }
  (first ?? alert)?.focus?.();
  if (!first && alert) { alert.setAttribute('tabindex', '-1'); alert.focus(); }
}

/** The wrapper of field `name`, or of its parent (`tags[0]` → `tags`, `digest.hour` → `digest.hour` or `digest`). */
function findField(form, name) {
  const candidates = [name, name.replace(/\[\d+\]$/, ''), name.split('.')[0]];
  for (const candidate of candidates) {
    const found = form.querySelector(`[data-field="${CSS.escape(candidate)}"]`);
    if (found) return found;
  }
  return null;
}

/** "a, b, c" → ['a', 'b', 'c'] */
export function splitList(text) {
  return String(text ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

/**
 * Runs `action` when `button` is pressed: disabled meanwhile, and a failure is said next
 * to the button (role=alert) instead of disappearing.
 */
export function onClick(button, action) {
  button.addEventListener('click', async () => {
    if (button.disabled) return;
    button.disabled = true;
    const old = button.parentElement?.querySelector(':scope > .action-error');
    old?.remove();
    try {
      await action();
    } catch (error) {
      const message = h('p', { class: 'form-error action-error', role: 'alert' }, error?.message ?? 'Something went wrong.');
      button.insertAdjacentElement('afterend', message);
    } finally {
      if (button.isConnected) button.disabled = false;
    }
  });
}
