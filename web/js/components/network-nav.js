// <sr-network-nav>: the networks you belong to, sub-networks nested under their parents,
// the current one marked, each with how many of its threads have something unread.
// Refreshes when memberships change, and the counts after reading or moving on. A refresh
// that fails (offline) keeps what is shown and is tried again when the connection is back.

import { everything } from '../api.js';
import { h, replace } from '../dom.js';

class NetworkNav extends HTMLElement {
  connectedCallback() {
    this.refresh = () => this.load();
    this.mark = () => { this.#markCurrent(); this.#later(); };
    this.recount = () => this.#later();
    document.addEventListener('staffroom:networks-changed', this.refresh);
    document.addEventListener('staffroom:navigated', this.mark);
    document.addEventListener('staffroom:unread-changed', this.recount);
    window.addEventListener('online', this.refresh);
    this.load();
  }

  disconnectedCallback() {
    document.removeEventListener('staffroom:networks-changed', this.refresh);
    document.removeEventListener('staffroom:navigated', this.mark);
    document.removeEventListener('staffroom:unread-changed', this.recount);
    window.removeEventListener('online', this.refresh);
    clearTimeout(this.timer);
  }

  /** One reload for a burst of reasons (a page read, then left). */
  #later() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.load(), 800);
  }

  async load() {
    let networks;
    try {
      networks = await everything('/networks'); // an instance admin sees every listed one too
    } catch (error) {
      // The list already shown stays (its counts a moment old) until a refresh succeeds.
      if (this.querySelector('a[data-network]')) return;
      const why = navigator.onLine ? error.message : 'you are offline; they will load when the connection is back';
      replace(this, h('p', { class: 'form-error', role: 'alert' }, `Your networks could not be loaded: ${why}`));
      return;
    }
    const mine = networks.filter((n) => n.is_member || n.role);
    const ids = new Set(mine.map((n) => n.id));
    const children = new Map();
    for (const network of mine) {
      const parent = ids.has(network.parent_id) ? network.parent_id : null;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(network);
    }
    const tree = (parent) => {
      const list = children.get(parent);
      if (!list?.length) return null;
      return h('ul', {}, list.map((n) => h('li', {},
        h('a', { href: `/networks/${n.id}`, dataset: { network: n.id } },
          h('span', { class: 'nav-name' }, n.name),
          n.unread_count ? h('span', { class: 'nav-unread' }, String(n.unread_count), h('span', { class: 'visually-hidden' }, ' unread')) : null),
        tree(n.id))));
    };
    replace(this,
      h('h2', { class: 'sidebar-title' }, 'Your networks'),
      tree(null) ?? h('p', { class: 'muted' }, 'No networks yet.'));
    this.#markCurrent();
  }

  #markCurrent() {
    const current = location.pathname.match(/^\/networks\/([^/]+)/)?.[1] ?? document.body.dataset.network;
    for (const link of this.querySelectorAll('a[data-network]')) {
      if (link.dataset.network === current) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }
}

customElements.define('sr-network-nav', NetworkNav);
