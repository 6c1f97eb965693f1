// `/networks/{id}` and its sections: discussions (default) and members. The page follows
// the network live: new threads and replies refresh the list.

import { api, currentMember, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, append, replace, plural, timeAgo, tagList, announce } from '../dom.js';
import { field, onClick, onSubmit, select, splitList } from '../forms.js';
import { createNetworkForm } from './home.js';
import '../components/composer.js';

const SECTIONS = [
  ['', 'Discussions'],
  ['resources', 'Resources'],
  ['help', 'Help requests'],
  ['convenings', 'Convenings'],
  ['initiatives', 'Initiatives'],
  ['polls', 'Polls'],
  ['members', 'Members'],
  ['insights', 'Insights', 'facilitator'],
];

/** Sections other than discussions load with their module, when first opened. */
const LOADERS = {
  resources: async () => (await import('./network-resources.js')).renderResources,
  help: async () => (await import('./network-help.js')).renderHelp,
  convenings: async () => (await import('./network-convenings.js')).renderConvenings,
  initiatives: async () => (await import('./network-initiatives.js')).renderInitiatives,
  polls: async () => (await import('./network-polls.js')).renderPolls,
  insights: async () => (await import('./network-insights.js')).renderInsights,
  members: async () => renderMembers,
  '': async () => renderDiscussions,
};

export async function render(context) {
  const { root, params } = context;
  const network = await api.get(apiPath`/networks/${params.id}`);
  const section = params.tab ?? '';
  if (!SECTIONS.some(([key]) => key === section)) {
    const error = new Error('Not found');
    error.status = 404;
    throw error;
  }
  if (!network.is_member && !network.role) return renderOutside(root, network, context);
  document.body.dataset.network = network.id;
  const base = `/networks/${network.id}`;
  // What is unread in each section, where the API counts it.
  const unread = { '': network.unread?.threads, help: network.unread?.help_requests, resources: network.unread?.resources, polls: network.unread?.polls };
  root.append(
    h('header', { class: 'page-header' },
      h('h1', {}, network.name),
      network.description ? h('p', { class: 'muted' }, network.description) : null,
      h('p', { class: 'meta' }, plural(network.member_count, 'member'),
        network.role === 'facilitator' ? ' · you facilitate this network' : '',
        network.visibility === 'private' ? ' · private' : ' · listed')),
    h('nav', { class: 'tabs', 'aria-label': `${network.name} sections` },
      SECTIONS.filter(([, , role]) => !role || network.role === role).map(([key, label]) => h('a', {
        href: key ? `${base}/${key}` : base,
        'aria-current': key === section ? 'page' : null,
      }, label, unread[key] ? [' ', h('span', { class: 'badge tab-count' }, String(unread[key]), h('span', { class: 'visually-hidden' }, ' unread'))] : null))));
  if (section === 'members') root.append(networkSettings(network, context));
  const body = h('div', { class: 'section' });
  root.append(body);
  const renderSection = await LOADERS[section]();
  const stop = await renderSection(body, network, context);
  return () => { stop?.(); delete document.body.dataset.network; };
}

/** Leaving the network; for facilitators also its name, description and visibility. */
function networkSettings(network, { router }) {
  const leave = h('button', { type: 'button', class: 'button button-quiet button-danger' }, `Leave ${network.name}`);
  onClick(leave, async () => {
    if (!confirm(`Leave ${network.name}? You will no longer see its discussions.`)) return;
    await api.delete(apiPath`/networks/${network.id}/members/${currentMember().id}`);
    document.dispatchEvent(new Event('staffroom:networks-changed'));
    router.navigate('/');
  });
  const box = h('div', { class: 'stack' });
  if (network.role === 'facilitator') {
    const form = h('form', { class: 'stack', novalidate: true },
      field('Name', 'name', { value: network.name, required: true, maxlength: 120 }),
      field('Description', 'description', { control: h('textarea', { rows: 3, value: network.description ?? '' }) }),
      field('Who can find it', 'visibility', { control: select([['private', 'Private: members only'], ['listed', 'Listed: anyone on this Staffroom can see it']], network.visibility) }),
      field('Joining', 'join_policy', { control: select([['invite', 'By invitation'], ['open', 'Anyone who finds it may join']], network.join_policy) }),
      h('button', { type: 'submit', class: 'button' }, 'Save network'));
    onSubmit(form, async (f) => {
      await api.patch(apiPath`/networks/${network.id}`, {
        name: f.elements.name.value.trim(),
        description: f.elements.description.value.trim(),
        visibility: f.elements.visibility.value,
        join_policy: f.elements.join_policy.value,
      });
      document.dispatchEvent(new Event('staffroom:networks-changed'));
      router.reload();
    });
    box.append(h('details', { class: 'card' }, h('summary', {}, 'Network settings'), form),
      h('details', { class: 'card' }, h('summary', {}, 'Create a sub-network'), createNetworkForm(router, network)));
  }
  box.append(h('div', { class: 'actions' }, leave));
  return box;
}

