// <sr-bell>: the notifications link with a live unread count, which drops as soon as what
// they were about is read, in this tab or another (`notification.read`).

import { api } from '../api.js';
import { live } from '../live.js';
import { h, announce, icon } from '../dom.js';

class Bell extends HTMLElement {
  #stop = null;
  #count = 0;

  connectedCallback() {
    this.link = h('a', { href: '/notifications', class: 'bell' },
      icon('bell'),
      h('span', { class: 'bell-count', hidden: true }));
    this.replaceChildren(this.link);
    this.#show(0);
    this.refresh();
    this.#stop = live.subscribe(['me'], async (event) => {
      // Read in another tab, or settled by reading what it was about: just the count.
      if (event.kind === 'notification.read') { this.refresh(); return; }
      if (event.kind !== 'notification.created') return;
      // The event carries the record; the words come with the list.
      const newest = await this.refresh();
      announce(newest?.headline ? `New notification: ${newest.headline}` : 'New notification');
    }).stop;
    this.onRead = () => this.refresh();
    document.addEventListener('staffroom:notifications-read', this.onRead);
    live.addEventListener('reset', this.onRead);
  }

  disconnectedCallback() {
    this.#stop?.();
    document.removeEventListener('staffroom:notifications-read', this.onRead);
    live.removeEventListener('reset', this.onRead);
  }

  /** Shows the unread count; resolves to the newest unread notification. */
  async refresh() {
    try {
      const page = await api.get('/notifications?unread=true&limit=1');
      this.#show(page.unread_count ?? 0);
      return page.items?.[0] ?? null;
    } catch {
      return null; // keeps the last count; pages show their own errors
    }
  }

  #show(count) {
    this.#count = count;
    const badge = this.link.querySelector('.bell-count');
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? '99+' : String(count);
    this.link.setAttribute('aria-label', count ? `Notifications, ${count} unread` : 'Notifications');
    this.dataset.unread = String(count);
  }
}

customElements.define('sr-bell', Bell);
