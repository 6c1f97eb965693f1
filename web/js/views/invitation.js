// `/invitations/{token}`: what the invitation is for, then joining (signed in), or
// creating the account for the invited email and joining in one step.

import { api, currentMember, isSignedIn, startSession, apiPath } from '../api.js';
import { h } from '../dom.js';
import { field, onSubmit } from '../forms.js';
import { browserTimezone } from '../timezone.js';

export async function render({ root, params, router }) {
  const token = params.token;
  let invitation;
  try {
    invitation = await api.get(apiPath`/invitations/${token}`, { auth: false });
  } catch (error) {
    if (error.status === 409) {
      root.append(h('h1', {}, 'This invitation can no longer be used'),
        h('p', {}, `${error.message} Ask the facilitator for a new invitation, or sign in if you already joined.`),
        h('p', {}, h('a', { href: '/sign-in', class: 'button' }, 'Sign in')));
      return;
    }
    if (error.status !== 404) throw error;
    root.append(h('h1', {}, 'This invitation was not found'),
      h('p', {}, 'Check the link in your email, or ask the facilitator for a new invitation.'));
    return;
  }
  const role = invitation.role === 'facilitator' ? 'a facilitator' : 'a member';
  const intro = h('div', { class: 'card stack' },
    h('p', {}, `${(typeof invitation.invited_by === 'string' ? invitation.invited_by : invitation.invited_by?.display_name) || 'A facilitator'} invited ${invitation.email} to join as ${role}.`),
    invitation.network_description ? h('p', { class: 'muted' }, invitation.network_description) : null);
  root.append(h('div', { class: 'narrow stack' }, h('h1', {}, `Join ${invitation.network_name}`), intro));
  const column = root.firstChild;

  const joined = (networkId) => {
    document.dispatchEvent(new Event('staffroom:networks-changed'));
    router.navigate(`/networks/${networkId}`, { replace: true });
  };

  if (isSignedIn()) {
    const form = h('form', { class: 'stack' },
      h('p', {}, `You are signed in as ${currentMember()?.email}.`),
      h('button', { type: 'submit', class: 'button' }, `Join ${invitation.network_name}`));
    onSubmit(form, async () => {
      const result = await api.post(apiPath`/invitations/${token}/accept`, {});
      joined(result.network_id);
    });
    column.append(form);
    return;
  }
  if (invitation.has_account) {
    column.append(h('p', {}, 'You already have an account. ',
      h('a', { href: `/sign-in?next=${encodeURIComponent(`/invitations/${token}`)}`, class: 'button' }, 'Sign in to accept')));
    return;
  }
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', {}, 'Create your account'),
    field('Email', 'email', { type: 'email', value: invitation.email, readonly: true, autocomplete: 'email' }),
    field('Your name', 'display_name', { autocomplete: 'name', required: true, value: invitation.name ?? '' }),
    field('Password', 'password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10, hint: 'At least 10 characters.' }),
    h('button', { type: 'submit', class: 'button' }, 'Create account and join'));
  onSubmit(form, async (f) => {
    const result = await api.post(apiPath`/invitations/${token}/accept`, {
      display_name: f.elements.display_name.value.trim(),
      password: f.elements.password.value,
      timezone: browserTimezone(),
    }, { auth: false });
    startSession(result.session);
    joined(result.network_id);
  });
  column.append(form);
}
