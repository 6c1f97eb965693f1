// Help requests of a network: by status, asking for help, and for facilitators the
// requests nobody has answered for days.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, plural, timeAgo, tagList } from '../dom.js';
import { checkbox, field, onSubmit, select, splitList } from '../forms.js';
import '../components/composer.js';

/** Who asked, as the reader may know it: "You", a name, or "A member of …". */
export function askerName(request) {
  if (request.asked_by_me) return request.anonymous ? 'You (anonymously)' : 'You';
  if (request.author?.anonymous) return request.author.label.replace(/^a /, 'A ');
  return request.author?.display_name ?? 'Someone';
}

/** Below this many members, "a member of <network>" may be enough to tell who asked. */
const FEW_ENOUGH_TO_GUESS = 5;

/** Asking anonymously, said plainly where it may not hide the asker. */
function anonymousChoice(network) {
  const choice = checkbox(`Ask anonymously: colleagues see “a member of ${network.name}”, never your name`, 'anonymous', false);
  if (!(network.member_count < FEW_ENOUGH_TO_GUESS)) return [choice];
  const warning = h('p', { class: 'hint anonymous-warning', id: `anonymous-warning-${network.id}` },
    `${network.name} has only ${plural(network.member_count, 'member')}: “a member of ${network.name}” may be enough for them to tell that you asked.`);
  choice.querySelector('input').setAttribute('aria-describedby', warning.id);
  return [choice, warning];
}

export const STATUS_LABEL = { open: 'Open', answered: 'Answered', resolved: 'Resolved', closed: 'Closed' };
const URGENCY_LABEL = { low: 'Low urgency', normal: '', high: 'Urgent' };

export async function renderHelp(body, network, { router, query: params }) {
  const status = params.get('status') ?? '';
  const unanswered = params.get('unanswered_for_days') ?? '';
  const base = `/networks/${network.id}/help`;
  const filters = h('nav', { class: 'chips', 'aria-label': 'Filter help requests' },
    [['', 'All'], ['open', 'Open'], ['answered', 'Answered'], ['resolved', 'Resolved'], ['closed', 'Closed']].map(([value, label]) =>
      h('a', { href: base + query({ status: value }), 'aria-current': status === value && !unanswered ? 'page' : null }, label)),
    network.role === 'facilitator'
      ? h('a', { href: base + query({ unanswered_for_days: 3 }), 'aria-current': unanswered ? 'page' : null }, 'Unanswered for 3+ days')
      : null);

  const list = h('ul', { class: 'resource-list', 'aria-label': 'Help requests' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show more');
  let cursor = null;
  const row = (r) => h('li', { class: 'resource-row' },
    h('div', {},
      h('a', { href: `/help-requests/${r.id}`, class: 'thread-title' }, r.title),
      h('p', { class: 'meta' }, askerName(r), ' asked ', timeAgo(r.created_at),
        URGENCY_LABEL[r.urgency] ? ` · ${URGENCY_LABEL[r.urgency]}` : ''),
      tagList(r.tags)),
    h('div', { class: 'thread-stats' },
      h('span', { class: `status status-${r.status}` }, STATUS_LABEL[r.status] ?? r.status),
      h('span', { class: 'meta' }, plural(r.response_count, 'response')),
      r.offers?.length ? h('span', { class: 'meta' }, `${r.offers.length} can help`) : null));
  const load = async (reset) => {
    const page = await api.get(apiPath`/networks/${network.id}/help-requests${query({ status, unanswered_for_days: unanswered, limit: 30, cursor: reset ? null : cursor })}`);
    if (reset) replace(list);
    list.append(...page.items.map(row));
    if (reset && !page.items.length) list.append(h('li', { class: 'empty muted' }, 'No help requests here.'));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => load(false));

  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Ask for help'),
    h('p', { class: 'muted' }, 'Colleagues whose expertise matches your tags hear about it.'),
    field('What do you need help with?', 'title', { required: true, maxlength: 200 }),
    h('sr-composer', { name: 'body', label: 'Details', required: true, rows: 5, network: network.id }),
    field('Tags', 'tags', { hint: 'Comma-separated, e.g. chronic-absence, mentoring' }),
    field('Urgency', 'urgency', { control: select([['normal', 'Normal'], ['low', 'Low'], ['high', 'High']], 'normal') }),
    ...anonymousChoice(network),
    h('button', { type: 'submit', class: 'button' }, 'Ask'));
  onSubmit(form, async (f) => {
    const created = await api.post(apiPath`/networks/${network.id}/help-requests`, {
      title: f.elements.title.value.trim(),
      body: f.elements.body.value,
      tags: splitList(f.elements.tags.value),
      urgency: f.elements.urgency.value,
      anonymous: f.elements.anonymous.checked,
    });
    router.navigate(`/help-requests/${created.id}`);
  });

  body.append(filters, list, more, form);
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (event.kind.startsWith('help_request.')) load(true).catch(() => {});
  });
  await subscription.ready;
  await load(true);
  return subscription.stop;
}
