// `/join/{token}`: an invitation link shared by a facilitator. Where it leads, then joining
// (signed in), or signing in or creating an account and coming back here to join.

import { api, isSignedIn, currentMember, apiPath } from '../api.js';
import { h } from '../dom.js';
import { onSubmit } from '../forms.js';

export async function render({ root, params, router }) {
  const token = params.token;
  const here = `/join/${token}`;
  let link;
  try {
    link = await api.get(apiPath`/invite-links/${token}/preview`, { auth: false });
  } catch (error) {
    if (error.status !== 404 && error.status !== 410) throw error;
    root.append(h('div', { class: 'narrow stack' },
      h('h1', {}, error.status === 410 ? 'This link no longer works' : 'This link was not found'),
      h('p', {}, error.status === 410 ? error.message : 'Check that the whole link was copied, or ask the facilitator who shared it for a new one.'),
      isSignedIn() ? h('p', {}, h('a', { href: '/' }, 'Go to your home page')) : null));
    return;
  }
  const column = h('div', { class: 'narrow stack' },
    h('h1', {}, `Join ${link.network_name}`),
    h('div', { class: 'card stack' },
      h('p', {}, `${link.invited_by || 'A facilitator'} shared this link to join ${link.network_name} as a member.`),
      link.network_description ? h('p', { class: 'muted' }, link.network_description) : null));
  root.append(column);
  if (!isSignedIn()) {
    const next = encodeURIComponent(here);
    column.append(h('p', {}, 'Sign in or create your account, then you come back here to join.'),
      h('div', { class: 'actions' },
        h('a', { href: `/sign-up?next=${next}`, class: 'button' }, 'Create an account'),
        h('a', { href: `/sign-in?next=${next}`, class: 'button button-secondary' }, 'Sign in')));
    return;
  }
  const network = await api.get(apiPath`/networks/${link.network_id}`).catch(() => null);
  if (network?.is_member) {
    column.append(h('p', {}, `You are a member of ${link.network_name}. `,
      h('a', { href: `/networks/${link.network_id}`, class: 'button' }, `Open ${link.network_name}`)));
    return;
  }
  const form = h('form', { class: 'stack' },
    h('p', {}, `You are signed in as ${currentMember()?.display_name ?? currentMember()?.email}.`),
    h('button', { type: 'submit', class: 'button' }, `Join ${link.network_name}`));
  onSubmit(form, async () => {
    const network = await api.post(apiPath`/invite-links/${token}/join`, {});
    document.dispatchEvent(new Event('staffroom:networks-changed'));
    router.navigate(`/networks/${network.id}`, { replace: true });
  });
  column.append(form);
}
