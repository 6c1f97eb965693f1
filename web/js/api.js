// The API client: JSON in and out, problem+json errors as `ApiError`, and the session
// (access and refresh tokens) kept in localStorage so every tab shares one sign-in.
// Refresh tokens rotate and a reused one revokes its family, so tabs must never refresh
// with the same token twice: a refresh runs under a Web Lock, and a tab that finds a newer
// session stored meanwhile takes that one instead.

const BASE = '/api/v1';
const STORAGE_KEY = 'staffroom.session';
const LOCK = 'staffroom-refresh';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `Request failed (${status})`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** `{field: message}` of a 422, else {}. */
  get fieldErrors() { return this.problem.errors ?? {}; }
}

export const sessionChanges = new EventTarget();
let session = readStored();
let refreshing = null;

function readStored() {
  try { return JSON.parse(localStorage.getItem(STORAGE_KEY)); } catch { return null; }
}

window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  const before = session?.member?.id;
  session = readStored();
  if (session?.member?.id !== before) sessionChanges.dispatchEvent(new Event('change'));
});

export function currentMember() { return session?.member ?? null; }
export function isSignedIn() { return Boolean(session?.refresh_token); }

/** Stores what /auth/login, /auth/register or a consumed link returned. */
export function startSession(payload) {
  const before = session?.member?.id;
  keep(payload);
  // A refresh keeps the same member: nothing on the page needs to change.
  if (before !== payload.member?.id) sessionChanges.dispatchEvent(new Event('change'));
}

function keep(payload) {
  session = {
    member: payload.member,
    access_token: payload.access_token,
    refresh_token: payload.refresh_token,
    expires_at: Date.now() + payload.expires_in * 1000,
  };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function updateMember(member) {
  if (!session) return;
  session = { ...session, member };
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  sessionChanges.dispatchEvent(new Event('member'));
}

export async function signOut() {
  const token = session?.refresh_token;
  endSession();
  if (token) {
    await request('POST', '/auth/logout', { refresh_token: token }, { auth: false }).catch(() => {});
  }
}

function endSession() {
  session = null;
  localStorage.removeItem(STORAGE_KEY);
  sessionChanges.dispatchEvent(new Event('change'));
}

/** A valid access token, refreshed first when it is about to expire; null when signed out. */
export async function accessToken() {
  if (!session) return null;
  if (session.expires_at - Date.now() < 30_000) await refresh(session.refresh_token);
  return session?.access_token ?? null;
}

function refresh(used) {
  refreshing ??= runRefresh(used).finally(() => { refreshing = null; });
  return refreshing;
}

async function runRefresh(used) {
  const work = async () => {
    const stored = readStored();
    if (stored && stored.refresh_token !== used) {
      session = stored; // another tab refreshed already
      return;
    }
    try {
      startSession(await request('POST', '/auth/refresh', { refresh_token: used }, { auth: false }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) endSession();
      else throw error;
    }
  };
  if (navigator.locks?.request) await navigator.locks.request(LOCK, work);
  else await work();
}

/**
 * Calls the API. `body` is sent as JSON (or as is, for FormData, and for a Blob with its
 * type: a CSV file). Resolves to the parsed JSON (null for 204), or with `raw` to the
 * response's text (`raw: 'blob'`: its bytes); rejects with ApiError.
 */
export async function request(method, path, body, { auth = true, signal, raw = false } = {}) {
  refuseStrayPath(path);
  const send = async () => {
    const headers = { accept: raw ? '*/*' : 'application/json' };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body instanceof Blob) {
      headers['content-type'] = body.type || 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const token = auth ? await accessToken() : null;
    if (token) headers.authorization = `Bearer ${token}`;
    return fetch(BASE + path, { method, headers, body: payload, signal });
  };
  let response = await send();
  if (response.status === 401 && auth && session) {
    await refresh(session.refresh_token);
    if (!session) throw new ApiError(401, { title: 'Please sign in again.' });
    response = await send();
  }
  if (raw && response.ok) return raw === 'blob' ? response.blob() : response.text();
  return parse(response, auth);
}

async function parse(response, auth) {
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401 && auth && session) endSession();
    const error = new ApiError(response.status, data ?? { title: response.statusText });
    error.retryAfter = Number(response.headers.get('retry-after')) || null;
    throw error;
  }
  return data;
}

export const api = {
  get: (path, options) => request('GET', path, undefined, options),
  post: (path, body, options) => request('POST', path, body ?? {}, options),
  patch: (path, body, options) => request('PATCH', path, body, options),
  put: (path, body, options) => request('PUT', path, body, options),
  delete: (path, options) => request('DELETE', path, undefined, options),
};

/** Every item of a cursor-paginated list (`path` may carry a query already). */
export async function everything(path) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await request('GET', `${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** A query string built by `query()`: `apiPath` keeps it as it is. */
class Query extends String {}

/** Builds a query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return new Query(text ? `?${text}` : '');
}

/**
 * An API path with every value put into it encoded: apiPath`/threads/${id}/posts`, or
 * apiPath`/networks/${id}/threads${query({ tag })}` (a `query()` string is kept as it is).
 * Ids come from web addresses and from responses; encoded, none can reach another path.
 */
export function apiPath(strings, ...values) {
  let path = strings[0];
  values.forEach((value, i) => {
    path += (value instanceof Query ? String(value) : encodeURIComponent(String(value))) + strings[i + 1];
  });
  return path;
}

/**
 * Whether `path` would be read as another path than it says: a `.` or `..` segment (which
 * the URL parser resolves, `%2e` spelled or not) or a backslash (which it reads as `/`).
 * `encodeURIComponent` leaves dots alone, so this is checked before every request.
 */
function leavesItsPath(path) {
  const pathname = path.split(/[?#]/, 1)[0];
  return !pathname.startsWith('/') || pathname.includes('\\')
    || pathname.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

function refuseStrayPath(path) {
  if (leavesItsPath(path)) {
    throw new ApiError(404, { title: 'Not found', detail: 'This address does not name anything.' });
  }
}

/**
 * Sends multipart `form` to `path` with upload progress (`onProgress(fraction)`), which
 * fetch cannot report. Resolves to the parsed JSON, rejects with ApiError.
 */
export async function upload(path, form, onProgress) {
  refuseStrayPath(path);
  const send = (token) => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BASE + path);
    xhr.setRequestHeader('accept', 'application/json');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      resolve({ status: xhr.status, data });
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { title: 'The upload was interrupted. Check your connection and try again.' })));
    xhr.send(form);
  });
  let result = await send(await accessToken());
  if (result.status === 401 && session) {
    await refresh(session.refresh_token);
    result = await send(await accessToken());
  }
  if (result.status < 200 || result.status >= 300) throw new ApiError(result.status, result.data);
  return result.data;
}
