// Create an account (open registration, or with an invitation's code).

import { api, startSession } from '../api.js';
import { h } from '../dom.js';
import { field, onSubmit } from '../forms.js';
import { nextPath } from './sign-in.js';
import { browserTimezone } from '../timezone.js';

export async function render({ root, query, router }) {
  const form = h('form', { class: 'card stack', novalidate: true },
    field('Your name', 'display_name', { autocomplete: 'name', required: true, hint: 'As colleagues know you, e.g. “Lauren Thomas”.' }),
    field('Email', 'email', { type: 'email', autocomplete: 'email', required: true }),
    field('Password', 'password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10, hint: 'At least 10 characters.' }),
    h('button', { type: 'submit', class: 'button' }, 'Create account'));
  onSubmit(form, async (f) => {
    const session = await api.post('/auth/register', {
      display_name: f.elements.display_name.value.trim(),
      email: f.elements.email.value.trim(),
      password: f.elements.password.value,
      timezone: browserTimezone(),
      // Coming from an invitation link: the account joins its network at once (open
      // registration only: an invite-only instance refuses, whatever the link).
      ...(linkToken(query) ? { invite_link: linkToken(query) } : {}),
    }, { auth: false });
    startSession(session);
    router.navigate(nextPath(query), { replace: true });
  });
  root.append(h('div', { class: 'narrow stack' },
    h('h1', {}, 'Create your Staffroom account'),
    form,
    h('p', {}, 'Already have one? ', h('a', { href: `/sign-in${query.get('next') ? `?next=${encodeURIComponent(query.get('next'))}` : ''}` }, 'Sign in'))));
}

/** The token of the invitation link this sign-up came from (`?next=/join/{token}`). */
function linkToken(query) {
  return /^\/join\/([A-Za-z0-9_-]+)$/.exec(query.get('next') ?? '')?.[1] ?? null;
}
