// `/conversations`: your direct messages, latest first, with what is unread; new messages
// move a conversation to the top live.

import { api, currentMember, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, timeAgo, avatar, plural } from '../dom.js';
import { onClick } from '../forms.js';

/** "Ana Principal, Ben Counselor": everyone but you. */
export function othersIn(conversation) {
  const me = currentMember()?.id;
  const others = conversation.participants.filter((p) => p.id !== me);
  return others.map((p) => p.display_name).join(', ') || 'Only you';
}

export async function render({ root }) {
  const list = h('ul', { class: 'conversation-list', 'aria-label': 'Conversations' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show older');
  const summary = h('p', { class: 'meta', role: 'status' });
  let cursor = null;
  const row = (c) => {
    const me = currentMember()?.id;
    const first = c.participants.find((p) => p.id !== me);
    const last = c.last_message;
    return h('li', { class: `conversation-row${c.unread_count ? ' unread' : ''}` },
      avatar(first),
      h('div', {},
        h('a', { href: `/conversations/${c.id}`, class: 'thread-title' }, othersIn(c)),
        last ? h('p', { class: 'conversation-excerpt' },
          last.author?.id === me ? 'You: ' : '', last.body.slice(0, 140)) : null,
        h('p', { class: 'meta' }, timeAgo(c.last_message_at),
          c.unread_count ? ` · ${plural(c.unread_count, 'unread message')}` : '',
          c.can_send ? '' : ' · read only')));
  };
  const load = async (reset) => {
    const page = await api.get(apiPath`/conversations${query({ limit: 30, cursor: reset ? null : cursor })}`);
    if (reset) replace(list);
    list.append(...page.items.map(row));
    if (reset && !page.items.length) {
      list.append(h('li', { class: 'empty muted' }, 'No conversations yet. Open a colleague’s profile to send them a message.'));
    }
    summary.textContent = page.unread_count ? `${plural(page.unread_count, 'unread message')}` : 'All read.';
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  onClick(more, () => load(false));
  root.append(
    h('header', { class: 'page-header' }, h('h1', {}, 'Messages'),
      h('p', { class: 'muted' }, 'Private conversations with colleagues you share a network with.'), summary),
    list, more);
  const subscription = live.subscribe(['me'], (event) => {
    if (event.kind === 'message.created' || event.kind === 'conversation.read') load(true).catch(() => {});
  });
  await subscription.ready;
  await load(true);
  return subscription.stop;
}
