// `/conversations/{id}`: one conversation, oldest message at the top and the newest at
// the bottom, older ones on demand; new messages arrive live and are marked read while the
// page is open; writing with the composer, unless a block or a network no longer shared
// stands between you.

import { api, currentMember, apiPath, query } from '../api.js';
import { live } from '../live.js';
import { h, replace, timeAgo, avatar, announce } from '../dom.js';
import { onClick, onSubmit } from '../forms.js';
import { othersIn } from './conversations.js';
import '../components/composer.js';

export async function render({ root, params }) {
  const conversation = await api.get(apiPath`/conversations/${params.id}`);
  const me = currentMember()?.id;
  const messages = new Map(); // id -> message, every one shown
  const list = h('ol', { class: 'messages', 'aria-label': 'Messages' });
  const older = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show earlier messages');
  let cursor = null;

  const item = (m) => h('li', { class: `message${m.author?.id === me ? ' mine' : ''}`, id: `message-${m.id}`, dataset: { id: m.id } },
    avatar(m.author),
    h('div', { class: 'message-body' },
      h('p', { class: 'meta' }, h('strong', {}, m.author?.id === me ? 'You' : (m.author?.display_name ?? 'Someone')), ' · ', timeAgo(m.created_at)),
      h('div', { class: 'prose', trustedHtml: m.body_html })));
  const draw = () => {
    const sorted = [...messages.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    replace(list, sorted.map(item));
  };
  const markRead = () => api.post(apiPath`/conversations/${params.id}/read`, {}).catch(() => {});
  const loadPage = async (before) => {
    const page = await api.get(apiPath`/conversations/${params.id}/messages${query({ limit: 30, cursor: before })}`);
    for (const m of page.items) messages.set(m.id, m);
    cursor = page.next_cursor;
    older.hidden = !cursor;
    draw();
  };
  onClick(older, () => loadPage(cursor));

  const title = othersIn(conversation);
  const names = conversation.participants.map((p) => h('a', { href: `/members/${p.id}` }, p.id === me ? 'you' : p.display_name));
  // "you, Ana Lopez and Mei Chen"
  const people = [];
  names.forEach((link, i) => {
    if (i) people.push(i === names.length - 1 ? ' and ' : ', ');
    people.push(link);
  });
  const composer = conversation.can_send ? writeForm() : h('p', { class: 'notice' },
    'You can read this conversation but not write to it: someone in it no longer shares a network with you, or a block stands between you.');
  root.append(
    h('header', { class: 'page-header' },
      h('p', { class: 'breadcrumb' }, h('a', { href: '/conversations' }, 'All messages')),
      h('h1', {}, title),
      h('p', { class: 'meta' }, 'Between ', people, '. Only the people in it can read it.')),
    older, list, composer);

  function writeForm() {
    const form = h('form', { class: 'card stack', novalidate: true },
      h('sr-composer', { name: 'body', label: 'Message', required: true, rows: 3, draft: `conversation-${params.id}` }),
      h('button', { type: 'submit', class: 'button' }, 'Send'));
    onSubmit(form, async (f) => {
      const sent = await api.post(apiPath`/conversations/${params.id}/messages`, { body: f.elements.body.value });
      f.querySelector('sr-composer').value = '';
      messages.set(sent.id, sent);
      draw();
      announce('Message sent');
    });
    return form;
  }

  const subscription = live.subscribe(['me'], (event) => {
    if (event.kind !== 'message.created' || event.data?.conversation_id !== params.id) return;
    const m = event.data.message;
    if (messages.has(m.id)) return;
    messages.set(m.id, m);
    draw();
    if (m.author?.id !== me) {
      announce(`${m.author?.display_name ?? 'Someone'}: ${m.body.slice(0, 80)}`);
      if (document.visibilityState === 'visible') markRead();
    }
  });
  await subscription.ready;
  await loadPage(null);
  await markRead();
  const onVisible = () => { if (document.visibilityState === 'visible') markRead(); };
  document.addEventListener('visibilitychange', onVisible);
  return () => { subscription.stop(); document.removeEventListener('visibilitychange', onVisible); };
}
