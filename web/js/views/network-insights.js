// A network's insights, for its facilitators: who kept in touch between convenings, how
// help requests were answered, what was shared, which check-ins came in; the connections
// drawn as a picture with the same in a table; the period, and CSV downloads.

import { api, query, request, apiPath } from '../api.js';
import { h, replace, plural, timeAgo } from '../dom.js';
import { field, onClick, onSubmit } from '../forms.js';
import { networkPicture } from '../network-picture.js';

const KIND = { replied: 'replied to', answered: 'answered', offered: 'offered help to', reacted: 'reacted to', adopted: 'tried a test of' };
const SOURCE = {
  since_last_convening: 'since the last convening',
  last_thirty_days: 'over the last 30 days (no convening yet)',
  requested: 'over the period you chose',
};

const percent = (rate) => (rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`);
/** A duration in hours, in words: "under an hour", "1 hour", "5 hours". */
const hours = (value) => {
  if (value === null || value === undefined) return '—';
  if (value < 1) return 'under an hour';
  return plural(Math.round(value * 10) / 10, 'hour');
};

// A day such as 2027-03-01 as it reads, whatever the reader's own timezone.
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const formatDay = (day) => dayFormat.format(new Date(`${day}T00:00:00Z`));

// A count held back below 5 is `{count: null, fewer_than: 5}`.
const heldBack = (held) => (held.count === null ? `fewer than ${held.fewer_than}` : String(held.count));

function figure(label, value, detail) {
  return h('div', { class: 'figure card' },
    h('p', { class: 'figure-value' }, value),
    h('p', { class: 'figure-label' }, label),
    detail ? h('p', { class: 'meta' }, detail) : null);
}

export async function renderInsights(body, network, { router, query: params }) {
  if (network.role !== 'facilitator') {
    const error = new Error('Not found');
    error.status = 404;
    throw error;
  }
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const path = apiPath`/networks/${network.id}/insights`;
  // A big network's year holds thousands of contacts: the picture and the table show the
  // strongest; the CSV has them all.
  const SHOWN = 150;
  const v = await api.get(path + query({ from, to, connections_limit: SHOWN }));
  const period = h('form', { class: 'filters period', novalidate: true },
    field('From', 'from', { type: 'date', value: from || v.first_day }),
    field('To', 'to', { type: 'date', value: to || v.last_day }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Show'));
  onSubmit(period, async (f) => {
    // Checked by the server first, so a bad period is said next to its field.
    const next = { from: f.elements.from.value, to: f.elements.to.value };
    await api.get(path + query(next));
    router.navigate(`/networks/${network.id}/insights${query(next)}`);
  });

  const downloads = h('div', { class: 'actions' }, [['summary', 'Figures'], ['connections', 'Connections'], ['unanswered', 'Unanswered requests']].map(([table, label]) => {
    const button = h('button', { type: 'button', class: 'button button-quiet' }, `Download ${label.toLowerCase()} (CSV)`);
    onClick(button, async () => {
      const text = await request('GET', path + '.csv' + query({ from, to, table }), undefined, { raw: true });
      const link = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: `${network.name}-insights-${table}.csv` });
      document.body.append(link);
      link.click();
      link.remove();
    });
    return button;
  }));

  const connections = v.connections;
  const more = v.connection_count > connections.length
    ? h('p', { class: 'meta' }, `The ${connections.length} strongest of ${v.connection_count} contacts; download the connections for all of them.`)
    : null;
  const table = connections.length
    ? h('table', { class: 'data-table' },
      h('caption', {}, 'Who was in touch with whom'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Who'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col' }, 'Whom'), h('th', { scope: 'col' }, 'Times'))),
      h('tbody', {}, connections.map((c) => h('tr', {},
        h('td', {}, h('a', { href: `/members/${c.from.id}` }, c.from.display_name)),
        h('td', {}, KIND[c.kind] ?? c.kind),
        h('td', {}, h('a', { href: `/members/${c.to.id}` }, c.to.display_name)),
        h('td', {}, String(c.count))))))
    : h('p', { class: 'muted' }, 'No named contacts in this period.');

  replace(body,
    h('h2', {}, 'Insights'),
    h('p', { class: 'muted' }, `From ${formatDay(v.first_day)} through ${formatDay(v.last_day)} (${v.timezone}), ${SOURCE[v.period_source] ?? ''}. Reading alone does not count as activity. Anonymous askers, anonymous polls' voters and direct messages never count among the members active or in touch; messages and anonymous votes are only counted, and under 5 shown as “fewer than 5”.`),
    period,
    h('div', { class: 'figures' },
      figure('members active', `${v.active_members} of ${v.members}`, percent(v.active_rate)),
      figure('connection rate', percent(v.connection_rate), `${plural(v.connected_members, 'member')} in touch with a colleague`),
      figure('help requests answered within 48 h', percent(v.help.answered_pct_48h === null ? null : v.help.answered_pct_48h / 100), `${plural(v.help.asked, 'request')} asked`),
      figure('to a first answer', hours(v.help.median_hours_to_first_response), `median; 90% within ${hours(v.help.p90_hours)}`),
      figure('resources shared', String(v.resources.shared), `${plural(v.resources.downloads, 'first download')}`),
      figure('check-ins in', percent(v.check_in_completion.rate), `${v.check_in_completion.submitted} of ${v.check_in_completion.expected} due`),
      figure('direct messages', heldBack(v.unattributed.direct_messages), `${heldBack(v.unattributed.anonymous_poll_votes)} anonymous poll votes`)),
    h('section', { class: 'stack', 'aria-labelledby': 'picture-heading' },
      h('h3', { id: 'picture-heading' }, 'Who helped whom'),
      h('figure', { class: 'picture card' }, networkPicture(connections, `Connections in ${network.name}`)),
      more,
      table),
    h('section', { class: 'stack', 'aria-labelledby': 'unanswered-heading' },
      h('h3', { id: 'unanswered-heading' }, 'Still unanswered'),
      v.help.unanswered.length
        ? h('ul', { class: 'plain-list' }, v.help.unanswered.map((u) => h('li', {}, h('a', { href: u.url }, u.title), ' · asked ', timeAgo(u.asked_at))))
        : h('p', { class: 'muted' }, 'Every request asked in this period has an answer.')),
    downloads);
  return null;
}
