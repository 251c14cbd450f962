// The Tocsin device protocol (docs/device-protocol.md) as a display speaks it: pairing, the long
// poll with ETag, backoff after failures, acknowledgements that survive a lost connection, and
// heartbeats.

const MIN_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30000;
/** Extra time on top of `wait` before a poll counts as hung (a proxy that silently drops it). */
const POLL_GRACE_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;

/** The delay before retry number `failures` (1, 2, …): 1 s doubling to 30 s, ±20 % jitter. */
export function backoff(failures, random = Math.random) {
  const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, failures - 1));
  return Math.min(MAX_BACKOFF_MS, Math.round(base * (0.8 + 0.4 * random())));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Trades a pairing code for the device's id and secret; throws `"rejected"` or `"unreachable"`. */
export async function pair(code) {
  let r;
  try {
    r = await fetch("/api/v1/device/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code }),
      cache: "no-store",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new Error("unreachable");
  }
  if (r.status >= 500) throw new Error("unreachable");
  if (!r.ok) throw new Error("rejected");
  const answer = await r.json();
  if (!Number.isInteger(answer.deviceId) || typeof answer.secret !== "string") throw new Error("rejected");
  return answer;
}

/**
 * One device's connection. `handlers`: `answer(body, receivedAt)` for each new poll answer,
 * `online()` after any answer, `offline()` after a failure, `unauthorized()` when the secret is
 * refused (the loop then stops).
 */
export class DeviceClient {
  constructor(secret, handlers) {
    this.secret = secret;
    this.handlers = handlers;
    this.etag = null;
    this.failures = 0;
    this.pollSeconds = 30;
    this.stopped = false;
    // "id state" keys: those sent and answered, and those waiting to be sent.
    this.acked = new Set();
    this.pending = new Map();
    this.chain = Promise.resolve();
  }

  stop() {
    this.stopped = true;
  }

  async request(method, path, body, extra = {}, timeout = REQUEST_TIMEOUT_MS) {
    const headers = { Authorization: `Bearer ${this.secret}`, ...extra };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal: AbortSignal.timeout(timeout),
    });
  }

  /** Polls until stopped or refused. */
  async run() {
    this.heartbeat();
    while (!this.stopped) {
      await this.flushAcks();
      if (this.stopped) return;
      const started = Date.now();
      const outcome = await this.pollOnce();
      if (outcome === "unauthorized") return this.refused();
      if (outcome === "failed") {
        this.failures += 1;
        this.handlers.offline();
        await sleep(backoff(this.failures));
        continue;
      }
      this.failures = 0;
      this.handlers.online();
      // A server that keeps answering at once would otherwise spin this loop.
      if (Date.now() - started < 500) await sleep(500);
    }
  }

  async pollOnce() {
    // A short poll first and after a failure: the server holds a poll with nothing new for
    // the whole wait, and the page should learn at once that the server is there (its name,
    // "no warnings") or back, not when an unchanged long poll ends.
    const probe = this.etag === null || this.failures > 0;
    const wait = probe ? 1 : Math.min(60, Math.max(1, this.pollSeconds));
    const extra = this.etag ? { "If-None-Match": this.etag } : {};
    try {
      const r = await this.request("GET", `/api/v1/device/poll?wait=${wait}`, undefined, extra, wait * 1000 + POLL_GRACE_MS);
      if (r.status === 401) return "unauthorized";
      if (r.status === 304) return "unchanged";
      if (!r.ok) return "failed";
      const body = await r.json();
      this.etag = r.headers.get("ETag");
      if (Number.isInteger(body.pollSeconds)) this.pollSeconds = body.pollSeconds;
      this.handlers.answer(body, Date.now());
      return "changed";
    } catch {
      return "failed";
    }
  }

  refused() {
    this.stopped = true;
    this.handlers.unauthorized();
  }

  /** Acknowledges `state` of command `id` once; kept and retried until the server answers. */
  ack(id, state) {
    const key = `${id} ${state}`;
    if (this.acked.has(key) || this.pending.has(key)) return;
    this.pending.set(key, { command: id, state });
    this.flushAcks();
  }

  /** Sends the waiting acknowledgements in order (one sender at a time); stops at a failure. */
  flushAcks() {
    this.chain = this.chain.then(() => this.sendAcks());
    return this.chain;
  }

  async sendAcks() {
    while (!this.stopped && this.pending.size > 0) {
      const [key, body] = this.pending.entries().next().value;
      let r;
      try {
        r = await this.request("POST", "/api/v1/device/ack", body);
      } catch {
        return;
      }
      if (r.status === 401) return this.refused();
      // 404 (no longer this device's) and 422 will not change by sending again.
      if (r.status >= 500 || r.status === 429) return;
      this.pending.delete(key);
      this.acked.add(key);
    }
  }

  /** Reports that the display runs; it has no mains, battery or tamper sensors to report. */
  async heartbeat() {
    while (!this.stopped) {
      try {
        await this.request("POST", "/api/v1/device/heartbeat", {});
      } catch {
        // The poll loop reports the lost connection; the next beat tries again.
      }
      await sleep(this.pollSeconds * 1000);
    }
  }
}
