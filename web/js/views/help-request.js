// `/help-requests/{id}`: the question, who offered to help, the answers (the asker accepts
// one), answering, offering, and closing or reopening. New answers arrive live.

import { loadPrivateImages } from '../images.js';
import { api, currentMember, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, redraw, replace, timeAgo, tagList, avatar, announce } from '../dom.js';
import { onSubmit } from '../forms.js';
import { STATUS_LABEL, askerName } from './network-help.js';
import '../components/composer.js';
import { markOpened } from '../reads.js';

export async function render({ root, params, router }) {
  // The summary is rebuilt on every change; the answer form stays, with what is typed in it.
  const page = h('div');
  const respondSlot = h('div');
  let respondForm = null;
  root.append(page, respondSlot);
  let request;
  let responses = [];
  let canModerate = false;

  const act = async (button, action, message) => {
    button.disabled = true;
    try {
      await action();
      await reload();
      announce(message);
    } catch (error) {
      announce(error.message);
      alertNear(button, error.message);
      button.disabled = false;
    }
  };

  const draw = () => {
    const me = currentMember();
    const isAsker = request.asked_by_me;
    const mayAccept = (isAsker || canModerate) && request.status !== 'closed';
    const offer = h('button', { type: 'button', class: 'button button-secondary', 'aria-pressed': String(request.offered_by_me), dataset: { key: 'offer' } },
      request.offered_by_me ? 'You offered to help' : 'I can help');
    offer.addEventListener('click', () => act(offer,
      () => (request.offered_by_me ? api.delete(apiPath`/help-requests/${request.id}/offer`) : api.put(apiPath`/help-requests/${request.id}/offer`)),
      request.offered_by_me ? 'Offer withdrawn' : 'Offer sent: the asker was told you can help'));
    const statusButton = (isAsker || canModerate)
      ? (['closed', 'resolved'].includes(request.status)
        ? h('button', { type: 'button', class: 'button button-quiet', dataset: { key: 'status' } }, 'Reopen')
        : h('button', { type: 'button', class: 'button button-quiet', dataset: { key: 'status' } }, 'Close without an answer'))
      : null;
    statusButton?.addEventListener('click', () => act(statusButton,
      () => api.patch(apiPath`/help-requests/${request.id}`, { status: ['closed', 'resolved'].includes(request.status) ? 'open' : 'closed' }),
      'Status changed'));

    const removeButton = (isAsker || canModerate)
      ? h('button', { type: 'button', class: 'button button-quiet button-danger', dataset: { key: 'remove' } }, isAsker ? 'Withdraw request' : 'Hide request')
      : null;
    removeButton?.addEventListener('click', async () => {
      if (!confirm(isAsker ? 'Withdraw this request for good?' : 'Hide this request from everyone?')) return;
      removeButton.disabled = true;
      try {
        await api.delete(apiPath`/help-requests/${request.id}`);
        announce('The request was removed');
        router.navigate(`/networks/${request.network_id}/help`);
      } catch (error) {
        alertNear(removeButton, error.message);
        removeButton.disabled = false;
      }
    });

    const answer = (r) => {
      const accept = mayAccept && !r.accepted && r.author?.id !== me?.id
        ? h('button', { type: 'button', class: 'button button-secondary', dataset: { key: `accept-${r.id}` } }, 'Accept this answer') : null;
      accept?.addEventListener('click', () => act(accept, () => api.post(apiPath`/help-requests/${request.id}/accept`, { response_id: r.id }), 'Answer accepted'));
      return h('article', { class: `post${r.accepted ? ' accepted' : ''}`, id: `response-${r.id}` },
        h('header', { class: 'post-header' }, avatar(r.author),
          h('div', {}, h('a', { href: r.author ? `/members/${r.author.id}` : '#', class: 'post-author' }, r.author?.display_name ?? 'Someone'),
            h('p', { class: 'meta' }, timeAgo(r.created_at), r.accepted ? ' · accepted answer' : ''))),
        withImages(h('div', { class: 'prose', trustedHtml: r.body_html })),
        accept ? h('footer', { class: 'post-footer' }, accept) : null);
    };

    const mayRespond = !isAsker && request.status !== 'closed';
    if (mayRespond && !respondForm) respondSlot.append(respondForm = buildRespondForm());
    if (!mayRespond && respondForm) { respondForm.remove(); respondForm = null; }
    redraw(page, () => replace(page,
      h('header', { class: 'page-header' },
        h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${request.network_id}/help` }, 'Back to help requests')),
        h('h1', {}, request.title),
        h('p', { class: 'meta' }, h('span', { class: `status status-${request.status}` }, STATUS_LABEL[request.status]),
          ' · asked by ', askerName(request).replace(/^A /, 'a '), ' · ', timeAgo(request.created_at),
          request.urgency === 'high' ? ' · urgent' : ''),
        tagList(request.tags),
        isAsker && request.anonymous
          ? h('p', { class: 'notice' }, 'You asked anonymously: everyone else sees “', request.author?.anonymous ? request.author.label : 'a member of this network', '”, never your name.')
          : null,
        h('div', { class: 'actions' }, isAsker || ['resolved', 'closed'].includes(request.status) ? null : offer, statusButton, removeButton)),
      h('div', { class: 'prose card', trustedHtml: request.body_html }),
      request.offers.length ? h('p', { class: 'meta' }, 'Offered to help: ', request.offers.map((m) => m.display_name).join(', ')) : null,
      h('h2', {}, responses.length ? `${responses.length} answer${responses.length === 1 ? '' : 's'}` : 'No answers yet'),
      h('div', { class: 'posts' }, responses.map(answer))));
  };

  const buildRespondForm = () => {
    const form = h('form', { class: 'card stack', novalidate: true },
      h('h2', {}, 'Your answer'),
      h('sr-composer', { name: 'body', label: 'Answer', required: true, rows: 5, draft: 'answer', network: request.network_id }),
      h('button', { type: 'submit', class: 'button' }, 'Post answer'));
    onSubmit(form, async (f) => {
      await api.post(apiPath`/help-requests/${request.id}/responses`, { body: f.elements.body.value });
      f.querySelector('sr-composer').value = '';
      await reload();
      announce('Your answer was posted.');
    });
    return form;
  };

  const reload = async () => {
    const [next, page1] = await Promise.all([
      api.get(apiPath`/help-requests/${params.id}`),
      api.get(apiPath`/help-requests/${params.id}/responses?limit=100`),
    ]);
    request = next;
    responses = page1.items;
    draw();
  };

  const first = await api.get(apiPath`/help-requests/${params.id}`);
  markOpened('help-requests', first.id);
  document.body.dataset.network = first.network_id;
  const network = await api.get(apiPath`/networks/${first.network_id}`);
  canModerate = network.role === 'facilitator';
  const subscription = live.subscribe([`network:${first.network_id}`], (event) => {
    if (event.kind === 'help_request.deleted' && event.data?.id === params.id) {
      replace(page, h('h1', {}, 'This help request was removed'),
        h('p', {}, h('a', { href: `/networks/${first.network_id}/help` }, 'Other help requests')));
      respondForm?.remove();
      respondForm = null;
      return;
    }
    if (event.kind.startsWith('help_request.') && (event.data?.id === params.id || event.data?.help_request_id === params.id)) {
      reload().then(() => { if (event.kind === 'help_request.responded') announce('A new answer arrived'); }).catch(() => {});
    }
  });
  await subscription.ready;
  await reload();
  return () => { subscription.stop(); delete document.body.dataset.network; };
}

function alertNear(element, message) {
  const note = h('p', { class: 'form-error', role: 'alert' }, message);
  element.closest('.actions, .post-footer')?.after(note);
}

/** `element` with the images of this instance in it loading (live answers come unsigned). */
function withImages(element) {
  loadPrivateImages(element);
  return element;
}
