// `/polls/{id}`: a poll, voting or changing one's vote, and its results as its rule allows,
// updated live (each reader's events carry the results only when they may see them). The
// author and facilitators close or remove it.

import { api, currentMember, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, replace, redraw, announce } from '../dom.js';
import { onClick } from '../forms.js';
import { ballotFor, pollMeta, resultsOf } from '../polls.js';
import { markOpened } from '../reads.js';

export async function render({ root, params, router }) {
  let poll = await api.get(apiPath`/polls/${params.id}`);
  markOpened('polls', poll.id);
  document.body.dataset.network = poll.network_id;
  const network = await api.get(apiPath`/networks/${poll.network_id}`);
  const mayManage = poll.author?.id === currentMember()?.id || network.role === 'facilitator';
  const page = h('div');
  const ballotSlot = h('section', { class: 'card stack', 'aria-labelledby': 'ballot-heading' });
  const resultsSlot = h('section', { 'aria-live': 'polite' });
  root.append(page, ballotSlot, resultsSlot);

  const drawBallot = () => replace(ballotSlot,
    h('h2', { id: 'ballot-heading' }, poll.my_vote ? 'Your answer' : 'Answer'),
    ballotFor(poll, (updated) => { poll = updated; drawAll({ ballot: true }); ballotSlot.querySelector('button')?.focus(); }));
  // A live update leaves a ballot being filled in alone (unless the poll closed); one's
  // own vote redraws it.
  const drawAll = ({ ballot = false } = {}) => {
    redraw(page, () => {
      const close = mayManage && !poll.is_closed ? h('button', { type: 'button', class: 'button button-secondary', dataset: { key: 'close' } }, 'Close the poll now') : null;
      const remove = mayManage ? h('button', { type: 'button', class: 'button button-quiet button-danger', dataset: { key: 'remove' } }, 'Remove poll') : null;
      if (close) {
        onClick(close, async () => {
          poll = await api.patch(apiPath`/polls/${poll.id}`, { closed: true });
          announce('The poll is closed');
          drawAll({ ballot: true });
        });
      }
      if (remove) {
        onClick(remove, async () => {
          if (!confirm('Remove this poll and its answers?')) return;
          await api.delete(apiPath`/polls/${poll.id}`);
          router.navigate(`/networks/${poll.network_id}/polls`);
        });
      }
      replace(page,
        h('header', { class: 'page-header' },
          h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${poll.network_id}/polls` }, `Polls of ${network.name}`),
            poll.thread_id ? [' · ', h('a', { href: `/threads/${poll.thread_id}` }, 'its thread')] : null),
          h('h1', {}, poll.question),
          pollMeta(poll),
          close || remove ? h('div', { class: 'actions' }, close, remove) : null),
        poll.description_html ? h('div', { class: 'prose card', trustedHtml: poll.description_html }) : null);
    });
    if (ballot) drawBallot();
    replace(resultsSlot, resultsOf(poll));
  };

  const subscription = live.subscribe([`network:${poll.network_id}`], (event) => {
    if (!event.kind.startsWith('poll.') || (event.data?.poll?.id ?? event.data?.id) !== params.id) return;
    if (event.kind === 'poll.deleted') {
      replace(page, h('h1', {}, 'This poll was removed'), h('p', {}, h('a', { href: `/networks/${poll.network_id}/polls` }, 'Other polls')));
      replace(ballotSlot); replace(resultsSlot);
      return;
    }
    // The event carries the poll as anyone sees it, with results only if this reader may
    // see them; the reader's own vote is theirs to keep.
    const wasClosed = poll.is_closed;
    poll = { ...event.data.poll, my_vote: poll.my_vote };
    drawAll({ ballot: poll.is_closed !== wasClosed });
    if (!wasClosed && poll.is_closed) announce('The poll has closed');
  });
  await subscription.ready;
  poll = await api.get(apiPath`/polls/${params.id}`);
  drawAll({ ballot: true });
  return () => { subscription.stop(); delete document.body.dataset.network; };
}
