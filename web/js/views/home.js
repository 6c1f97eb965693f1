// `/`: what is new across your networks (the feed: latest, unread, new since your last
// visit), following them live so new activity moves its item to the top; then your
// networks, the listed ones you could join, and (for instance admins) creating a network.

import { api, currentMember, apiPath, query } from '../api.js';
import { live } from '../live.js';
import { h, plural, replace, timeAgo, formatDateTime, announce } from '../dom.js';
import { field, onClick, onSubmit, select, textarea } from '../forms.js';
import { pagePath } from '../links.js';

const FILTERS = [['latest', 'Latest'], ['unread', 'Unread'], ['new', 'New']];
const TYPES = {
  thread: 'Discussion',
  help_request: 'Help request',
  resource: 'Resource',
  poll: 'Poll',
  convening: 'Convening',
  initiative: 'Initiative',
  test: 'Test of change',
};
/** Events on a network's topic that change what its feed shows. */
const FEED_EVENTS = /^(post\.created|thread\.(created|updated)|help_request\.|resource\.(created|updated)|poll\.(created|voted|updated)|convening\.(created|updated)|initiative\.(created|updated)|check_in\.submitted|test_of_change\.)/;
const PAGE = 20;

export async function render({ root, router, query: params }) {
  const filter = FILTERS.some(([key]) => key === params.get('filter')) ? params.get('filter') : 'latest';
  const page = await api.get('/networks?limit=100');
  const mine = page.items.filter((n) => n.is_member || n.role);
  const others = page.items.filter((n) => !(n.is_member || n.role) && n.visibility === 'listed');
  const networkId = mine.some((n) => n.id === params.get('network')) ? params.get('network') : '';
  const card = (n) => h('li', { class: 'card network-card' },
    h('h3', {}, h('a', { href: `/networks/${n.id}` }, n.name)),
    n.description ? h('p', { class: 'muted' }, n.description) : null,
    h('p', { class: 'meta' }, plural(n.member_count, 'member'), n.role === 'facilitator' ? ' · you facilitate' : '',
      n.unread_count ? ` · ${plural(n.unread_count, 'thread')} with something unread` : ''));

  root.append(h('h1', {}, `Welcome, ${currentMember()?.display_name ?? ''}`.trim()));
  if (currentMember()?.is_admin) {
    const checklist = await gettingStarted();
    if (checklist) root.append(checklist);
  }
  let stop = null;
  if (mine.length) stop = await renderFeed(root, router, mine, filter, networkId);
  root.append(h('section', { 'aria-labelledby': 'mine' },
    h('h2', { id: 'mine' }, 'Your networks'),
    mine.length
      ? h('ul', { class: 'cards' }, mine.map(card))
      : h('p', { class: 'muted' }, 'You are not in a network yet. Accept an invitation from your facilitator, or join a listed network below.')));

  if (others.length) {
    root.append(h('section', { 'aria-labelledby': 'listed' },
      h('h2', { id: 'listed' }, 'Networks you can join'),
      h('ul', { class: 'cards' }, others.map((n) => {
        const item = card(n);
        if (n.join_policy === 'open') {
          const join = h('button', { type: 'button', class: 'button button-secondary' }, `Join ${n.name}`);
          onClick(join, async () => {
            await api.post(apiPath`/networks/${n.id}/join`, {});
            document.dispatchEvent(new Event('staffroom:networks-changed'));
            router.navigate(`/networks/${n.id}`);
          });
          item.append(join);
        } else item.append(h('p', { class: 'meta' }, 'By invitation'));
        return item;
      }))));
  }

  if (currentMember()?.is_admin) {
    const form = createNetworkForm(router, null);
    form.id = 'create-network';
    root.append(form);
  }
  return stop;
}

/**
 * A new instance's first steps, for its admins: each one links to where it is done and
 * ticks itself off once it is; the list is gone when all are.
 */
