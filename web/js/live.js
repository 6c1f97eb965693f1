// The live connection: one WebSocket per tab, topics counted by the views that want them,
// reconnecting by itself with backoff. Events of one topic come in id order (replayed, then
// live), but topics interleave, so the position is kept per topic: the newest event id seen
// on it, or where its subscription started. After a lost connection each topic is
// subscribed again from its position and the server replays what was missed. A topic with
// no position yet, or the server saying too much was missed (`reset`), makes views reload
// their data instead. A lost connection is noticed at once: the browser's `offline` event
// closes the socket, and so does a heartbeat ping left unanswered (a socket on a dead
// network can stay "open" for minutes).

import { accessToken, isSignedIn } from './api.js';

const MAX_DELAY_MS = 30_000;
/** A ping this often; one unanswered by the next and the connection counts as lost. */
const HEARTBEAT_MS = 10_000;

class Live extends EventTarget {
  #socket = null;
  #topics = new Map(); // topic -> number of subscribers
  #positions = new Map(); // topic -> newest event id delivered (or subscribed from)
  #waiting = new Map(); // topic -> resolvers of `ready`
  #attempt = 0;
  #retryTimer = null;
  #renewTimer = null;
  #authenticated = false;
  #connectedBefore = false;
  #heartbeatTimer = null;
  #lastHeard = 0;
  status = 'offline';
  /** How many times the server said too much was missed (the page reloaded instead). */
  resets = 0;

