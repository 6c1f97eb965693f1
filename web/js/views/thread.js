// `/threads/{id}`: the posts of a thread, oldest first, with reactions, following, replying
// (with a preview), and new posts arriving live. Opens at `#post-N`, or at the first unread
// post; what has been on screen is marked read. Polls asked in the thread are listed, and
// one can be asked there. Keys: `j`/`k` move between posts, `r` replies, `?` lists them.
// A reply written while offline is queued (shown as waiting) and sent when the connection
// is back.

import { api, currentMember, query, apiPath } from '../api.js';
import { live } from '../live.js';
import { h, append, replace, timeAgo, tagList, avatar, announce, plural } from '../dom.js';
import { field, onClick, onSubmit, splitList } from '../forms.js';
import { askForm } from '../polls.js';
import { listenForShortcuts, showShortcuts } from '../shortcuts.js';
import { enqueue, flush, isConnectionFailure, outbox, queuedFor } from '../outbox.js';
import '../components/composer.js';
import { loadPrivateImages } from '../images.js';

const REACTIONS = [['helpful', 'Helpful'], ['thanks', 'Thanks'], ['agree', 'Agree']];
const MAX_PAGES = 20;

export async function render(context) {
  const { root, params, query: search, hash } = context;
  let thread = await api.get(apiPath`/threads/${params.id}`);
  document.body.dataset.network = thread.network_id;
  const me = currentMember();
  const network = await api.get(apiPath`/networks/${thread.network_id}`);
  const isFacilitator = network.role === 'facilitator';
  const posts = new Map(); // post id -> article
  const list = h('div', { class: 'posts' });
  let cursor = null;
  let pages = 0;
  const loadMore = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, 'Show later posts');

  const renderPost = (post) => {
    const mine = post.author?.id === me?.id;
    const reactions = h('div', { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
      REACTIONS.map(([kind, label]) => {
        const pressed = post.my_reactions?.includes(kind);
        const button = h('button', {
          type: 'button', class: 'reaction', 'aria-pressed': String(Boolean(pressed)), disabled: mine || post.deleted,
          dataset: { kind }, title: mine ? 'You cannot react to your own post' : null,
        }, label, ' ', h('span', { class: 'count' }, String(post.reactions?.[kind] ?? 0)));
        button.addEventListener('click', () => react(post.id, kind, button));
        return button;
      }));
    const reply = h('button', { type: 'button', class: 'button-quiet' }, 'Reply');
    reply.addEventListener('click', () => replyTo(post));
    // Quote what is selected in the post, or the whole post, into the reply.
    const quote = h('button', { type: 'button', class: 'button-quiet' }, 'Quote');
    quote.addEventListener('mousedown', () => { quote.dataset.selection = selectedIn(posts.get(post.id)); });
    quote.addEventListener('click', () => { quoteInReply(post, quote.dataset.selection || post.body); delete quote.dataset.selection; });
    const mayEdit = !post.deleted && (mine || isFacilitator);
    const edit = mayEdit ? h('button', { type: 'button', class: 'button-quiet' }, 'Edit') : null;
    edit?.addEventListener('click', () => editPost(post));
    // The opening post goes with its thread (deleting the thread is a separate action).
    const remove = mayEdit && post.post_number > 1 ? h('button', { type: 'button', class: 'button-quiet button-danger' }, 'Delete') : null;
    remove?.addEventListener('click', async () => {
      if (!confirm('Delete this post? A note that it was deleted stays in its place.')) return;
      try {
        await api.delete(apiPath`/posts/${post.id}`);
        add({ ...post, deleted: true, body: '', body_html: '' });
        focusPost(post.id);
        announce('Post deleted.');
      } catch (error) { announce(error.message); }
    });
    const replied = post.reply_to_post_id ? posts.get(post.reply_to_post_id) : null;
    const article = h('article', { class: 'post', id: `post-${post.post_number}`, dataset: { id: post.id }, 'aria-labelledby': `post-${post.post_number}-by` },
      h('header', { class: 'post-header' },
        avatar(post.author),
        h('div', {},
          h('a', { id: `post-${post.post_number}-by`, href: post.author ? `/members/${post.author.id}` : '#', class: 'post-author' }, post.author?.display_name ?? 'Someone'),
          h('p', { class: 'meta' },
            h('a', { href: `/threads/${thread.id}#post-${post.post_number}`, class: 'post-link' }, timeAgo(post.created_at)),
            post.edited_at ? ' · edited' : '',
            replied ? [' · in reply to ', h('a', { href: `#${replied.id}` }, replied.dataset.author ?? `#${replied.id}`)] : ''))),
      post.deleted
        ? h('p', { class: 'muted' }, 'This post was deleted.')
        : h('div', { class: 'prose', trustedHtml: post.body_html }),
      post.deleted ? null : h('footer', { class: 'post-footer' }, reactions,
        h('div', { class: 'actions' }, thread.locked && !isFacilitator ? null : [reply, quote], edit, remove)));
    article.dataset.author = post.author?.display_name ?? '';
    loadPrivateImages(article);
    return article;
  };

  const add = (post, { live: isLive = false } = {}) => {
    const existing = posts.get(post.id);
    const article = renderPost(post);
    if (existing) {
      // A keyboard user on this post (just sent, or moved to with j/k) stays on it.
      const hadFocus = existing.contains(document.activeElement);
      existing.replaceWith(article);
      posts.set(post.id, article);
      if (hadFocus) focusPost(post.id);
      return false;
    }
    posts.set(post.id, article);
    list.append(article);
    if (isLive) {
      article.classList.add('post-arrived');
      announce(`New reply from ${post.author?.display_name ?? 'someone'}`);
    }
    return true;
  };

  const loadPage = async () => {
    const page = await api.get(apiPath`/threads/${thread.id}/posts${query({ limit: 100, cursor })}`);
    page.items.forEach((p) => add(p));
    cursor = page.next_cursor;
    pages += 1;
    loadMore.hidden = !cursor;
  };
  onClick(loadMore, () => loadPage());

  function focusPost(id) {
    const article = posts.get(id);
    if (!article) return;
    article.setAttribute('tabindex', '-1');
    article.focus();
  }

  function editPost(post) {
    const article = posts.get(post.id);
    const composer = h('sr-composer', { name: 'body', label: 'Edit post', rows: 5, value: post.body, network: thread.network_id });
    const cancel = h('button', { type: 'button', class: 'button button-quiet' }, 'Cancel');
    const form = h('form', { class: 'stack', novalidate: true }, composer,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save'), cancel));
    cancel.addEventListener('click', () => { add(post); focusPost(post.id); });
    onSubmit(form, async (f) => {
      const updated = await api.patch(apiPath`/posts/${post.id}`, { body: f.elements.body.value });
      add({ ...updated, my_reactions: post.my_reactions });
      focusPost(post.id);
      announce('Post saved.');
    });
    article.querySelector('.prose')?.replaceWith(form);
    article.querySelector('.post-footer')?.remove();
    form.querySelector('textarea').focus();
  }

  async function react(postId, kind, button) {
    const on = button.getAttribute('aria-pressed') !== 'true';
    button.disabled = true;
    try {
      const result = on
        ? await api.put(apiPath`/posts/${postId}/reactions/${kind}`)
        : await api.delete(apiPath`/posts/${postId}/reactions/${kind}`);
      showReactions(result.post_id, result.reactions, result.my_reactions);
    } catch (error) {
      announce(error.message);
    } finally {
      button.disabled = false;
    }
  }

  function showReactions(postId, counts, mine) {
    const article = posts.get(postId);
    if (!article) return;
    for (const button of article.querySelectorAll('.reaction')) {
      button.querySelector('.count').textContent = String(counts?.[button.dataset.kind] ?? 0);
      if (mine) button.setAttribute('aria-pressed', String(mine.includes(button.dataset.kind)));
    }
  }

  // Following.
  const follow = h('button', { type: 'button', class: 'button button-secondary' });
  const showFollow = (level) => {
    const watching = level === 'watching';
    follow.setAttribute('aria-pressed', String(watching));
    follow.textContent = watching ? 'Following' : 'Follow';
    follow.title = watching ? 'You are notified of every new post. Press to stop.' : 'Be notified of every new post';
  };
  showFollow(thread.notification_level);
  onClick(follow, async () => {
    const watching = follow.getAttribute('aria-pressed') === 'true';
    const result = watching ? await api.delete(apiPath`/threads/${thread.id}/follow`) : await api.put(apiPath`/threads/${thread.id}/follow`);
    showFollow(result.level);
    announce(result.level === 'watching' ? 'Following this thread' : 'No longer following this thread');
  });

  // Replying.
  const replyingTo = h('p', { class: 'replying-to', hidden: true });
  const composer = h('sr-composer', { name: 'body', label: 'Your reply', required: true, rows: 5, draft: 'reply', network: thread.network_id });
  const form = h('form', { class: 'card stack reply-form', novalidate: true },
    h('h2', { id: 'reply-heading' }, 'Reply'), replyingTo, composer,
    h('button', { type: 'submit', class: 'button' }, 'Post reply'));
  let replyToId = null;
  function replyTo(post) {
    replyToId = post.id;
    replace(replyingTo, `Replying to ${post.author?.display_name ?? 'a post'} `,
      h('button', { type: 'button', class: 'button-quiet', on: { click: () => { replyToId = null; replyingTo.hidden = true; } } }, 'Cancel'));
    replyingTo.hidden = false;
    focusReply();
  }
  /** The text selected inside `article`'s post body, if the selection lies there. */
  function selectedIn(article) {
    const selection = window.getSelection();
    const body = article?.querySelector('.prose');
    if (!selection || selection.isCollapsed || !body) return '';
    const range = selection.getRangeAt(0);
    return body.contains(range.commonAncestorContainer) ? selection.toString().trim() : '';
  }
  /** Puts `text` into the reply as a quote of `post`'s author, replying to that post. */
  function quoteInReply(post, text) {
    const composer = form.querySelector('sr-composer');
    if (!composer || !text.trim()) return;
    const who = post.author ? `@${post.author.handle} wrote:\n` : '';
    const quoted = text.trim().split('\n').map((line) => `> ${line}`.trimEnd()).join('\n');
    const before = composer.value.trimEnd();
    composer.value = `${before ? `${before}\n\n` : ''}${who}${quoted}\n\n`;
    composer.textarea.dispatchEvent(new Event('input', { bubbles: true })); // kept as a draft
    replyTo(post);
    const box = composer.textarea;
    box.setSelectionRange(box.value.length, box.value.length);
  }
  function focusReply() {
    const box = form.querySelector('textarea');
    if (!box) return;
    form.scrollIntoView({ block: 'center' });
    box.focus({ preventScroll: true });
  }
  const postsPath = apiPath`/threads/${thread.id}/posts`;
  const sent = (post) => {
    add(post);
    markRead(post.id);
    focusPost(post.id);
  };
  onSubmit(form, async (f) => {
    const body = { body: f.elements.body.value, ...(replyToId ? { reply_to_post_id: replyToId } : {}) };
    let post = null;
    if (navigator.onLine) {
      try {
        post = await api.post(postsPath, body);
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
      }
    }
    composer.value = '';
    replyToId = null;
    replyingTo.hidden = true;
    if (post) {
      sent(post);
      const nobody = (post.unresolved_mentions ?? []).map((n) => `@${n}`);
      announce(`Your reply was posted.${nobody.length ? ` ${nobody.join(', ')} matched nobody in this network.` : ''}`);
    } else {
      showQueued(enqueue(postsPath, body));
      announce('You are offline: your reply is queued and will be sent when the connection is back.');
    }
  });

  // Replies waiting for the connection, shown where they will appear.
  const queuedArticles = new Map(); // outbox item id -> article
  function showQueued(item) {
    const article = h('article', { class: 'post post-queued', dataset: { queued: item.id }, 'aria-label': 'Queued post, waiting for the connection' },
      h('header', { class: 'post-header' }, avatar(me),
        h('div', {}, h('span', { class: 'post-author' }, me?.display_name ?? 'You'),
          h('p', { class: 'meta queued-status' }, 'Queued: it will be sent when the connection is back.'))),
      h('div', { class: 'prose queued-body' }, item.body.body));
    queuedArticles.set(item.id, article);
    list.append(article);
  }
  const onSent = ({ detail: { item, result } }) => {
    if (item.path !== postsPath) return;
    queuedArticles.get(item.id)?.remove();
    queuedArticles.delete(item.id);
    sent(result);
    announce('Your queued reply was sent.');
  };
  const onRefused = ({ detail: { item, error } }) => {
    if (item.path !== postsPath) return;
    queuedArticles.get(item.id)?.remove();
    queuedArticles.delete(item.id);
    // The text goes back to the reply box, with the reason.
    if (!composer.value) composer.value = item.body.body;
    const alert = form.querySelector('.form-error');
    if (alert) { alert.textContent = `Your queued reply was not posted: ${error.message}`; alert.hidden = false; }
  };
  outbox.addEventListener('sent', onSent);
  outbox.addEventListener('refused', onRefused);

  // Read markers: the newest post that has been on screen.
  let readUpTo = thread.last_read_post_id;
  let readTimer = null;
  function markRead(postId) {
    if (readUpTo && BigInt(postId) <= BigInt(readUpTo)) return;
    readUpTo = postId;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => api.post(apiPath`/threads/${thread.id}/read`, { last_read_post_id: readUpTo })
      .then(() => document.dispatchEvent(new Event('staffroom:unread-changed')))
      .catch(() => {}), 500);
  }
  // A post counts as read once its end has been on screen (however tall it is).
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const { bottom } = entry.boundingClientRect;
      if (entry.isIntersecting && bottom <= (entry.rootBounds?.bottom ?? window.innerHeight)) markRead(entry.target.dataset.id);
    }
  }, { threshold: [0, 0.25, 0.5, 0.75, 1] });

  const moderation = [];
  if (isFacilitator) {
    for (const [flag, on, off] of [['pinned', 'Unpin', 'Pin'], ['locked', 'Unlock', 'Lock']]) {
      const button = h('button', { type: 'button', class: 'button button-quiet', 'aria-pressed': String(thread[flag]) }, thread[flag] ? on : off);
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          thread = await api.patch(apiPath`/threads/${thread.id}`, { [flag]: !thread[flag] });
          button.textContent = thread[flag] ? on : off;
          button.setAttribute('aria-pressed', String(thread[flag]));
          announce(`Thread ${thread[flag] ? flag : `un${flag}`}.`);
        } catch (error) { announce(error.message); } finally { button.disabled = false; }
      });
      moderation.push(button);
    }
  }
  // The author or a facilitator edits the title and tags, or deletes the thread.
  const isAuthor = thread.author?.id === me?.id;
  const headerEditor = h('div');
  if (isAuthor || isFacilitator) {
    const editTitle = h('button', { type: 'button', class: 'button button-quiet', dataset: { key: 'edit-thread' } }, 'Edit title and tags');
    editTitle.addEventListener('click', () => {
      if (headerEditor.firstChild) return;
      const form = h('form', { class: 'card stack', novalidate: true },
        field('Title', 'title', { value: thread.title, required: true, maxlength: 200 }),
        field('Tags', 'tags', { value: thread.tags.join(', '), hint: 'Comma-separated' }),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Save'),
          h('button', { type: 'button', class: 'button button-quiet', on: { click: () => { replace(headerEditor); editTitle.focus(); } } }, 'Cancel')));
      onSubmit(form, async (f) => {
        thread = await api.patch(apiPath`/threads/${thread.id}`, { title: f.elements.title.value.trim(), tags: splitList(f.elements.tags.value) });
        root.querySelector('h1').textContent = thread.title;
        root.querySelector('.page-header .tags')?.replaceWith(tagList(thread.tags) ?? h('span'));
        replace(headerEditor);
        editTitle.focus();
        announce('Thread saved.');
      });
      headerEditor.append(form);
      form.querySelector('input').focus();
    });
    const deleteThread = h('button', { type: 'button', class: 'button button-quiet button-danger' }, 'Delete thread');
    onClick(deleteThread, async () => {
      if (!confirm(`Delete “${thread.title}” and its replies?`)) return;
      await api.delete(apiPath`/threads/${thread.id}`);
      context.router.navigate(`/networks/${thread.network_id}`);
    });
    moderation.push(editTitle, deleteThread);
  }
  // Polls asked in this thread, and asking one here.
  const pollList = h('ul', { class: 'plain-list', 'aria-label': 'Polls in this thread' });
  const loadPolls = async () => {
    const page = await api.get(apiPath`/networks/${thread.network_id}/polls?thread_id=${thread.id}&limit=50`);
    replace(pollList, page.items.map((p) => h('li', {},
      h('a', { href: `/polls/${p.id}` }, p.question), ' · ',
      p.is_closed ? 'closed' : 'open', ' · ', plural(p.voter_count, 'answer'),
      p.my_vote ? ' · you answered' : '')));
    pollsHeading.hidden = !page.items.length;
  };
  const pollsHeading = h('h2', { hidden: true }, 'Polls in this thread');
  const pollsSection = h('section', { class: 'stack' }, pollsHeading, pollList,
    thread.locked ? null : h('details', { class: 'card' }, h('summary', {}, 'Ask a poll in this thread'),
      askForm(network, { threadId: thread.id, onAsked: (poll) => context.router.navigate(`/polls/${poll.id}`) })));
  const unread = thread.unread_count;
  const mayReply = !thread.locked || isFacilitator;
  const replyLink = mayReply ? h('a', { href: '#reply-heading', class: 'button button-quiet', 'aria-keyshortcuts': 'r' }, 'Reply') : null;
  replyLink?.addEventListener('click', (event) => { event.preventDefault(); focusReply(); });
  const shortcutsButton = h('button', { type: 'button', class: 'button button-quiet', 'aria-keyshortcuts': '?' }, 'Keyboard shortcuts');
  append(root, 
    h('header', { class: 'page-header' },
      h('p', { class: 'breadcrumb' }, h('a', { href: `/networks/${thread.network_id}` }, 'Back to discussions')),
      h('h1', {}, thread.title),
      tagList(thread.tags),
      headerEditor,
      h('div', { class: 'actions' }, follow, replyLink, moderation,
        unread > 0 && thread.last_read_post_id ? h('a', { href: '#first-unread', class: 'button button-quiet', id: 'jump-unread' }, `Jump to first unread (${unread})`) : null,
        shortcutsButton)),
    list, loadMore,
    pollsSection,
    thread.locked ? h('p', { class: 'notice' }, 'This thread is locked: only facilitators can reply.') : null,
    thread.locked && !isFacilitator ? null : form);

  // Follow the thread first, then load it: nothing written in between is missed. Events
  // that arrive while it loads wait, then apply (each one is idempotent).
  let loaded = false;
  const early = [];
  const onEvent = (event) => {
    const data = event.data ?? {};
    switch (event.kind) {
      case 'post.created':
        if (add(data, { live: loaded })) seen.observe(posts.get(data.id));
        break;
      case 'post.updated': {
        const article = posts.get(data.id);
        // Someone editing it here keeps their editor; the save brings the newest text.
        if (article && !article.querySelector('form')) add({ ...data, my_reactions: myReactions(article) });
        break;
      }
      case 'post.deleted': {
        const article = posts.get(data.id);
        if (article) replace(article, h('p', { class: 'muted' }, 'This post was deleted.'));
        break;
      }
      case 'reaction.changed':
        showReactions(data.post_id, data.reactions, null);
        break;
      case 'poll.created':
      case 'poll.updated':
      case 'poll.voted':
      case 'poll.deleted':
        loadPolls().catch(() => {});
        break;
      case 'thread.deleted':
        replace(root, h('h1', {}, 'This thread was deleted'), h('p', {}, h('a', { href: `/networks/${thread.network_id}` }, 'Back to discussions')));
        break;
      default:
        break;
    }
  };
  const subscription = live.subscribe([`thread:${thread.id}`], (event) => (loaded ? onEvent(event) : early.push(event)));
  await subscription.ready;
  while (pages === 0 || (cursor && pages < MAX_PAGES)) await loadPage();
  await loadPolls();
  loaded = true;
  early.forEach(onEvent);
  for (const article of posts.values()) seen.observe(article);

  // Mark where unread posts start, and open there unless the address names a post.
  if (thread.last_read_post_id && unread > 0) {
    const first = [...posts.values()].find((a) => BigInt(a.dataset.id) > BigInt(thread.last_read_post_id));
    if (first) {
      first.before(h('div', { class: 'unread-divider', id: 'first-unread', tabindex: '-1' }, h('span', {}, 'New since your last visit')));
      if (!hash || search.get('unread')) context.focus = document.getElementById('first-unread');
    }
  }

  // Moving between posts: from the focused one, or else from what is on screen.
  const move = (step) => {
    const articles = [...list.querySelectorAll(':scope > article.post')];
    if (!articles.length) return;
    const current = document.activeElement?.closest?.('article.post');
    let index = articles.indexOf(current);
    if (index < 0) {
      const below = articles.findIndex((a) => a.getBoundingClientRect().top >= 0);
      index = step > 0 ? (below < 0 ? articles.length - 1 : below) : Math.max(0, (below < 0 ? articles.length : below) - 1);
    } else index = Math.min(articles.length - 1, Math.max(0, index + step));
    const target = articles[index];
    target.setAttribute('tabindex', '-1');
    target.scrollIntoView({ block: 'start' });
    target.focus({ preventScroll: true });
  };
  const help = [['j', 'Next post'], ['k', 'Previous post'], ['Ctrl+Enter or ⌘+Enter', 'Send what you wrote']];
  if (mayReply) help.splice(2, 0, ['r', 'Reply (to the focused post)']);
  const stopShortcuts = listenForShortcuts({
    j: () => move(1),
    k: () => move(-1),
    r: () => {
      if (!mayReply) return;
      const current = document.activeElement?.closest?.('article.post');
      const post = current && !current.querySelector('form') ? { id: current.dataset.id, author: current.dataset.author ? { display_name: current.dataset.author } : null } : null;
      if (post) replyTo(post); else focusReply();
    },
  }, help);
  shortcutsButton.addEventListener('click', () => showShortcuts(help));

  for (const item of queuedFor(postsPath)) showQueued(item);
  if (navigator.onLine) flush();

  return () => {
    outbox.removeEventListener('sent', onSent);
    outbox.removeEventListener('refused', onRefused);
    stopShortcuts(); subscription.stop(); seen.disconnect(); clearTimeout(readTimer); delete document.body.dataset.network;
  };
}

function myReactions(article) {
  return [...article.querySelectorAll('.reaction[aria-pressed=true]')].map((b) => b.dataset.kind);
}
