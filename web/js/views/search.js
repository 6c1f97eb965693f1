// `/search?q=`: everything you can see, typo tolerant, with highlighted snippets and facets
// (type, network, tags, status) that narrow the results. The address holds the whole
// search, so back, forward, reload and shared links give the same page.

import { api, query, apiPath } from '../api.js';
import { h, replace, timeAgo } from '../dom.js';
import { pagePath } from '../links.js';

const TYPES = {
  thread: 'Threads', post: 'Posts', resource: 'Resources', help_request: 'Help requests',
  convening: 'Convenings', member: 'People', initiative: 'Initiatives',
  test_of_change: 'Tests of change', poll: 'Polls',
};
const TYPE_LABEL = {
  thread: 'Thread', post: 'Post', resource: 'Resource', help_request: 'Help request',
  convening: 'Convening', member: 'Person', initiative: 'Initiative',
  test_of_change: 'Test of change', poll: 'Poll',
};
// A status facet value names its type first (`help_request:open`): "Help request: open".
const statusLabel = (value) => {
  const [type, word] = value.split(':');
  return word ? `${TYPE_LABEL[type] ?? type}: ${word}` : value;
};
const PAGE = 20;
// A help request's conversation is its responses; everything else's, replies.
const replies = (hit) => {
  const word = hit.type === 'help_request' ? 'response' : 'reply';
  const plural = hit.type === 'help_request' ? 'responses' : 'replies';
  return `${hit.reply_count} ${hit.reply_count === 1 ? word : plural}`;
};

