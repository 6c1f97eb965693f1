// `/notifications`: what happened that concerns you, newest first; opening one marks it
// read, and new ones arrive live. What is read elsewhere (another tab, reading the thread)
// clears here at once (`notification.read`). Grouped (`?grouped=true`), unread replies in
// one thread are one item ("5 new replies in …") that expands on demand.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, timeAgo, avatar, announce, plural } from '../dom.js';
import { pagePath } from '../links.js';
import { onClick } from '../forms.js';

export async function render({ root, query: params }) {
  const onlyUnread = params.get('unread') === 'true';
  const grouped = params.get('grouped') === 'true';
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

  const markRead = (ids) => {
    for (const id of ids) {
      const li = list.querySelector(`li.notification[data-id="${CSS.escape(id)}"]`);
      if (!li) continue;
      li.classList.remove('unread');
      li.querySelector('.unread-word')?.remove();
    }
    // A group is read once all it holds is.
    for (const li of list.querySelectorAll('li.notification-group.unread')) {
      if (li.dataset.ids.split(',').every((id) => ids.includes(id))) {
        li.classList.remove('unread');
        li.querySelector(':scope > div > .meta .unread-word')?.remove();
      }
    }
  };

  const item = (n) => {
    if (Array.isArray(n.ids)) return group(n);
    const link = h('a', { href: pagePath(n.url), class: 'notification-link' },
      h('span', { class: 'notification-headline' }, n.headline),
      n.detail ? h('span', { class: 'notification-detail' }, n.detail) : null);
    const li = h('li', { class: `notification${n.read_at ? '' : ' unread'}`, dataset: { id: n.id } },
      avatar(n.actor), h('div', {}, link, h('p', { class: 'meta' }, timeAgo(n.created_at), n.read_at ? '' : h('span', { class: 'unread-word' }, ' · unread'))));
    link.addEventListener('click', () => {
      if (n.read_at) return;
      // Marked read as the page changes; the request outlives it (keepalive is implied).
      api.post('/notifications/read', { ids: [n.id] }).then((r) => changed(r.unread_count)).catch(() => {});
    });
    return li;
  };

  // Several unread notifications about one thread: one line, the newest actor, the count,
  // and the notifications themselves on demand.
  const titles = new Map(); // thread id -> its title, asked once
  const threadTitle = async (id) => {
    if (!titles.has(id)) titles.set(id, api.get(apiPath`/threads/${id}`).then((t) => t.title).catch(() => null));
    return titles.get(id);
  };
  const group = (g) => {
    if (g.count <= 1 && g.headline) return item({ ...g, ids: undefined, id: g.id ?? g.ids[0] });
    const url = pagePath(g.url ?? `/threads/${g.subject_id}`);
    const headline = h('span', { class: 'notification-headline' }, g.headline ?? `${plural(g.count, 'new reply', 'new replies')} in a thread`);
    if (!g.headline && g.subject_type === 'thread') {
      threadTitle(g.subject_id).then((title) => { if (title) headline.textContent = `${plural(g.count, 'new reply', 'new replies')} in “${title}”`; });
    }
    const link = h('a', { href: url, class: 'notification-link' }, headline,
      g.actor ? h('span', { class: 'notification-detail' }, `Newest from ${g.actor.display_name ?? g.actor.label ?? 'someone'}`) : null);
    link.addEventListener('click', () => {
      api.post('/notifications/read', { ids: g.ids }).then((r) => changed(r.unread_count)).catch(() => {});
    });
    const inner = h('ol', { class: 'notification-list notification-inner', hidden: true, 'aria-label': 'In this group' });
    const expand = h('button', { type: 'button', class: 'button-quiet', 'aria-expanded': 'false' }, `Show all ${g.count}`);
    onClick(expand, async () => {
      const open = expand.getAttribute('aria-expanded') !== 'true';
      if (open && !inner.childElementCount) {
        const wanted = new Set(g.ids.map(String));
        const unread = await api.get('/notifications?unread=true&limit=100');
        inner.append(...unread.items.filter((n) => wanted.has(String(n.id))).map(item));
      }
      inner.hidden = !open;
      expand.setAttribute('aria-expanded', String(open));
      expand.textContent = open ? 'Hide them' : `Show all ${g.count}`;
    });
    return h('li', { class: 'notification notification-group unread', dataset: { ids: g.ids.join(',') } },
      avatar(g.actor), h('div', { class: 'notification-group-body' }, link,
        h('p', { class: 'meta' }, timeAgo(g.created_at), h('span', { class: 'unread-word' }, ' · unread'), ' · ', expand),
        inner));
  };

  const load = async (reset) => {
    const page = await api.get(apiPath`/notifications${query({ limit: 30, unread: onlyUnread ? 'true' : null, grouped: grouped ? 'true' : null, cursor: reset ? null : cursor })}`);
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
        h('a', { href: `/notifications${query({ unread: onlyUnread ? null : 'true', grouped: grouped ? 'true' : null })}`, class: 'button button-quiet' }, onlyUnread ? 'Show all' : 'Show unread only'),
        h('a', { href: `/notifications${query({ unread: onlyUnread ? 'true' : null, grouped: grouped ? null : 'true' })}`, class: 'button button-quiet' }, grouped ? 'One line each' : 'Group by thread'))),
    list, more);
  const subscription = live.subscribe(['me'], (event) => {
    if (event.kind === 'notification.created') load(true).catch(() => {});
    if (event.kind === 'notification.read') {
      markRead((event.data?.ids ?? []).map(String));
      api.get('/notifications?unread=true&limit=1').then((page) => {
        summary.textContent = page.unread_count ? `${page.unread_count} unread` : 'All caught up.';
        markAll.disabled = !page.unread_count;
      }).catch(() => {});
    }
  });
  await subscription.ready;
  await load(true);
  return subscription.stop;
}
