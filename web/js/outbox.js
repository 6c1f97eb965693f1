// What was written while the connection was down: kept in this tab's storage beside the
// drafts (so a reload loses nothing), and sent in order once the connection is back, from
// whatever page the tab shows by then. Views show their queued items and hear `sent` (with
// the API's answer) or `refused` (the server said no: the text goes back to its writer).

import { api, ApiError, isSignedIn } from './api.js';
import { live } from './live.js';

const KEY = 'staffroom.outbox';

export const outbox = new EventTarget();

/** Did `error` come from the network being gone (rather than from the server)? */
export function isConnectionFailure(error) {
  return !(error instanceof ApiError) && (error instanceof TypeError || !navigator.onLine);
}

function read() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) ?? []; } catch { return []; }
}

function write(items) {
  if (items.length) sessionStorage.setItem(KEY, JSON.stringify(items));
  else sessionStorage.removeItem(KEY);
}

/** Keeps `body` to be POSTed to `path` when the connection is back; resolves to the item. */
export function enqueue(path, body) {
  const item = { id: `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`, path, body, queued_at: new Date().toISOString() };
  write([...read(), item]);
  return item;
}

/** The items waiting to be sent to `path`. */
export function queuedFor(path) {
  return read().filter((item) => item.path === path);
}

let flushing = null;

/** Sends what waits, oldest first; stops at the first connection failure. */
export function flush() {
  flushing ??= send().finally(() => { flushing = null; });
  return flushing;
}

async function send() {
  while (isSignedIn()) {
    const [item] = read();
    if (!item) return;
    let result;
    try {
      result = await api.post(item.path, item.body);
    } catch (error) {
      if (isConnectionFailure(error)) return; // still down: the next `online` tries again
      write(read().filter((i) => i.id !== item.id));
      outbox.dispatchEvent(new CustomEvent('refused', { detail: { item, error } }));
      continue;
    }
    write(read().filter((i) => i.id !== item.id));
    outbox.dispatchEvent(new CustomEvent('sent', { detail: { item, result } }));
  }
}

window.addEventListener('online', () => flush());
live.addEventListener('status', ({ detail }) => { if (detail === 'online') flush(); });
