// Talking to the server: the public API (through the service worker, which answers from its
// last copy when offline and says when that copy was made) and the residents' API with the
// subscription's bearer token. Failures come back as problem+json and are thrown as Problem.

/** A refused request: the problem+json `title`, `detail`, `code`, the field at fault, and
 * the seconds to wait after a 429. */
export class Problem extends Error {
  constructor(status, body, retryAfter) {
    const field = body && body.field;
    const text = (body && (body.detail || body.title)) || 'HTTP ' + status;
    // The detail may start with the field's pointer ("/code: wrong code"): the page shows the
    // words next to the field itself.
    super(field && text.startsWith(field + ': ') ? text.slice(field.length + 2) : text);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
    this.errors = (body && Array.isArray(body.errors) && body.errors) || [];
    this.retryAfter = retryAfter;
  }
}

async function problem(resp) {
  let body = null;
  try {
    body = await resp.json();
  } catch (e) {
    body = null;
  }
  const retry = parseInt(resp.headers.get('retry-after') || '', 10);
  return new Problem(resp.status, body, Number.isFinite(retry) ? retry : null);
}

/** GETs public JSON: { data, storedAt } where storedAt is set when it came from the offline copy. */
export async function getPublic(path) {
  const resp = await fetch('/api/v1/public/' + path, { headers: { accept: 'application/json' } });
  if (!resp.ok) throw await problem(resp);
  return { data: await resp.json(), storedAt: resp.headers.get('x-tocsin-offline') };
}

/** A call to the residents' API; `token` authenticates as the subscription's owner. */
export async function residents(method, path, body, token) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = 'Bearer ' + token;
  const resp = await fetch('/api/v1/residents/subscriptions' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!resp.ok) throw await problem(resp);
  return resp.status === 204 || resp.status === 202 ? null : resp.json();
}
