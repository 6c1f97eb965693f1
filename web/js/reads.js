// Opening a help request, poll, convening, resource, initiative or test of change tells the
// server it was read (`POST /{kind}/{id}/read`): its notifications settle, and the unread
// counts around the page are asked again.

import { api, apiPath } from './api.js';

/** `kind` is the API's collection: `help-requests`, `polls`, `convenings`, `resources`, `initiatives`, `tests`. */
export function markOpened(kind, id) {
  api.post(apiPath`/${kind}/${id}/read`, {})
    .then(() => document.dispatchEvent(new Event('staffroom:unread-changed')))
    .catch(() => {}); // the page works without it; it is asked again next time
}
