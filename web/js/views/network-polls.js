// A network's polls: open and closed, newest first, and asking one. Follows the network
// live: new polls and new answers show at once.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, plural, formatDateTime } from '../dom.js';
import { askForm, emptyInto } from '../polls.js';
import '../components/composer.js';

export async function renderPolls(body, network, { router, query: params }) {
  const status = params.get('status') ?? '';
  const base = `/networks/${network.id}/polls`;
  const filters = h('nav', { class: 'chips', 'aria-label': 'Filter polls' },
    [['', 'All'], ['open', 'Open'], ['closed', 'Closed']].map(([value, label]) =>
      h('a', { href: base + query({ status: value }), 'aria-current': status === value ? 'page' : null }, label)));
  const list = h('ul', { class: 'resource-list', 'aria-label': 'Polls' });
  const row = (p) => h('li', { class: 'resource-row' },
    h('div', {},
      h('a', { href: `/polls/${p.id}`, class: 'thread-title' }, p.question),
      h('p', { class: 'meta' }, `Asked by ${p.author?.display_name ?? 'someone'}`,
        p.closes_at && !p.is_closed ? ` · closes ${formatDateTime(p.closes_at)}` : '',
        p.my_vote ? ' · you answered' : '')),
    h('div', { class: 'thread-stats' },
      h('span', { class: `status status-${p.is_closed ? 'closed' : 'open'}` }, p.is_closed ? 'Closed' : 'Open'),
      h('span', { class: 'meta' }, plural(p.voter_count, 'answer'))));
  const load = async () => {
    const page = await api.get(apiPath`/networks/${network.id}/polls${query({ status, limit: 50 })}`);
    if (page.items.length) replace(list, page.items.map(row));
    else emptyInto(list, 'No polls here yet.');
  };
  body.append(filters, list, askForm(network, { onAsked: (poll) => router.navigate(`/polls/${poll.id}`) }));
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (event.kind.startsWith('poll.')) load().catch(() => {});
  });
  await subscription.ready;
  await load();
  return subscription.stop;
}
