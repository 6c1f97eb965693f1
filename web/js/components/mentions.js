// Mentions in a composer. Typing `@` and the start of a name offers the network's members
// (and `@facilitators`) in a listbox under the field, following the ARIA combobox pattern
// while the field keeps focus and stays a multi-line textbox: ↑/↓ move (aria-activedescendant),
// Enter or Tab picks, Escape closes, and the number of suggestions is announced. Separately,
// a pause in typing asks the server which `@words` match nobody, to warn before sending.

import { api, apiPath, query } from '../api.js';
import { h, replace, announce } from '../dom.js';

/** `@` and what follows it up to the caret, at the start or after a space or punctuation. */
const TYPED = /(?:^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_.-]{0,40})$/u;
const FACILITATORS = { id: 'facilitators', handle: 'facilitators', display_name: 'The network’s facilitators' };
const ASK_AFTER_MS = 150;

let count = 0;

/** Offers mentions in `textarea` for members of `networkId`; returns the listbox to place. */
export function offerMentions(textarea, networkId) {
  const id = `mentions-${++count}`;
  const listbox = h('ul', { class: 'mention-list', role: 'listbox', id, 'aria-label': 'People to mention', hidden: true });
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', id);
  let options = [];
  let active = -1;
  let typed = null; // { start, word }: where the `@word` being typed begins
  let timer = null;
  let asked = 0;

  const isOpen = () => !listbox.hidden;
  const close = () => {
    clearTimeout(timer);
    asked += 1; // an answer still on its way is no longer wanted
    listbox.hidden = true;
    options = [];
    active = -1;
    textarea.removeAttribute('aria-activedescendant');
  };
  const highlight = (index) => {
    active = index;
    [...listbox.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
    const current = listbox.children[index];
    if (current) {
      textarea.setAttribute('aria-activedescendant', current.id);
      current.scrollIntoView({ block: 'nearest' });
    } else textarea.removeAttribute('aria-activedescendant');
  };
  const pick = (index) => {
    const person = options[index];
    if (!person || !typed) return;
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, typed.start);
    const inserted = `@${person.handle} `;
    textarea.value = before + inserted + textarea.value.slice(caret);
    const at = before.length + inserted.length;
    textarea.setSelectionRange(at, at);
    close();
    textarea.dispatchEvent(new Event('input', { bubbles: true })); // the draft keeps it
    announce(`Mentioned ${person.display_name}`);
  };
  const show = (people) => {
    options = people;
    replace(listbox, people.map((person, i) => {
      const li = h('li', { role: 'option', id: `${id}-${i}`, 'aria-selected': 'false', class: 'mention-option' },
        h('span', { class: 'mention-name' }, person.display_name), ' ', h('span', { class: 'mention-handle' }, `@${person.handle}`));
      // The field keeps focus: a click picks without blurring it first.
      li.addEventListener('mousedown', (event) => { event.preventDefault(); pick(i); });
      return li;
    }));
    listbox.hidden = !people.length;
    highlight(people.length ? 0 : -1);
    announce(people.length ? `${people.length} ${people.length === 1 ? 'person' : 'people'} to mention: arrows to choose, Enter to pick` : 'Nobody in this network matches');
  };
  const ask = async (word) => {
    const mine = ++asked;
    let people = [];
    try {
      const page = await api.get(apiPath`/networks/${networkId}/members${query({ q: word, limit: 8 })}`);
      people = page.items.map((m) => m.member ?? m).filter((m) => m?.handle);
    } catch { /* no suggestions: typing goes on */ }
    if (mine !== asked) return; // typed on meanwhile
    if ('facilitators'.startsWith(word.toLowerCase())) people.push(FACILITATORS);
    show(people);
  };

  textarea.addEventListener('input', () => {
    const match = textarea.value.slice(0, textarea.selectionStart).match(TYPED);
    if (!match || textarea.selectionStart !== textarea.selectionEnd) { if (isOpen() || typed) close(); typed = null; return; }
    typed = { start: textarea.selectionStart - match[1].length - 1, word: match[1] };
    clearTimeout(timer);
    timer = setTimeout(() => ask(match[1]), ASK_AFTER_MS);
  });
  textarea.addEventListener('keydown', (event) => {
    if (!isOpen()) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if ((event.key === 'Enter' && !event.ctrlKey && !event.metaKey) || (event.key === 'Tab' && !event.shiftKey)) {
      event.preventDefault();
      pick(Math.max(active, 0));
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  textarea.addEventListener('blur', () => close());
  return listbox;
}

/**
 * Warns under `textarea` about `@words` that match nobody in `networkId`, as the server
 * renders them (`unresolved_mentions`), a moment after typing stops. Never blocks sending.
 */
export function warnUnresolved(textarea, networkId) {
  const warning = h('p', { class: 'mention-warning', role: 'status', hidden: true });
  let timer = null;
  let asked = 0;
  const check = async () => {
    const body = textarea.value;
    const mine = ++asked;
    if (!/@[\p{L}\p{N}_]/u.test(body)) { say([]); return; }
    try {
      const result = await api.post('/markdown/preview', { body, network_id: networkId });
      // The name being typed at the caret is not finished yet: no warning for it.
      const typing = textarea.value.slice(0, textarea.selectionStart).match(TYPED)?.[1]?.toLowerCase();
      if (mine === asked) say((result.unresolved_mentions ?? []).filter((n) => n.toLowerCase() !== typing));
    } catch { /* the warning is a help, not a gate */ }
  };
  const say = (names) => {
    warning.hidden = !names.length;
    warning.textContent = names.length
      ? `${names.map((n) => `@${n}`).join(', ')} ${names.length === 1 ? 'matches' : 'match'} nobody in this network. Type @ and pick from the list to mention someone.`
      : '';
  };
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, 700);
  });
  return { warning, say, check };
}
