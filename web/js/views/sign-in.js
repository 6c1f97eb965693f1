// Sign in with a password, or have a one-time link emailed.

import { api, startSession } from '../api.js';
import { h } from '../dom.js';
import { field, onSubmit } from '../forms.js';

/** Where to go after signing in: `?next=` if it is a path of this app. */
export function nextPath(query) {
  const next = query.get('next');
  if (!next) return '/';
  try {
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}

export async function render({ root, query, router }) {
  const password = h('form', { class: 'card stack', novalidate: true },
    field('Email', 'email', { type: 'email', autocomplete: 'email', required: true }),
    field('Password', 'password', { type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit', class: 'button' }, 'Sign in'));
  onSubmit(password, async (form) => {
    const session = await api.post('/auth/login', {
      email: form.elements.email.value.trim(),
      password: form.elements.password.value,
    }, { auth: false });
    startSession(session);
    router.navigate(nextPath(query), { replace: true });
  });

  const sent = h('p', { class: 'notice', role: 'status', hidden: true });
  const link = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'No password at hand?'),
    h('p', { class: 'muted' }, 'We email you a link that signs you in once.'),
    field('Email', 'email', { type: 'email', autocomplete: 'email', required: true }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Email me a sign-in link'),
    sent);
  const code = h('form', { class: 'stack', novalidate: true, hidden: true },
    field('Sign-in code from the email', 'token', { autocomplete: 'one-time-code', required: true, hint: 'Or open the link in the email on this device.' }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Sign in with the code'));
  onSubmit(code, async (form) => {
    try {
      startSession(await api.post('/auth/magic-link/consume', { token: form.elements.token.value.trim() }, { auth: false }));
    } catch (error) {
      if (error.status === 401) error.problem = { errors: { token: 'This code is wrong, used or expired. Ask for a new one.' } };
      throw error;
    }
    router.navigate(nextPath(query), { replace: true });
  });
  onSubmit(link, async (form) => {
    const email = form.elements.email.value.trim();
    await api.post('/auth/magic-link', { email }, { auth: false });
    sent.textContent = `If ${email} has an account, a sign-in link is on its way. It works once, for 15 minutes.`;
    sent.hidden = false;
    code.hidden = false;
  });

  root.append(
    h('div', { class: 'narrow stack' },
      h('h1', {}, 'Sign in to Staffroom'),
      password,
      link,
      code,
      h('p', {}, 'New here? ', h('a', { href: `/sign-up${query.get('next') ? `?next=${encodeURIComponent(query.get('next'))}` : ''}` }, 'Create an account'))));
}
