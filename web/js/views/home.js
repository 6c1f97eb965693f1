// `/`: your networks, the listed ones you could join, and (for instance admins) creating
// a network.

import { api, currentMember, apiPath } from '../api.js';
import { h, plural } from '../dom.js';
import { field, onClick, onSubmit, select, textarea } from '../forms.js';

export async function render({ root, router }) {
  const page = await api.get('/networks?limit=100');
  const mine = page.items.filter((n) => n.is_member || n.role);
  const others = page.items.filter((n) => !(n.is_member || n.role) && n.visibility === 'listed');
  const card = (n) => h('li', { class: 'card network-card' },
    h('h3', {}, h('a', { href: `/networks/${n.id}` }, n.name)),
    n.description ? h('p', { class: 'muted' }, n.description) : null,
    h('p', { class: 'meta' }, plural(n.member_count, 'member'), n.role === 'facilitator' ? ' · you facilitate' : ''));

  root.append(h('h1', {}, `Welcome, ${currentMember()?.display_name ?? ''}`.trim()));
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

  if (currentMember()?.is_admin) root.append(createNetworkForm(router, null));
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
