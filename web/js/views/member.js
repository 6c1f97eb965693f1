// `/members/{id}`: a colleague's profile: who they are, what they know, answers accepted.

import { api } from '../api.js';
import { h, append, tagList, avatar } from '../dom.js';

export async function render({ root, params }) {
  const person = await api.get(`/members/${params.id}`);
  append(root, 
    h('header', { class: 'page-header profile' }, avatar(person, 'lg'),
      h('div', {},
        h('h1', {}, person.display_name),
        h('p', { class: 'meta' }, [`@${person.handle}`, person.title, person.organization].filter(Boolean).join(' · ')))),
    person.bio ? h('p', {}, person.bio) : null,
    person.expertise?.length ? h('section', { 'aria-labelledby': 'expertise' }, h('h2', { id: 'expertise' }, 'Expertise'), tagList(person.expertise)) : null,
    person.accepted_answers ? h('p', {}, `${person.accepted_answers} answer${person.accepted_answers === 1 ? '' : 's'} accepted by colleagues.`) : null,
    h('p', {}, h('a', { href: `/search?q=${encodeURIComponent(person.display_name)}` }, `Find what ${person.display_name} wrote`)));
}
