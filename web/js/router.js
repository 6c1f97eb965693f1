// Path routes on the web addresses of the API contract ("Web addresses"): links in emails,
// search hits and notifications open the right page; back, forward and reload work. Each
// view is a module loaded when first needed.

import { isSignedIn } from './api.js';
import { h, replace, announce } from './dom.js';

/** [pattern, view module, needs sign-in] — `:name` matches one path segment. */
const ROUTES = [
  ['/', 'home', true],
  ['/sign-in', 'sign-in', false],
  ['/sign-up', 'sign-up', false],
  ['/sign-in/link', 'sign-in-link', false],
  ['/invitations/:token', 'invitation', false],
  ['/join/:token', 'join', false],
  ['/networks/:id', 'network', true],
  ['/networks/:id/:tab', 'network', true],
  ['/threads/:id', 'thread', true],
  ['/resources/:id', 'resource', true],
  ['/help-requests/:id', 'help-request', true],
  ['/convenings/:id', 'convening', true],
  ['/initiatives/:id', 'initiative', true],
  ['/tests/:id', 'test-of-change', true],
  ['/members/:id', 'member', true],
  ['/conversations', 'conversations', true],
  ['/conversations/:id', 'conversation', true],
  ['/polls/:id', 'poll', true],
  ['/search', 'search', true],
  ['/notifications', 'notifications', true],
  ['/settings', 'settings', true],
];

/**
 * What each kind of route parameter looks like. A page whose address names something else
 * (`/conversations/..%2F..%2Fme`) is not found, and asks the API nothing.
 */
const PARAMETERS = {
  id: /^[0-9]+$/,
  tab: /^[a-z-]+$/,
  token: /^[A-Za-z0-9_-]+$/,
};

/** Paths the server answers itself: never routed in the page. */
const SERVER_PATHS = /^\/(api|docs|healthz|readyz|metrics|assets|unsubscribe)(\/|$)/;

function decoded(segment) {
  try { return decodeURIComponent(segment); } catch { return null; }
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, view, needsSignIn] of ROUTES) {
    const expected = pattern.split('/').filter(Boolean);
    if (expected.length !== parts.length) continue;
    const params = {};
    const ok = expected.every((segment, i) => {
      if (!segment.startsWith(':')) return segment === parts[i];
      const name = segment.slice(1);
      const value = decoded(parts[i]);
      params[name] = value;
      return value !== null && PARAMETERS[name].test(value);
    });
    if (ok) return { view, params, needsSignIn };
  }
  return { view: 'not-found', params: {}, needsSignIn: false };
}

/** Links sent before path routes (`/#/threads/4`, `/#/magic-link?token=`) still work. */
function fromOldHash(url) {
  if (!url.hash.startsWith('#/')) return null;
  const target = new URL(url.hash.slice(1), url.origin);
  if (target.pathname === '/magic-link') target.pathname = '/sign-in/link';
  return target.pathname + target.search + target.hash;
}

class Router {
  #main = null;
  #cleanup = null;
  #generation = 0;
  #firstPage = true;

  start(main) {
    this.#main = main;
    const old = fromOldHash(new URL(location.href));
    if (old) history.replaceState(null, '', old);
    document.addEventListener('click', (event) => this.#intercept(event));
    window.addEventListener('popstate', () => this.#render({ restoring: true }));
    return this.#render({});
  }

  /** Goes to a path of this app (pushes a history entry unless `replace`). */
  navigate(path, { replace: replaceEntry = false } = {}) {
    if (replaceEntry) history.replaceState(null, '', path);
    else history.pushState(null, '', path);
    return this.#render({});
  }

  /** Renders the current page again (after signing in, or when live updates were lost). */
  reload() { return this.#render({ restoring: true }); }

  #intercept(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest?.('a[href]');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || SERVER_PATHS.test(url.pathname)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page
    event.preventDefault();
    this.navigate(url.pathname + url.search + url.hash);
  }

  async #render({ restoring }) {
    const generation = ++this.#generation;
    const url = new URL(location.href);
    const route = match(url.pathname);
    if (route.needsSignIn && !isSignedIn()) {
      const next = url.pathname + url.search + url.hash;
      history.replaceState(null, '', `/sign-in${next === '/' ? '' : `?next=${encodeURIComponent(next)}`}`);
      return this.#render({ restoring });
    }
    this.#cleanup?.();
    this.#cleanup = null;
    let module;
    try {
      module = await import(`./views/${route.view}.js`);
    } catch (error) {
      console.error(error);
      replace(this.#main, h('h1', { tabindex: '-1' }, 'This page could not be loaded'),
        h('p', {}, 'Check your connection and reload the page.'));
      return;
    }
    if (generation !== this.#generation) return; // a newer navigation won
    const view = h('div', { class: `view view-${route.view}` });
    replace(this.#main, view);
    // A view may set `context.focus` to where reading should start (the first unread post).
    const context = { params: route.params, query: url.searchParams, hash: url.hash, root: view, router: this, focus: null };
    try {
      const cleanup = await module.render(context);
      if (generation !== this.#generation) { if (typeof cleanup === 'function') cleanup(); return; }
      this.#cleanup = typeof cleanup === 'function' ? cleanup : null;
    } catch (error) {
      if (generation !== this.#generation) return;
      renderFailure(view, error);
    }
    this.#arrive(view, url, restoring, context.focus);
  }

  /** Focus and scroll for a new page, and tell screen-reader users where they are. */
  #arrive(view, url, restoring, focus) {
    const heading = view.querySelector('h1');
    document.title = heading ? `${heading.textContent} · Staffroom` : 'Staffroom';
    const target = (url.hash ? document.getElementById(decodeURIComponent(url.hash.slice(1))) : null) ?? focus;
    if (target) {
      target.scrollIntoView({ block: 'start' });
      target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
    } else if (!this.#firstPage) {
      // A new page in place of the old: start reading (and tabbing) at its heading, as
      // after a full page load, and say where we are.
      if (!restoring) window.scrollTo(0, 0);
      if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
      if (heading) announce(heading.textContent);
    }
    this.#firstPage = false;
    document.dispatchEvent(new CustomEvent('staffroom:navigated', { detail: { path: url.pathname } }));
  }
}

function renderFailure(view, error) {
  const status = error?.status;
  if (status === 404) {
    replace(view, h('h1', {}, 'Not found'),
      h('p', {}, 'This page does not exist, or it is in a network you are not a member of.'),
      h('p', {}, h('a', { href: '/' }, 'Back to your networks')));
    return;
  }
  console.error(error);
  replace(view, h('h1', {}, 'Something went wrong'),
    h('p', { role: 'alert' }, error?.message ?? 'The page could not be shown.'),
    h('p', {}, h('a', { href: location.pathname + location.search }, 'Try again')));
}

export const router = new Router();