  /**
   * Receives events of `topics` until `stop()`. `ready` resolves once the server follows
   * them (or at once when offline): load the page's data after it, and no event is missed
   * between the two. Handlers must be idempotent: replays may repeat what the load showed.
   */
  subscribe(topics, onEvent) {
    const added = [];
    const acknowledged = [];
    this.connect();
    const connected = this.#socket !== null;
    for (const topic of topics) {
      const count = this.#topics.get(topic) ?? 0;
      this.#topics.set(topic, count + 1);
      if (count === 0) added.push(topic);
      if (connected && !this.#positions.has(topic)) {
        acknowledged.push(new Promise((resolve) => {
          this.#waiting.set(topic, [...(this.#waiting.get(topic) ?? []), resolve]);
        }));
      }
    }
    const listener = (event) => { if (topics.includes(event.detail.topic)) onEvent(event.detail); };
    this.addEventListener('event', listener);
    if (added.length) this.#sendSubscribe(added);
    const ready = Promise.race([Promise.all(acknowledged), new Promise((r) => setTimeout(r, 5_000))]);
    const stop = () => {
      this.removeEventListener('event', listener);
      const removed = [];
      for (const topic of topics) {
        const count = (this.#topics.get(topic) ?? 1) - 1;
        if (count <= 0) {
          this.#topics.delete(topic);
          this.#positions.delete(topic);
          removed.push(topic);
        } else this.#topics.set(topic, count);
      }
      if (removed.length && this.#authenticated) this.#send({ type: 'unsubscribe', topics: removed });
    };
    return { ready, stop };
  }

  connect() {
    if (this.#socket || !isSignedIn()) return;
    clearTimeout(this.#retryTimer);
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    this.#setStatus(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    socket.addEventListener('open', async () => {
      const token = await accessToken().catch(() => null);
      if (!token) { socket.close(); return; }
      this.#send({ type: 'auth', access_token: token });
    });
    socket.addEventListener('message', (message) => {
      if (this.#socket === socket) this.#lastHeard = Date.now();
      this.#receive(message.data);
    });
    socket.addEventListener('close', () => this.#closed(socket));
  }

  /** Closes for good (signing out). */
  disconnect() {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#renewTimer);
    clearInterval(this.#heartbeatTimer);
    this.#positions.clear();
    this.#connectedBefore = false;
    this.#attempt = 0;
    this.#releaseWaiting();
    const socket = this.#socket;
    this.#socket = null;
    this.#authenticated = false;
    socket?.close(1000);
    this.#setStatus('offline');
  }

  /** Drops the connection as a network failure would (used to test recovery). */
  drop() {
    const socket = this.#socket;
    if (!socket) return;
    // A close on a dead network waits for an answer that never comes: give up on it now.
    this.#closed(socket);
    socket.close(4000);
  }

  #startHeartbeat() {
    clearInterval(this.#heartbeatTimer);
    this.#lastHeard = Date.now();
    let pingedAt = 0;
    // Judged by the ping still unanswered, not by the clock alone: a background tab's timers
    // run late, and a late tick is no silence.
    this.#heartbeatTimer = setInterval(() => {
      if (pingedAt && this.#lastHeard < pingedAt) { this.drop(); return; }
      pingedAt = Date.now();
      this.#send({ type: 'ping' });
    }, HEARTBEAT_MS);
  }

  #receive(raw) {
    let message;
    try { message = JSON.parse(raw); } catch { return; }
    switch (message.type) {
      case 'authenticated': {
        // The answer to a renewed token, too: then the topics are followed already.
        const renewal = this.#authenticated;
        this.#authenticated = true;
        this.#attempt = 0;
        this.#setStatus('online');
        if (!renewal) this.#startHeartbeat();
        this.#scheduleRenewal(message.expires_at);
        if (!renewal) this.#resubscribe();
        break;
      }
      case 'subscribed':
        for (const topic of message.topics) {
          if (!this.#positions.has(topic)) this.#positions.set(topic, message.last_event_id);
          this.#release(topic);
        }
        break;
      case 'event': {
        const position = this.#positions.get(message.topic);
        if (position !== undefined && !newer(message.id, position)) return; // seen
        this.#positions.set(message.topic, message.id);
        this.dispatchEvent(new CustomEvent('event', { detail: message }));
        break;
      }
      case 'reset':
        this.resets += 1;
        this.#positions.clear();
        this.dispatchEvent(new Event('reset'));
        break;
      case 'error':
        // A refused topic will never be acknowledged: nobody should wait for it.
        for (const topic of message.topics ?? []) this.#release(topic);
        if (message.code === 'forbidden_topic') this.#releaseWaiting();
        this.dispatchEvent(new CustomEvent('problem', { detail: message }));
        break;
      default:
        break;
    }
  }

  #release(topic) {
    for (const resolve of this.#waiting.get(topic) ?? []) resolve();
    this.#waiting.delete(topic);
  }

  #releaseWaiting() {
    for (const topic of [...this.#waiting.keys()]) this.#release(topic);
  }

  #closed(socket) {
    if (this.#socket !== socket) return; // replaced or disconnected on purpose
    this.#socket = null;
    this.#authenticated = false;
    this.#releaseWaiting();
    clearTimeout(this.#renewTimer);
    clearInterval(this.#heartbeatTimer);
    if (!isSignedIn()) { this.#setStatus('offline'); return; }
    this.#setStatus('reconnecting');
    const delay = Math.min(MAX_DELAY_MS, 500 * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => this.connect(), delay);
  }

  #sendSubscribe(topics) {
    if (!this.#authenticated) return; // sent on authentication
    this.#send({ type: 'subscribe', topics });
  }

  /** After (re)connecting: every topic from its position, in one message per position. */
  #resubscribe() {
    const byPosition = new Map();
    const lost = [];
    for (const topic of this.#topics.keys()) {
      const position = this.#positions.get(topic);
      if (position === undefined) lost.push(topic);
      else byPosition.set(position, [...(byPosition.get(position) ?? []), topic]);
    }
    for (const [position, topics] of byPosition) {
      this.#send({ type: 'subscribe', topics, last_event_id: position });
    }
    if (lost.length) this.#sendSubscribe(lost);
    // Topics subscribed while offline were never followed: what they show may be stale.
    if (lost.length && this.#connectedBefore) this.dispatchEvent(new Event('reset'));
    this.#connectedBefore = true;
  }

  #scheduleRenewal(expiresAt) {
    clearTimeout(this.#renewTimer);
    // Inside the API client's refresh margin (30 s), so the token sent is a fresh one.
    const due = expiresAt * 1000 - Date.now() - 25_000;
    this.#renewTimer = setTimeout(async () => {
      const token = await accessToken().catch(() => null);
      if (token) this.#send({ type: 'auth', access_token: token });
    }, Math.max(due, 1_000));
  }

  #send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #setStatus(status) {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new CustomEvent('status', { detail: status }));
  }
}

/** Ids are decimal strings of any length. */
function newer(a, b) {
  return a.length !== b.length ? a.length > b.length : a > b;
}

export const live = new Live();

// Come back at once when the network does, instead of waiting out the backoff; and let go
// at once when it goes.
window.addEventListener('online', () => live.connect());
window.addEventListener('offline', () => live.drop());
