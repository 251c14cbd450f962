// Warns before the session ends, so nobody loses a half-written warning: a countdown from two
// minutes before the end (half the idle limit when that is shorter), a button that keeps an
// idle session alive, and, when the time is up, the return to sign-in with the reason.

import { api, lastAnswer } from './api.js';
import { t } from './words.js';

// The server notes activity at most every 15 seconds, so its idle clock may have started that
// much before the last answer this page saw.
const SERVER_SLACK_MS = 15_000;
let session = null;
let ticker = null;
let shown = null;
let ended = () => {};

/** The moment the session ends and whether staying active can postpone it. */
function end() {
  const idleEnd = lastAnswer() - SERVER_SLACK_MS + session.idleSeconds * 1000;
  const absolute = session.expiresAtMs;
  return idleEnd < absolute ? { at: idleEnd, idle: true } : { at: absolute, idle: false };
}

function warnWindowMs() {
  return Math.min(120_000, (session.idleSeconds * 1000) / 2);
}

function left(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return t('expiryLeft', { min: Math.floor(s / 60), sec: String(s % 60).padStart(2, '0') });
}

function hide() {
  document.getElementById('expiry').hidden = true;
  document.getElementById('expiry-said').textContent = '';
  shown = null;
}

function show(e, ms) {
  const box = document.getElementById('expiry');
  const kind = e.idle ? 'idle' : 'absolute';
  if (shown !== kind) {
    document.getElementById('expiry-title').textContent = t('expiryTitle');
    const stay = document.getElementById('expiry-stay');
    stay.hidden = !e.idle;
    stay.textContent = t('expiryStay');
    // Said once when it appears; the visible countdown is not read out every second.
    document.getElementById('expiry-said').textContent = t(e.idle ? 'expirySaidIdle' : 'expirySaidAbsolute');
    box.hidden = false;
    shown = kind;
  }
  document.getElementById('expiry-left').textContent = `${left(ms)} ${t(e.idle ? 'expiryIdle' : 'expiryAbsolute')}`;
}

async function tick() {
  if (!session) return;
  const e = end();
  const ms = e.at - Date.now();
  if (ms <= 0) {
    // Asking the server would keep the session alive, so the page ends it itself (at worst a
    // few seconds early) and goes back to sign-in with the reason.
    const then = ended;
    stop();
    then();
    return;
  }
  if (ms <= warnWindowMs()) show(e, ms);
  else if (shown) hide();
}

/** Watches the session signed in (`GET /api/v1/session`'s answer); `onEnd` runs at its end. */
export function watchSession(me, onEnd) {
  stop();
  if (!me || !me.expiresAtMs || !me.idleSeconds) return;
  session = me;
  ended = onEnd;
  ticker = setInterval(tick, 1000);
  document.getElementById('expiry-stay').onclick = async () => {
    await api('GET', '/api/v1/session').catch(() => {});
    tick();
  };
}

/** Stops watching (signed out or expired). */
export function stop() {
  if (ticker) clearInterval(ticker);
  ticker = null;
  session = null;
  ended = () => {};
  hide();
}
