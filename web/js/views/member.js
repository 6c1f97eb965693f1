// `/members/{id}`: a colleague's profile: who they are, what they know, answers accepted;
// sending them a message, and blocking them.

import { api, currentMember, apiPath } from '../api.js';
import { h, append, tagList, avatar, announce } from '../dom.js';
import { onClick, onSubmit } from '../forms.js';
import '../components/composer.js';

export async function render({ root, params, router }) {
  const [person, blocks] = await Promise.all([api.get(apiPath`/members/${params.id}`), api.get('/me/blocks')]);
  const isMe = person.id === currentMember()?.id;
  append(root,
    h('header', { class: 'page-header profile' }, avatar(person, 'lg'),
      h('div', {},
        h('h1', {}, person.display_name),
        h('p', { class: 'meta' }, [`@${person.handle}`, person.title, person.organization].filter(Boolean).join(' · ')))),
    person.bio ? h('p', {}, person.bio) : null,
    person.expertise?.length ? h('section', { 'aria-labelledby': 'expertise' }, h('h2', { id: 'expertise' }, 'Expertise'), tagList(person.expertise)) : null,
    person.accepted_answers ? h('p', {}, `${person.accepted_answers} answer${person.accepted_answers === 1 ? '' : 's'} accepted by colleagues.`) : null,
    h('p', {}, h('a', { href: `/search?q=${encodeURIComponent(person.display_name)}` }, `Find what ${person.display_name} wrote`)));
  if (isMe) return null;
  const blocked = blocks.some((b) => b.member.id === person.id);
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, `Send ${person.display_name} a message`),
    h('p', { class: 'muted' }, 'Only the two of you can read it.'),
    h('sr-composer', { name: 'body', label: 'Message', required: true, rows: 3 }),
    h('button', { type: 'submit', class: 'button', disabled: blocked }, 'Send message'));
  onSubmit(form, async (f) => {
    const started = await api.post('/conversations', { member_ids: [person.id], body: f.elements.body.value });
    f.querySelector('sr-composer').value = '';
    router.navigate(`/conversations/${started.conversation.id}`);
  });
  const block = h('button', { type: 'button', class: `button button-quiet${blocked ? '' : ' button-danger'}` },
    blocked ? `Unblock ${person.display_name}` : `Block ${person.display_name}`);
  onClick(block, async () => {
    if (blocked) await api.delete(apiPath`/members/${person.id}/block`);
    else {
      if (!confirm(`Block ${person.display_name}? They will not be able to message you, and you will not be told of their messages.`)) return;
      await api.put(apiPath`/members/${person.id}/block`);
    }
    announce(blocked ? `${person.display_name} is unblocked` : `${person.display_name} is blocked`);
    router.reload();
  });
  append(root, blocked
    ? h('p', { class: 'notice' }, `You blocked ${person.display_name}: no messages go either way until you unblock them.`)
    : null,
  form, h('div', { class: 'actions' }, block));
  return null;
}
