// Convenings of a network: upcoming (soonest first) and past (latest first); facilitators
// schedule new ones.

import { api, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, formatDateTime } from '../dom.js';
import { field, onSubmit } from '../forms.js';
import '../components/composer.js';

export async function renderConvenings(body, network, { router }) {
  const upcoming = h('ul', { class: 'resource-list', 'aria-label': 'Upcoming convenings' });
  const past = h('ul', { class: 'resource-list', 'aria-label': 'Past convenings' });
  const row = (c) => h('li', { class: 'resource-row' },
    h('div', {},
      h('a', { href: `/convenings/${c.id}`, class: 'thread-title' }, c.title, c.cancelled_at ? ' (cancelled)' : ''),
      h('p', { class: 'meta' }, formatDateTime(c.starts_at), c.location ? ` · ${c.location}` : '', c.virtual_url ? ' · online' : '')),
    h('div', { class: 'thread-stats' },
      c.action_item_count ? h('span', { class: 'meta' }, `${c.open_action_items} of ${c.action_item_count} action items open`) : null));
  const load = async () => {
    const [next, before] = await Promise.all([
      api.get(apiPath`/networks/${network.id}/convenings${query({ upcoming: 'true', limit: 50 })}`),
      api.get(apiPath`/networks/${network.id}/convenings${query({ upcoming: 'false', limit: 20 })}`),
    ]);
    replace(upcoming, next.items.length ? next.items.map(row) : h('li', { class: 'empty muted' }, 'Nothing scheduled yet.'));
    replace(past, before.items.length ? before.items.map(row) : h('li', { class: 'empty muted' }, 'No past convenings.'));
  };
  body.append(h('h2', {}, 'Upcoming'), upcoming, h('h2', {}, 'Past'), past);
  if (network.role === 'facilitator') body.append(scheduleForm(network, router));
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (event.kind.startsWith('convening.') || event.kind.startsWith('action_item.')) load().catch(() => {});
  });
  await subscription.ready;
  await load();
  return subscription.stop;
}

/** `datetime-local` values are wall-clock times in the browser's timezone. */
export function toInstant(local) {
  return local ? new Date(local).toISOString() : '';
}

/** An instant as a `datetime-local` value in the browser's timezone. */
export function toLocalInput(iso) {
  const at = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

function scheduleForm(network, router) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Schedule a convening'),
    field('Title', 'title', { required: true, maxlength: 200 }),
    field('Starts', 'starts_at', { type: 'datetime-local', required: true, hint: `Your time (${zone}).` }),
    field('Ends', 'ends_at', { type: 'datetime-local', required: true }),
    field('Place', 'location', { hint: 'Optional: where people meet in person.' }),
    field('Video link', 'virtual_url', { type: 'url', hint: 'Optional: https://…' }),
    h('sr-composer', { name: 'agenda', label: 'Agenda', rows: 5 }),
    h('button', { type: 'submit', class: 'button' }, 'Schedule'));
  onSubmit(form, async (f) => {
    const created = await api.post(apiPath`/networks/${network.id}/convenings`, {
      title: f.elements.title.value.trim(),
      starts_at: toInstant(f.elements.starts_at.value),
      ends_at: toInstant(f.elements.ends_at.value),
      timezone: zone,
      ...(f.elements.location.value.trim() ? { location: f.elements.location.value.trim() } : {}),
      ...(f.elements.virtual_url.value.trim() ? { virtual_url: f.elements.virtual_url.value.trim() } : {}),
      agenda: f.elements.agenda.value,
    });
    router.navigate(`/convenings/${created.id}`);
  });
  return form;
}