async function gettingStarted() {
  const checklist = await api.get('/me/getting-started');
  if (checklist.done) return null;
  const left = checklist.steps.filter((s) => !s.done).length;
  return h('section', { class: 'card stack getting-started', 'aria-labelledby': 'getting-started' },
    h('h2', { id: 'getting-started' }, 'Getting started'),
    h('p', { class: 'muted' }, `${plural(left, 'step')} left to get your Staffroom going.`),
    h('ol', { class: 'checklist' }, checklist.steps.map((step) => h('li', { class: step.done ? 'done' : '' },
      step.done
        ? [h('span', { 'aria-hidden': 'true' }, '✓ '), step.title, h('span', { class: 'visually-hidden' }, ' (done)')]
        : h('a', { href: step.url }, step.title)))));
}

/** The feed section: filter tabs, a network filter, the items, more on demand, live. */
async function renderFeed(root, router, mine, filter, networkId) {
  const address = (changes) => {
    const next = { filter, network: networkId, ...changes };
    return `/${query({ filter: next.filter === 'latest' ? null : next.filter, network: next.network || null })}`;
  };
  // Cheap counts: threads with something unread, as GET /networks already says.
  const unreadThreads = mine.filter((n) => !networkId || n.id === networkId).reduce((sum, n) => sum + (n.unread_count ?? 0), 0);
  const tabs = h('nav', { class: 'tabs feed-tabs', 'aria-label': 'What to show' },
    FILTERS.map(([key, label]) => h('a', { href: address({ filter: key }), 'aria-current': key === filter ? 'page' : null },
      label,
      key === 'unread' && unreadThreads ? [' ', h('span', { class: 'badge tab-count' }, String(unreadThreads), h('span', { class: 'visually-hidden' }, ' threads unread'))] : null)));
  const networkSelect = select([['', 'All your networks'], ...mine.map((n) => [n.id, n.name])], networkId);
  networkSelect.addEventListener('change', () => router.navigate(address({ network: networkSelect.value })));
  const list = h('ol', { class: 'feed-list', 'aria-label': 'What is new' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show more');
  const status = h('p', { class: 'meta feed-status' });
  const items = new Map(); // `${type}:${id}` -> li
  let cursor = null;
  let lastVisit = null;
  let marker = null;

  const feedPath = (from, limit = PAGE) => `/me/feed${query({ filter: filter === 'latest' ? null : filter, network_id: networkId || null, limit, cursor: from })}`;
  const keyOf = (item) => `${item.type}:${item.id}`;

  // The first item older than the last visit gets the marker above it.
  const placeMarker = () => {
    if (marker || !lastVisit) return;
    const since = new Date(lastVisit).getTime();
    const older = [...list.querySelectorAll(':scope > li.feed-item')].find((li) => new Date(li.dataset.at).getTime() <= since);
    if (!older || older === list.firstElementChild) return;
    marker = h('li', { class: 'since-marker', id: 'since-last-visit' },
      h('span', {}, 'Your last visit, ', h('time', { datetime: lastVisit }, formatDateTime(lastVisit)), ': what is above is new since'));
    older.before(marker);
  };

  const load = async () => {
    const feed = await api.get(feedPath(cursor));
    lastVisit = feed.last_visit_at ?? lastVisit;
    for (const item of feed.items) {
      if (items.has(keyOf(item))) continue;
      const li = feedItem(item);
      items.set(keyOf(item), li);
      list.append(li);
    }
    cursor = feed.next_cursor;
    more.hidden = !cursor;
    if (!items.size) list.append(h('li', { class: 'empty muted feed-empty' }, emptyText(filter)));
    placeMarker();
  };
  onClick(more, () => load());

  // New activity: the newest page again, its items moved to the top in its order.
  let refreshTimer = null;
  const refresh = async () => {
    const feed = await api.get(feedPath(null));
    list.querySelector(':scope > .feed-empty')?.remove();
    const before = list.querySelector(':scope > li.feed-item')?.dataset.key;
    const focused = document.activeElement?.closest?.('.feed-item');
    for (const item of [...feed.items].reverse()) {
      const li = feedItem(item);
      items.get(keyOf(item))?.remove();
      items.set(keyOf(item), li);
      list.prepend(li);
    }
    // A keyboard user stays on the item they were on, wherever it went.
    if (focused && !focused.isConnected) items.get(focused.dataset.key)?.querySelector('.feed-title a')?.focus();
    marker?.remove();
    marker = null;
    placeMarker();
    const top = feed.items[0];
    if (top && keyOf(top) !== before) {
      list.firstElementChild.classList.add('feed-arrived');
      announce(`New in your feed: ${top.title}`);
    }
  };
  const onEvent = (event) => {
    if (!FEED_EVENTS.test(event.kind)) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh().catch(() => {}), 300);
  };
  const topics = mine.filter((n) => !networkId || n.id === networkId).map((n) => `network:${n.id}`);
  const subscription = live.subscribe(topics, onEvent);
  const onReset = () => refresh().catch(() => {});
  live.addEventListener('reset', onReset);

  root.append(h('section', { class: 'feed', 'aria-labelledby': 'feed-heading' },
    h('div', { class: 'feed-header' },
      h('h2', { id: 'feed-heading' }, 'What’s new'),
      h('div', { class: 'feed-filter' }, field('Network', 'network', { control: networkSelect }))),
    tabs, status, list, more));
  await subscription.ready;
  try {
    await load();
    if (lastVisit) status.append('Your last visit began ', timeAgo(lastVisit), '.');
  } catch (error) {
    replace(list, h('li', { class: 'empty' }, h('p', { role: 'alert', class: 'form-error' }, `What is new could not be loaded: ${error.message}`)));
  }
  return () => { subscription.stop(); live.removeEventListener('reset', onReset); clearTimeout(refreshTimer); };
}

function emptyText(filter) {
  if (filter === 'unread') return 'Nothing unread. You are caught up.';
  if (filter === 'new') return 'Nothing new since your last visit.';
  return 'Nothing here yet. Start a discussion in one of your networks.';
}

/** One item: what and where, its title (to the first unread part when there is one), who acted last, counts. */
function feedItem(item) {
  const unread = item.unread_count ?? 0;
  const target = pagePath(unread > 0 && item.first_unread_url ? item.first_unread_url : item.url);
  const actor = item.last_actor?.display_name ?? item.last_actor?.label ?? null;
  const stats = [
    item.reply_count ? plural(item.reply_count, item.type === 'thread' ? 'reply' : 'response', item.type === 'thread' ? 'replies' : 'responses') : null,
    item.helpful_count ? `${item.helpful_count} helpful` : null,
  ].filter(Boolean);
  return h('li', { class: `feed-item${unread ? ' unread' : ''}`, dataset: { key: `${item.type}:${item.id}`, at: item.last_activity_at } },
    h('div', { class: 'feed-main' },
      h('p', { class: 'feed-kicker' },
        h('span', { class: 'feed-type' }, TYPES[item.type] ?? item.type), ' in ',
        h('a', { href: `/networks/${item.network?.id}` }, item.network?.name ?? 'a network'),
        item.is_new ? h('span', { class: 'badge badge-new' }, 'New') : null),
      h('h3', { class: 'feed-title' }, h('a', { href: target }, item.title)),
      item.excerpt ? h('p', { class: 'feed-excerpt' }, item.excerpt) : null,
      h('p', { class: 'meta' }, actor ? `${actor} · ` : '', timeAgo(item.last_activity_at))),
    h('div', { class: 'feed-stats' },
      stats.length ? h('span', { class: 'meta' }, stats.join(' · ')) : null,
      unread ? h('span', { class: 'badge badge-unread' }, `${unread} unread`) : null));
}

/** The form that creates a network (or, with `parent`, a sub-network of it). */
export function createNetworkForm(router, parent) {
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, parent ? `New sub-network of ${parent.name}` : 'Create a network'),
    field('Name', 'name', { required: true, maxlength: 120 }),
    field('Description', 'description', { control: textarea({ rows: 3 }) }),
    field('Who can find it', 'visibility', {
      control: select([['private', 'Private: members only, by invitation'], ['listed', 'Listed: anyone on this Staffroom can see it and ask to join']], 'private'),
    }),
    h('button', { type: 'submit', class: 'button' }, parent ? 'Create sub-network' : 'Create network'));
  onSubmit(form, async (f) => {
    const network = await api.post('/networks', {
      name: f.elements.name.value.trim(),
      description: f.elements.description.value.trim(),
      visibility: f.elements.visibility.value,
      ...(parent ? { parent_id: parent.id } : {}),
    });
    document.dispatchEvent(new Event('staffroom:networks-changed'));
    router.navigate(`/networks/${network.id}`);
  });
  return form;
}
