// Building the page without string HTML: text is always text. The only markup inserted as
// markup is what the server rendered and sanitized (`body_html`, `snippet_html`), through
// `trustedHtml`.

/** h('a', {href: '/x', class: 'link'}, 'text', child, [more]) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === 'trustedHtml') el.innerHTML = value;
    else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  appendAll(el, children);
  return el;
}

/** Appends children as `h` does: text as text, arrays flattened, null and false skipped. */
export function append(el, ...children) {
  appendAll(el, children);
  return el;
}

function appendAll(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) appendAll(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS = [
  ['year', 365 * 24 * 3600], ['month', 30 * 24 * 3600], ['week', 7 * 24 * 3600],
  ['day', 24 * 3600], ['hour', 3600], ['minute', 60],
];

/** "3 hours ago", in the reader's language. */
export function ago(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(0, 'minute');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso) { return dateTime.format(new Date(iso)); }
export function formatDate(iso) { return dateOnly.format(new Date(iso)); }

/** A <time> that reads "3 hours ago" and shows the exact moment on hover. */
export function timeAgo(iso) {
  return h('time', { datetime: iso, title: formatDateTime(iso) }, ago(iso));
}

/** Says something to screen-reader users without moving their focus. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick is what makes screen readers speak a repeated message.
  setTimeout(() => { region.textContent = message; }, 50);
}

export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

export function tagList(tags) {
  if (!tags?.length) return null;
  return h('ul', { class: 'tags', 'aria-label': 'Tags' }, tags.map((t) => h('li', {}, t)));
}

export function avatar(person, size = 'sm') {
  const name = person?.display_name ?? '?';
  const initials = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('');
  let hue = 0;
  for (const ch of person?.id ?? name) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return h('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', dataset: { hue: String(hue % 12) } }, initials);
}

const ICONS = {
  bell: '<path d="M12 3a6 6 0 0 0-6 6v3.6L4.3 16h15.4L18 12.6V9a6 6 0 0 0-6-6Zm-2 15a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>',
  search: '<circle cx="11" cy="11" r="6.5" fill="none" stroke="currentColor" stroke-width="1.8"/><path d="m16 16 4.5 4.5" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>',
  menu: '<path d="M4 7h16M4 12h16M4 17h16" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>',
};

/** A decorative icon (screen readers skip it; the control carries the name). */
export function icon(name, size = 22) {
  const holder = document.createElement('span');
  holder.className = 'icon';
  holder.setAttribute('aria-hidden', 'true');
  // Static markup from the table above, never data.
  holder.innerHTML = `<svg viewBox="0 0 24 24" width="${size}" height="${size}" focusable="false">${ICONS[name]}</svg>`;
  return holder;
}

/**
 * Rebuilds `container` with `build()` and gives focus back to the control that had it
 * (matched by `data-key`), so a live update or one's own action never drops keyboard
 * users at the top of the page.
 */
export function redraw(container, build) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  build();
  if (key) container.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}
