// The JSON API with the session cookie (sent by the browser, HttpOnly) and the CSRF token the
// API wants on every state-changing request. A 401 on a signed-in page means the session
// ended: the app is told, and sends the user back to sign in.

let csrf = null;
let expired = () => {};
let lastAnswered = Date.now();

/** When the server last answered a request of this session (each one keeps it alive). */
export function lastAnswer() {
  return lastAnswered;
}

/** An API problem (RFC 9457): its status, stable `code`, `field` at fault and findings. */
export class Problem extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.code) || (status === 0 ? 'network' : '');
    this.field = body && body.field;
    this.findings = (body && body.findings) || [];
  }
}

/** Remembers the session's CSRF token (null when signed out). */
export function setCsrf(token) {
  csrf = token;
}

/** What to do when a signed-in session is refused. */
export function whenExpired(fn) {
  expired = fn;
}

/** Calls the API; gives the JSON answer (or the text of another kind), or throws a `Problem`.
 * The body is sent as JSON, or as it is when its `media` type is given (a GeoJSON or CSV file). */
export async function api(method, path, body, media) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = media || 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let r;
  try {
    r = await fetch(path, {
      method,
      headers,
      body: body === undefined || media ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new Problem(0, null);
  }
  if (r.status !== 401) lastAnswered = Date.now();
  if (r.status === 204) return null;
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!r.ok) {
    const p = new Problem(r.status, json);
    if (r.status === 401 && csrf && path !== '/api/v1/session') {
      csrf = null;
      expired(p);
    }
    throw p;
  }
  return json ?? text;
}
