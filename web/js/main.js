// Boots the client: the page's frame (top bar, networks, connection status), the live
// connection, then the router, which renders the page for the current address.

import { currentMember, isSignedIn, request, sessionChanges, signOut } from './api.js';
import { live } from './live.js';
import { router } from './router.js';
import { h, replace, icon } from './dom.js';
import { flush as sendQueued } from './outbox.js';
import './components/bell.js';
import './components/messages-link.js';
import './components/network-nav.js';

const tools = document.getElementById('topbar-tools');
const sidebar = document.getElementById('sidebar');
const connection = document.getElementById('connection');
let networksButton = null;

document.addEventListener('staffroom:navigated', () => {
  sidebar.classList.remove('open');
  networksButton?.setAttribute('aria-expanded', 'false');
});

function renderFrame() {
  const member = currentMember();
  if (!member) {
    sidebar.hidden = true;
    replace(sidebar);
    replace(tools,
      h('a', { href: '/sign-in', class: 'button button-quiet' }, 'Sign in'),
      h('a', { href: '/sign-up', class: 'button' }, 'Create an account'));
    return;
  }
  const search = h('form', { class: 'topbar-search', role: 'search', action: '/search' },
    h('label', { for: 'topbar-q', class: 'visually-hidden' }, 'Search Staffroom'),
    h('input', { id: 'topbar-q', name: 'q', type: 'search', placeholder: 'Search threads, resources, people…', autocomplete: 'off' }),
    h('button', { type: 'submit', class: 'icon-button', 'aria-label': 'Search' }, icon('search', 20)));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = search.elements.q.value.trim();
    if (q) router.navigate(`/search?q=${encodeURIComponent(q)}`);
  });
  const signOutButton = h('button', { type: 'button', class: 'button-quiet' }, 'Sign out');
  signOutButton.addEventListener('click', () => signOut());
  // On a phone the networks fold away behind this button.
  networksButton = h('button', { type: 'button', class: 'icon-button networks-toggle', 'aria-controls': 'sidebar', 'aria-expanded': 'false' },
    icon('menu', 22), h('span', { class: 'visually-hidden' }, 'Your networks'));
  networksButton.addEventListener('click', () => {
    const open = !sidebar.classList.contains('open');
    sidebar.classList.toggle('open', open);
    networksButton.setAttribute('aria-expanded', String(open));
    if (open) sidebar.querySelector('a')?.focus();
  });
  replace(tools, networksButton, search, h('sr-messages', { dataset: { me: member.id } }), h('sr-bell'),
    h('a', { href: '/settings', class: 'account' }, member.display_name),
    signOutButton);
  sidebar.hidden = false;
  if (!sidebar.querySelector('sr-network-nav')) replace(sidebar, h('sr-network-nav'));
}

let wasOnline = false;
let hideTimer = null;
live.addEventListener('status', ({ detail: status }) => {
  clearTimeout(hideTimer);
  if (status === 'online') {
    connection.textContent = wasOnline ? 'Connected again. Live updates are back.' : '';
    connection.dataset.state = 'online';
    wasOnline = true;
    hideTimer = setTimeout(() => { connection.textContent = ''; delete connection.dataset.state; }, 4000);
  } else if (status === 'reconnecting' && wasOnline) {
    sayLost();
  }
});
const OFFLINE = 'You are offline. What you write is kept and sent when the connection is back.';
function sayLost() {
  // A repeated message is not spoken again: only change it when it changes.
  const text = navigator.onLine ? 'Connection lost. Reconnecting…' : OFFLINE;
  if (connection.textContent !== text) connection.textContent = text;
  connection.dataset.state = 'lost';
}
// The browser knows first when the network goes: say so at once, signed in or not.
window.addEventListener('offline', () => { clearTimeout(hideTimer); sayLost(); });
window.addEventListener('online', () => {
  if (connection.textContent === OFFLINE) connection.textContent = 'Back online. Reconnecting…';
  if (!isSignedIn()) { connection.textContent = ''; delete connection.dataset.state; }
});
live.addEventListener('reset', () => router.reload());

sessionChanges.addEventListener('change', () => {
  renderFrame();
  if (isSignedIn()) {
    live.connect();
  } else {
    live.disconnect();
    wasOnline = false;
    if (!/^\/(sign-in|sign-up|invitations)/.test(location.pathname)) router.navigate('/sign-in');
  }
});
// A changed name shows in the top bar; nothing else there is rebuilt (a half-typed search
// and the focus stay where they are).
sessionChanges.addEventListener('member', () => {
  const account = tools.querySelector('.account');
  if (account) account.textContent = currentMember()?.display_name ?? '';
});

// Access ends at once when a member is removed: the networks list forgets the network, and
// a page showing it reloads (and finds it gone).
live.addEventListener('problem', ({ detail }) => {
  if (detail.code !== 'access_revoked') return;
  document.dispatchEvent(new Event('staffroom:networks-changed'));
  const shown = document.body.dataset.network;
  if (shown && (detail.topics ?? []).includes(`network:${shown}`)) router.reload();
});

renderFrame();
if (isSignedIn()) live.connect();
// What a previous visit of this tab queued and never sent goes now, if it can.
if (isSignedIn() && navigator.onLine) sendQueued();
router.start(document.getElementById('main'));

// Lets browser tests cut the connection the way a network failure would, and set up what a
// journey needs through the API as the signed-in member.
window.staffroom = { live, router, request };
