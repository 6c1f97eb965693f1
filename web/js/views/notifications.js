// `/notifications`: what happened that concerns you, newest first; opening one marks it
// read, and new ones arrive live.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, timeAgo, avatar, announce } from '../dom.js';
import { pagePath } from '../links.js';
import { onClick } from '../forms.js';

export async function render({ root, query: params }) {
  const onlyUnread = params.get('unread') === 'true';
  const list = h('ol', { class: 'notification-list', 'aria-label': 'Notifications' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show older');
  const markAll = h('button', { type: 'button', class: 'button button-secondary' }, 'Mark all as read');
  const summary = h('p', { class: 'meta', role: 'status' });
  let cursor = null;

  const changed = (unreadCount) => {
    summary.textContent = unreadCount ? `${unreadCount} unread` : 'All caught up.';
    markAll.disabled = !unreadCount;
    document.dispatchEvent(new Event('staffroom:notifications-read'));
  };

  const item = (n) => {
    const link = h('a', { href: pagePath(n.url), class: 'notification-link' },
      h('span', { class: 'notification-headline' }, n.headline),
      n.detail ? h('span', { class: 'notification-detail' }, n.detail) : null);
    const li = h('li', { class: `notification${n.read_at ? '' : ' unread'}`, dataset: { id: n.id } },
      avatar(n.actor), h('div', {}, link, h('p', { class: 'meta' }, timeAgo(n.created_at), n.read_at ? '' : ' · unread')));
    link.addEventListener('click', () => {
      if (n.read_at) return;
      // Marked read as the page changes; the request outlives it (keepalive is implied).
      api.post('/notifications/read', { ids: [n.id] }).then((r) => changed(r.unread_count)).catch(() => {});
    });
    return li;
  };

  const load = async (reset) => {
    const page = await api.get(apiPath`/notifications${query({ limit: 30, unread: onlyUnread ? 'true' : null, cursor: reset ? null : cursor })}`);
    if (reset) replace(list);
    list.append(...page.items.map(item));
    if (reset && !page.items.length) list.append(h('li', { class: 'empty muted' }, onlyUnread ? 'Nothing unread.' : 'No notifications yet.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    summary.textContent = page.unread_count ? `${page.unread_count} unread` : 'All caught up.';
    markAll.disabled = !page.unread_count;
  };
  onClick(more, () => load(false));
  onClick(markAll, async () => {
    const result = await api.post('/notifications/read', { all: true });
    await load(true);
    changed(result.unread_count);
    announce('All notifications marked as read.');
  });

  root.append(
    h('header', { class: 'page-header' },
      h('h1', {}, 'Notifications'),
      summary,
      h('div', { class: 'actions' }, markAll,
        h('a', { href: onlyUnread ? '/notifications' : '/notifications?unread=true', class: 'button button-quiet' }, onlyUnread ? 'Show all' : 'Show unread only'))),
    list, more);
  const subscription = live.subscribe(['me'], (event) => {
    if (event.kind === 'notification.created' || event.kind === 'notification.read') load(true).catch(() => {});
  });
  await subscription.ready;
  await load(true);
  return subscription.stop;
}
