// <sr-messages>: the link to direct messages, with a live count of unread messages.

import { api } from '../api.js';
import { live } from '../live.js';
import { h, announce } from '../dom.js';

const ENVELOPE = '<path d="M4 6h16v12H4z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="m4 7 8 6 8-6" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/>';

class MessagesLink extends HTMLElement {
  #stop = null;

  connectedCallback() {
    const glyph = document.createElement('span');
    glyph.className = 'icon';
    glyph.setAttribute('aria-hidden', 'true');
    // Static markup, never data.
    glyph.innerHTML = `<svg viewBox="0 0 24 24" width="22" height="22" focusable="false">${ENVELOPE}</svg>`;
    this.link = h('a', { href: '/conversations', class: 'bell' }, glyph, h('span', { class: 'bell-count', hidden: true }));
    this.replaceChildren(this.link);
    this.#show(0);
    this.refresh();
    this.#stop = live.subscribe(['me'], (event) => {
      if (event.kind === 'message.created') {
        this.refresh();
        const mine = event.data?.message?.author?.id === this.dataset.me;
        if (!mine && !location.pathname.startsWith(`/conversations/${event.data?.conversation_id}`)) {
          announce(`New message from ${event.data?.message?.author?.display_name ?? 'a colleague'}`);
        }
      } else if (event.kind === 'conversation.read') {
        this.#show(event.data?.unread_count ?? 0);
      }
    }).stop;
    this.onReset = () => this.refresh();
    live.addEventListener('reset', this.onReset);
  }

  disconnectedCallback() {
    this.#stop?.();
    live.removeEventListener('reset', this.onReset);
  }

  async refresh() {
    try {
      const page = await api.get('/conversations?limit=1');
      this.#show(page.unread_count ?? 0);
    } catch {
      // keeps the last count
    }
  }

  #show(count) {
    const badge = this.link.querySelector('.bell-count');
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? '99+' : String(count);
    this.link.setAttribute('aria-label', count ? `Messages, ${count} unread` : 'Messages');
    this.dataset.unread = String(count);
  }
}

customElements.define('sr-messages', MessagesLink);
