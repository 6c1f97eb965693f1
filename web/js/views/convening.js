// `/convenings/{id}`: when and where, the agenda, notes after the meeting (facilitators
// write them), follow-up action items, and "add to calendar" through the signed `.ics`
// link.

import { api, currentMember, everything, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, redraw, replace, formatDateTime, announce } from '../dom.js';
import { field, onClick, onSubmit, select, checkbox } from '../forms.js';
import { toInstant, toLocalInput } from './network-convenings.js';
import '../components/composer.js';
import { markOpened } from '../reads.js';

export async function render({ root, params }) {
  // What changes is rebuilt (summary, action items); the forms stay, with what is typed.
  const page = h('div');
  const notesSlot = h('div');
  const editSlot = h('div');
  const itemsList = h('div');
  const itemSlot = h('div');
  root.append(page, editSlot, notesSlot,
    h('section', { 'aria-labelledby': 'items' }, h('h2', { id: 'items' }, 'Action items'), itemsList, itemSlot));
  let convening;
  let items = [];
  let members = [];
  let isFacilitator = false;

  const draw = () => {
    const me = currentMember();
    const itemRow = (item) => {
      const done = checkbox(`${item.title}${item.owner ? ` (${item.owner.display_name})` : ''}${item.due_on ? `, due ${item.due_on}` : ''}`,
        `item-${item.id}`, item.status === 'done');
      const box = done.querySelector('input');
      box.dataset.key = `item-${item.id}`;
      const mayChange = isFacilitator || item.owner?.id === me?.id;
      box.disabled = !mayChange;
      box.addEventListener('change', async () => {
        box.disabled = true;
        try {
          await api.patch(apiPath`/action-items/${item.id}`, { status: box.checked ? 'done' : 'open' });
          announce(box.checked ? `Done: ${item.title}` : `Reopened: ${item.title}`);
        } catch (error) {
          box.checked = !box.checked;
          announce(error.message);
        } finally { box.disabled = !mayChange; }
      });
      return h('li', {}, done);
    };
    if (isFacilitator && !notesSlot.firstChild) notesSlot.append(notesForm());
    if (isFacilitator && !editSlot.firstChild) editSlot.append(editForm());
    if (!itemSlot.firstChild) itemSlot.append(itemForm());
    redraw(itemsList, () => replace(itemsList,
      items.length ? h('ul', { class: 'plain-list action-items' }, items.map(itemRow)) : h('p', { class: 'muted' }, 'No action items yet.')));
    replace(page,
      h('header', { class: 'page-header' },
        h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${convening.network_id}/convenings` }, 'Back to convenings')),
        h('h1', {}, convening.title),
        convening.cancelled_at ? h('p', { class: 'notice' }, 'This convening was cancelled.') : null,
        h('p', {}, h('strong', {}, formatDateTime(convening.starts_at)), ' to ', formatDateTime(convening.ends_at),
          h('span', { class: 'meta' }, ` (${convening.timezone.replaceAll('_', ' ')}: ${convening.starts_at_local.slice(11, 16)}–${convening.ends_at_local.slice(11, 16)})`)),
        convening.location ? h('p', {}, 'Where: ', convening.location) : null,
        h('div', { class: 'actions' },
          h('a', { href: convening.calendar_url, class: 'button button-secondary', download: `convening-${convening.id}.ics` }, 'Add to calendar'),
          convening.virtual_url ? h('a', { href: convening.virtual_url, class: 'button button-quiet', rel: 'noopener noreferrer', target: '_blank' }, 'Join online') : null)),
      h('section', { 'aria-labelledby': 'agenda' }, h('h2', { id: 'agenda' }, 'Agenda'),
        convening.agenda_html ? h('div', { class: 'prose card', trustedHtml: convening.agenda_html }) : h('p', { class: 'muted' }, 'No agenda yet.')),
      h('section', { 'aria-labelledby': 'notes' }, h('h2', { id: 'notes' }, 'Notes'),
        convening.notes_html ? h('div', { class: 'prose card', trustedHtml: convening.notes_html }) : h('p', { class: 'muted' }, convening.is_past ? 'No notes were recorded.' : 'Notes are added after the meeting.')));
  };

  const notesForm = () => {
    const composer = h('sr-composer', { name: 'notes', label: 'Meeting notes', rows: 6, value: convening.notes });
    const form = h('form', { class: 'card stack', novalidate: true }, composer,
      h('button', { type: 'submit', class: 'button button-secondary' }, 'Save notes'));
    onSubmit(form, async (f) => {
      convening = await api.patch(apiPath`/convenings/${convening.id}`, { notes: f.elements.notes.value });
      draw();
      announce('Notes saved.');
    });
    return form;
  };

  const editForm = () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const details = h('details', { class: 'card' }, h('summary', {}, 'Edit or cancel this convening'));
    const form = h('form', { class: 'stack', novalidate: true },
      field('Title', 'title', { value: convening.title, required: true, maxlength: 200 }),
      field('Starts', 'starts_at', { type: 'datetime-local', value: toLocalInput(convening.starts_at), hint: `Your time (${zone}).` }),
      field('Ends', 'ends_at', { type: 'datetime-local', value: toLocalInput(convening.ends_at) }),
      field('Place', 'location', { value: convening.location ?? '' }),
      field('Video link', 'virtual_url', { type: 'url', value: convening.virtual_url ?? '' }),
      h('sr-composer', { name: 'agenda', label: 'Agenda', rows: 5, value: convening.agenda }),
      h('button', { type: 'submit', class: 'button' }, 'Save changes'));
    onSubmit(form, async (f) => {
      convening = await api.patch(apiPath`/convenings/${convening.id}`, {
        title: f.elements.title.value.trim(),
        starts_at: toInstant(f.elements.starts_at.value),
        ends_at: toInstant(f.elements.ends_at.value),
        location: f.elements.location.value.trim(),
        virtual_url: f.elements.virtual_url.value.trim(),
        agenda: f.elements.agenda.value,
      });
      draw();
      announce('Convening saved. Calendars that added it update on their next refresh.');
    });
    const cancel = h('button', { type: 'button', class: 'button button-quiet button-danger' });
    const label = () => { cancel.textContent = convening.cancelled_at ? 'Reinstate this convening' : 'Cancel this convening'; };
    label();
    onClick(cancel, async () => {
      if (!convening.cancelled_at && !confirm('Cancel this convening? Members see it as cancelled.')) return;
      convening = await api.patch(apiPath`/convenings/${convening.id}`, { cancelled: !convening.cancelled_at });
      label();
      draw();
      announce(convening.cancelled_at ? 'Convening cancelled.' : 'Convening reinstated.');
    });
    details.append(form, h('div', { class: 'actions' }, cancel));
    return details;
  };

  const itemForm = () => {
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h3', {}, 'Add an action item'),
      field('What needs doing', 'title', { required: true, maxlength: 200 }),
      field('Who', 'owner_id', { control: select([['', 'Nobody yet'], ...members.map((m) => [m.member.id, m.member.display_name])], '') }),
      field('Due', 'due_on', { type: 'date' }),
      h('button', { type: 'submit', class: 'button button-secondary' }, 'Add'));
    onSubmit(form, async (f) => {
      await api.post(apiPath`/convenings/${convening.id}/action-items`, {
        title: f.elements.title.value.trim(),
        ...(f.elements.owner_id.value ? { owner_id: f.elements.owner_id.value } : {}),
        ...(f.elements.due_on.value ? { due_on: f.elements.due_on.value } : {}),
      });
      f.elements.title.value = '';
      f.elements.due_on.value = '';
      await reload();
      announce('Action item added.');
    });
    return form;
  };

  const reload = async () => {
    const [next, list] = await Promise.all([
      api.get(apiPath`/convenings/${params.id}`),
      api.get(apiPath`/convenings/${params.id}/action-items${query({ limit: 100 })}`),
    ]);
    convening = next;
    items = list.items;
    draw();
  };

  const first = await api.get(apiPath`/convenings/${params.id}`);
  markOpened('convenings', first.id);
  document.body.dataset.network = first.network_id;
  const [network, roster] = await Promise.all([
    api.get(apiPath`/networks/${first.network_id}`),
    everything(apiPath`/networks/${first.network_id}/members`),
  ]);
  isFacilitator = network.role === 'facilitator';
  members = roster;
  const subscription = live.subscribe([`network:${first.network_id}`], (event) => {
    const id = event.data?.convening_id ?? event.data?.id;
    if ((event.kind.startsWith('convening.') || event.kind.startsWith('action_item.')) && id === params.id) reload().catch(() => {});
  });
  await subscription.ready;
  await reload();
  return () => { subscription.stop(); delete document.body.dataset.network; };
}
