// `/sign-in/link?token=`: the link of a sign-in email. Consuming it signs in (once).

import { api, startSession } from '../api.js';
import { h } from '../dom.js';

export async function render({ root, query, router }) {
  const token = query.get('token') ?? '';
  root.append(h('h1', {}, 'Signing you in…'));
  try {
    startSession(await api.post('/auth/magic-link/consume', { token }, { auth: false }));
    router.navigate('/', { replace: true });
  } catch {
    root.replaceChildren(
      h('h1', {}, 'This sign-in link no longer works'),
      h('p', {}, 'Sign-in links work once and for 15 minutes. Ask for a new one.'),
      h('p', {}, h('a', { href: '/sign-in', class: 'button' }, 'Sign in')));
  }
}
