import { h } from '../dom.js';

export async function render({ root }) {
  root.append(h('h1', {}, 'Not found'),
    h('p', {}, 'There is no page at this address.'),
    h('p', {}, h('a', { href: '/' }, 'Back to your networks')));
}
