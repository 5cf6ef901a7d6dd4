// The management API over fetch with HTTP basic auth, as RabbitMQ's UI does it: the
// credentials live in sessionStorage (gone with the tab), every call sends them, and no
// cookie is used (credentials: 'omit', which also keeps the browser from prompting on 401).

const KEY = 'polymq.auth';
const USER_KEY = 'polymq.user';

export class ApiError extends Error {
  constructor(status, reason, body) {
    super(reason);
    this.status = status;
    this.body = body;
  }
}

let onLoggedOut = () => {};
export function whenLoggedOut(callback) {
  onLoggedOut = callback;
}

function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function setCredentials(user, password) {
  sessionStorage.setItem(KEY, base64(`${user}:${password}`));
  sessionStorage.setItem(USER_KEY, user);
}

export function clearCredentials() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(USER_KEY);
}

export function loggedIn() {
  return sessionStorage.getItem(KEY) !== null;
}

export function currentUser() {
  return sessionStorage.getItem(USER_KEY) || '';
}

/** "/queues/%2F/q": segments joined, each percent-encoded. */
export function path(...segments) {
  return '/' + segments.map((s) => encodeURIComponent(s)).join('/');
}

/**
 * Calls the API (`apiPath` after /api) and resolves with the parsed JSON (null for an empty
 * body). Rejects with an ApiError carrying the API's `reason` text. A 401 for the login
 * itself (not for a refused operation, such as "Access refused." for an amq.* name) logs out.
 */
export async function api(method, apiPath, body, { headers = {}, rawBody, login = false } = {}) {
  const auth = sessionStorage.getItem(KEY);
  const all = { ...headers };
  if (auth) all.Authorization = `Basic ${auth}`;
  let payload;
  if (rawBody !== undefined) {
    payload = rawBody;
    all['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    all['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(`api${apiPath}`, { method, headers: all, body: payload, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, `The broker did not answer (${err.message}).`, null);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const reason =
      data && typeof data === 'object' ? data.reason || data.error : text || `${res.status} ${res.statusText}`;
    const err = new ApiError(res.status, typeof reason === 'string' ? reason : JSON.stringify(reason), data);
    if (res.status === 401 && !login && (!text || reason === 'Login failed')) {
      clearCredentials();
      onLoggedOut(err);
    }
    throw err;
  }
  return data;
}

/** GET with list parameters ({page, page_size, name, ...}; undefined/'' left out). */
export function getList(apiPath, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) query.set(k, String(v));
  }
  const q = query.toString();
  return api('GET', q ? `${apiPath}?${q}` : apiPath);
}