export async function render({ root, query: params, router }) {
  const q = params.get('q') ?? '';
  const filters = {
    types: params.get('types') ?? '',
    network_id: params.get('network_id') ?? '',
    tags: params.get('tags') ?? '',
    status: params.get('status') ?? '',
    sort: params.get('sort') ?? '',
  };
  const offset = Number(params.get('offset') ?? 0) || 0;

  const input = h('input', { type: 'search', name: 'q', id: 'search-q', value: q, required: true, autocomplete: 'off', 'aria-describedby': 'search-q-hint search-q-error' });
  const form = h('form', { class: 'search-form', role: 'search' },
    h('div', { class: 'field', dataset: { field: 'q' } },
      h('label', { for: 'search-q' }, 'Search everything in your networks'),
      h('div', { class: 'search-row' }, input, h('button', { type: 'submit', class: 'button' }, 'Search')),
      h('p', { class: 'hint', id: 'search-q-hint' }, 'Narrow it as you type: @handle (written by), #tag, in:title, status:open, "an exact phrase".'),
      h('p', { class: 'field-error', id: 'search-q-error', hidden: true })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) router.navigate(`/search${query({ q: text, ...filters })}`);
  });
  root.append(h('h1', {}, q ? `Search: ${q}` : 'Search'), form);
  if (!q) {
    root.append(h('p', { class: 'muted' }, 'Threads, posts, resources, help requests, convenings and people: try “attendance incentives”.'));
    return;
  }

  let results;
  let networks;
  try {
    [results, networks] = await Promise.all([
      api.get(apiPath`/search${query({ q, ...filters, limit: PAGE, offset })}`),
      api.get('/networks?limit=100').catch(() => ({ items: [] })),
    ]);
  } catch (error) {
    // What the server refuses is said at the search box, which stays usable.
    const slot = form.querySelector('.field-error');
    const reasons = Object.values(error.fieldErrors ?? {});
    slot.textContent = error.status === 503
      ? `Search is briefly unavailable. Try again in ${error.retryAfter ?? 'a few'} seconds.`
      : (reasons.length ? reasons.join(' ') : error.message);
    slot.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const networkName = new Map(networks.items.map((n) => [n.id, n.name]));
  const link = (change) => `/search${query({ q, ...filters, ...change, offset: null })}`;

  const facet = (title, key, counts, label = (v) => v) => {
    const entries = Object.entries(counts ?? {}).filter(([, n]) => n > 0);
    if (!entries.length && !filters[key]) return null;
    return h('section', { class: 'facet', 'aria-labelledby': `facet-${key}` },
      h('h2', { id: `facet-${key}` }, title),
      h('ul', {},
        filters[key] ? h('li', {}, h('a', { href: link({ [key]: null }) }, `Any ${title.toLowerCase()}`)) : null,
        entries.map(([value, n]) => h('li', {},
          h('a', { href: link({ [key]: value }), 'aria-current': filters[key] === value ? 'true' : null },
            label(value), ' ', h('span', { class: 'count' }, `(${n})`))))));
  };

  const hits = h('ol', { class: 'search-hits', start: String(offset + 1) },
    results.hits.map((hit) => h('li', { class: 'search-hit' },
      h('p', { class: 'meta' }, TYPE_LABEL[hit.type] ?? hit.type,
        hit.network_id && networkName.has(hit.network_id) ? ` · ${networkName.get(hit.network_id)}` : '',
        hit.author ? ` · ${hit.author.anonymous ? hit.author.label : hit.author.display_name}` : '',
        hit.reply_count != null ? ` · ${replies(hit)}` : '',
        hit.last_activity_at ? [' · ', timeAgo(hit.last_activity_at)] : ''),
      h('a', { href: pagePath(hit.url), class: 'search-hit-title' }, hit.title),
      h('p', { class: 'snippet', trustedHtml: hit.snippet_html }))));

  const pager = h('nav', { class: 'pager', 'aria-label': 'Result pages' },
    offset > 0 ? h('a', { href: `/search${query({ q, ...filters, offset: Math.max(0, offset - PAGE) || null })}`, class: 'button button-secondary' }, 'Previous') : null,
    offset + PAGE < Math.min(results.total, 1000) ? h('a', { href: `/search${query({ q, ...filters, offset: offset + PAGE })}`, class: 'button button-secondary' }, 'Next') : null);

  const counted = `${results.total} result${results.total === 1 ? '' : 's'}${offset ? `, from ${offset + 1}` : ''}`;
  // Nothing held every word: the server answered with what holds some of them.
  const summary = !results.total
    ? 'No results. Check the spelling, or try fewer or other words.'
    : results.matched === 'some'
      ? `Nothing contains every word you searched for. ${counted} containing some of them, those with the most first.`
      : counted;
  const active = ['types', 'network_id', 'tags', 'status'].filter((key) => filters[key]).length;
  // Best match first, or the newest: the address keeps the choice.
  const order = h('nav', { class: 'search-sort', 'aria-label': 'Order of results' },
    [['', 'Best match'], ['latest', 'Latest']].map(([value, label]) => (filters.sort === value
      ? h('span', { 'aria-current': 'true' }, label)
      : h('a', { href: `/search${query({ q, ...filters, sort: value || null })}` }, label))));
  root.append(
    h('p', { class: 'meta', role: 'status' }, summary),
    results.total ? order : null,
    h('div', { class: 'search-layout' },
      h('div', { class: 'search-results' }, results.hits.length ? hits : null, pager),
      h('aside', { class: 'facets', 'aria-label': 'Narrow the results' },
        // On a phone the results come first and the filters wait behind their button.
        h('details', { class: 'facets-box', open: !NARROW.matches },
          h('summary', { class: 'button button-secondary' }, active ? `Filters (${active} on)` : 'Filters'),
          facet('Type', 'types', results.facets.type, (v) => TYPES[v] ?? v),
          facet('Network', 'network_id', results.facets.network_id, (v) => networkName.get(v) ?? `Network ${v}`),
          facet('Tags', 'tags', results.facets.tags),
          facet('Status', 'status', results.facets.status, statusLabel)))));
}

/** Screens where the filters fold away under the results' count. */
const NARROW = window.matchMedia('(max-width: 760px)');