/** A listed network seen from outside: what it is, and joining it when joining is open. */
function renderOutside(root, network, { router }) {
  const join = h('button', { type: 'button', class: 'button' }, `Join ${network.name}`);
  onClick(join, async () => {
    await api.post(apiPath`/networks/${network.id}/join`, {});
    document.dispatchEvent(new Event('staffroom:networks-changed'));
    router.reload();
  });
  append(root,
    h('header', { class: 'page-header' },
      h('h1', {}, network.name),
      network.description ? h('p', { class: 'muted' }, network.description) : null,
      h('p', { class: 'meta' }, plural(network.member_count, 'member'))),
    network.join_policy === 'open'
      ? h('div', { class: 'actions' }, join)
      : h('p', {}, 'This network takes new members by invitation from its facilitators.'));
  return null;
}

async function renderDiscussions(body, network, { router, query: params }) {
  const tag = params.get('tag') ?? '';
  const list = h('ol', { class: 'thread-list', 'aria-label': 'Threads' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show more threads');
  let cursor = null;

  const row = (t) => h('li', { class: 'thread-row', dataset: { thread: t.id } },
    h('div', { class: 'thread-main' },
      h('a', { href: `/threads/${t.id}`, class: 'thread-title' }, t.pinned ? '📌 ' : '', t.title, t.locked ? ' (locked)' : ''),
      h('p', { class: 'meta' }, `${t.author?.display_name ?? 'Someone'} · `, timeAgo(t.created_at)),
      tagList(t.tags)),
    h('div', { class: 'thread-stats' },
      h('span', {}, plural(t.reply_count, 'reply', 'replies')),
      t.unread_count > 0 && t.last_read_post_id
        ? h('a', { class: 'badge', href: `/threads/${t.id}?unread=1` }, `${t.unread_count} new`)
        : (t.unread_count > 0 ? h('span', { class: 'badge badge-new' }, 'new') : null),
      h('span', { class: 'meta' }, 'active ', timeAgo(t.last_activity_at))));

  const load = async (reset) => {
    const page = await api.get(apiPath`/networks/${network.id}/threads${query({ limit: 30, tag, cursor: reset ? null : cursor })}`);
    if (reset) replace(list);
    list.append(...page.items.map(row));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    if (reset && !page.items.length) list.append(h('li', { class: 'empty muted' }, 'No threads yet. Start the first discussion.'));
  };
  onClick(more, () => load(false));

  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Start a discussion'),
    field('Title', 'title', { required: true, maxlength: 200 }),
    h('sr-composer', { name: 'body', label: 'What would you like to discuss?', required: true, draft: 'new-thread', network: network.id }),
    field('Tags', 'tags', { hint: 'Comma-separated, e.g. attendance, 9th grade' }),
    h('button', { type: 'submit', class: 'button' }, 'Post thread'));
  onSubmit(form, async (f) => {
    const thread = await api.post(apiPath`/networks/${network.id}/threads`, {
      title: f.elements.title.value.trim(),
      body: f.elements.body.value,
      tags: splitList(f.elements.tags.value),
    });
    f.querySelector('sr-composer').value = ''; // posted: no draft left
    router.navigate(`/threads/${thread.id}`);
  });

  append(body,
    tag ? h('p', {}, `Threads tagged “${tag}” · `, h('a', { href: `/networks/${network.id}` }, 'all threads')) : null,
    list, more, form);

  let pending = null;
  const subscription = live.subscribe([`network:${network.id}`], (event) => {
    if (!/^(thread|post)\./.test(event.kind)) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      load(true).catch(() => {});
      if (event.kind === 'thread.created') announce(`New thread: ${event.data?.title ?? ''}`);
    }, 300);
  });
  await subscription.ready;
  await load(true);
  return () => { clearTimeout(pending); subscription.stop(); };
}

async function renderMembers(body, network) {
  const isFacilitator = network.role === 'facilitator';
  const list = h('ul', { class: 'member-list' });
  const load = async () => {
    const page = await api.get(apiPath`/networks/${network.id}/members?limit=100`);
    replace(list, page.items.map((m) => h('li', { class: 'member-row' },
      h('div', {},
        h('a', { href: `/members/${m.member.id}` }, m.member.display_name),
        m.role === 'facilitator' ? h('span', { class: 'badge' }, 'Facilitator') : null,
        h('p', { class: 'meta' }, [m.member.title, m.member.organization].filter(Boolean).join(' · ') || `@${m.member.handle}`),
        tagList(m.member.expertise)),
      isFacilitator ? memberActions(network, m, load) : null)));
  };
  body.append(h('h2', {}, 'Members'), list);
  await load();
  if (isFacilitator) body.append(await (await import('./network-invite.js')).invitePeople(network));
  return null;
}

function memberActions(network, membership, reload) {
  const toggle = h('button', { type: 'button', class: 'button button-quiet' },
    membership.role === 'facilitator' ? 'Make member' : 'Make facilitator');
  onClick(toggle, async () => {
    await api.patch(apiPath`/networks/${network.id}/members/${membership.member.id}`,
      { role: membership.role === 'facilitator' ? 'member' : 'facilitator' });
    await reload();
    announce(`${membership.member.display_name} is now a ${membership.role === 'facilitator' ? 'member' : 'facilitator'}.`);
  });
  const remove = h('button', { type: 'button', class: 'button button-quiet button-danger' }, 'Remove');
  onClick(remove, async () => {
    if (!confirm(`Remove ${membership.member.display_name} from ${network.name}?`)) return;
    await api.delete(apiPath`/networks/${network.id}/members/${membership.member.id}`);
    await reload();
    announce(`${membership.member.display_name} was removed.`);
  });
  return h('div', { class: 'actions' }, toggle, remove);
}
