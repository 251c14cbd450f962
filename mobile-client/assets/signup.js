// Sign-up for warnings by Web Push, SMS or email, and changing or deleting a subscription:
// the form, its checks (shown next to each field), the request to the residents' API, the code
// that confirms a phone number or an email address, and the list of this phone's subscriptions.

import { el, byId } from './dom.js';
import { t, primary } from './i18n.js';
import { residents, Problem } from './api.js';
import { store } from './store.js';
import { getPlaces, setPlaces, MAX_PLACES } from './places.js';

const ALERT_LANGUAGES = ['sk', 'pl', 'en', 'uk', 'cs', 'hu', 'de'];
const MAX_LANGUAGES = 5;
const PHONE = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

let config = null;
let languages = [];
// Whether the resident chose the languages; until then they follow the interface's.
let explicit = false;
let editing = null;
let pending = null;

function channel() {
  const c = document.querySelector('input[name="channel"]:checked');
  return c ? c.value : 'push';
}

function languageName(code) {
  return t('lang_' + code);
}

function renderLanguages() {
  const list = byId('language-list');
  const item = (code, i) =>
    el(
      'li',
      { lang: code },
      el('span', { text: languageName(code) }),
      el('button', { type: 'button', class: 'small', disabled: i === 0, 'aria-label': t('moveUp', { lang: languageName(code) }), text: '↑', onclick: () => move(i, -1) }),
      el('button', { type: 'button', class: 'small', disabled: i === languages.length - 1, 'aria-label': t('moveDown', { lang: languageName(code) }), text: '↓', onclick: () => move(i, 1) }),
      el('button', { type: 'button', class: 'small', 'aria-label': t('removeLanguage', { lang: languageName(code) }), text: t('remove'), onclick: () => move(i, 0) }),
    );
  list.replaceChildren(...languages.map(item));
  const rest = ALERT_LANGUAGES.filter((l) => !languages.includes(l));
  byId('language-add').replaceChildren(...rest.map((l) => el('option', { value: l, lang: l, text: languageName(l) })));
  byId('add-language').disabled = rest.length === 0 || languages.length >= MAX_LANGUAGES;
}

function chosen() {
  explicit = true;
  store.setAlertLanguages(languages);
  renderLanguages();
}

function move(i, by) {
  const [code] = languages.splice(i, 1);
  if (by !== 0) languages.splice(i + by, 0, code);
  chosen();
}

/** The languages for warnings, in order: what the resident chose, else the interface's. */
export function alertLanguages() {
  return explicit && languages.length ? languages : [document.documentElement.lang || 'en'];
}

function showChannel() {
  const c = channel();
  byId('address-field').hidden = c === 'push';
  const phone = c === 'sms';
  const input = byId('address');
  input.type = phone ? 'tel' : 'email';
  input.autocomplete = phone ? 'tel' : 'email';
  input.inputMode = phone ? 'tel' : 'email';
  const label = byId('address-label');
  label.dataset.t = phone ? 'phoneLabel' : 'emailLabel';
  label.textContent = t(label.dataset.t);
  const hint = byId('address-hint');
  hint.dataset.t = phone ? 'phoneHint' : 'emailHint';
  hint.textContent = t(hint.dataset.t);
}

function setError(id, text, input) {
  byId(id).textContent = text || '';
  if (input) input.setAttribute('aria-invalid', text ? 'true' : 'false');
}

function clearErrors() {
  setError('address-error', '', byId('address'));
  setError('places-error', '');
  setError('languages-error', '');
  setError('signup-error', '');
}

/** The address in the form the server stores: an E.164 number, or a trimmed email. */
function address() {
  const raw = byId('address').value.trim();
  return channel() === 'sms' ? raw.replace(/[\s\-().]/g, '').replace(/^00/, '+') : raw;
}

/** Checks the form; shows each problem next to its field and gives whether all is well. */
function validate() {
  clearErrors();
  let first = null;
  const fail = (id, key, focus, vars) => {
    setError(id, t(key, vars), focus && focus.tagName === 'INPUT' ? focus : null);
    first = first || focus;
  };
  const c = channel();
  if (c === 'sms' && !PHONE.test(address())) fail('address-error', 'badPhone', byId('address'));
  if (c === 'email' && !EMAIL.test(address())) fail('address-error', 'badEmail', byId('address'));
  const n = getPlaces().length;
  if (n < 1 || n > MAX_PLACES) fail('places-error', 'needPlace', byId('add-location'), { max: MAX_PLACES });
  if (!languages.length || languages.length > MAX_LANGUAGES) {
    fail('languages-error', 'needLanguage', byId('language-add'), { max: MAX_LANGUAGES });
  }
  if (first) first.focus();
  return !first;
}

function preferences() {
  return {
    places: getPlaces(),
    languages: languages.slice(),
    min_severity: byId('min-severity').value,
    exercises: byId('exercises').checked,
    tests: byId('tests').checked,
  };
}

function base64UrlToBytes(s) {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (ch) => ch.charCodeAt(0));
}

/**
 * Asks for notifications and subscribes this browser with the server's VAPID key; `fresh`
 * gives up the browser's present subscription first, for a new endpoint.
 */
async function pushSubscription(fresh) {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) throw new Error(t('pushUnsupported'));
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error(t('pushDenied'));
  const reg = await navigator.serviceWorker.ready;
  const key = base64UrlToBytes(config.vapidPublicKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && fresh) {
    await sub.unsubscribe();
    sub = null;
  }
  sub = sub || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
  return sub.toJSON();
}

/**
 * Signs this browser up for Web Push. The server refuses (409, API-022) a push subscription
 * that an active sign-up already has, so that nobody who learns an endpoint can take that
 * sign-up over; this browser then gives up its subscription, subscribes afresh (a new
 * endpoint) and signs up with that. The old endpoint stops working, and the server drops the
 * sign-up it belonged to when the push service says so.
 */
async function signUpForPush(body) {
  try {
    return await residents('POST', '', { ...body, subscription: await pushSubscription(false) });
  } catch (e) {
    if (!(e instanceof Problem) || e.code !== 'API-022') throw e;
    return residents('POST', '', { ...body, subscription: await pushSubscription(true) });
  }
}

/** Shows a refusal: next to its field when it names one, else under the form. */
function showProblem(p, whereId) {
  const fields = { '/address': 'address-error', '/places': 'places-error', '/languages': 'languages-error', '/code': 'verify-error' };
  const named = [p.field, ...p.errors.map((e) => e.field)].filter(Boolean);
  let shown = false;
  // A push subscription's fields are not on the form: its problems go under the form.
  const onForm = (f) => !(f.startsWith('/address') && channel() === 'push' && whereId === 'signup-error');
  for (const e of [{ field: p.field, detail: p.message }, ...p.errors]) {
    const key = Object.keys(fields).find((f) => e.field && e.field.startsWith(f) && onForm(e.field));
    if (key) {
      setError(fields[key], e.detail || e.message || p.message, key === '/address' ? byId('address') : null);
      shown = true;
    }
  }
  let text = p.message;
  if (p.status === 429) text = t('tooMany', { seconds: p.retryAfter || 60 });
  else if (p.status === 404 && !named.length && whereId === 'signup-error') text = t('signupUnavailable');
  if (!shown || p.status === 429) byId(whereId).textContent = text;
}

function say(key, vars) {
  byId('signup-status').textContent = t(key, vars);
}

async function submit(ev) {
  ev.preventDefault();
  if (!validate()) return;
  const button = byId('signup-submit');
  button.disabled = true;
  try {
    if (editing) {
      await residents('PUT', '/' + editing.id, preferences(), editing.token);
      say('saved');
      stopEditing();
    } else {
      const c = channel();
      const body = { channel: c, ...preferences() };
      const made = c === 'push' ? await signUpForPush(body) : await residents('POST', '', { ...body, address: address() });
      const label = c === 'push' ? t('channelPush') : address();
      store.saveSubscription({ id: made.id, token: made.token, channel: c, status: made.status, label });
      if (made.status === 'pending_verification') askForCode(store.subscriptions().find((s) => s.id === made.id), made.verification);
      else say('subscribed');
    }
    renderSubscriptions();
  } catch (e) {
    if (e instanceof Problem) showProblem(e, 'signup-error');
    else byId('signup-error').textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

function askForCode(sub, verification) {
  pending = sub;
  const form = byId('verify');
  form.hidden = false;
  const by = verification && verification.channel === 'email' ? t('channelEmail') : t('channelSms');
  byId('verify-intro').textContent = t('verifyIntro', { address: sub.label, by });
  byId('verify-code').value = '';
  setError('verify-error', '', byId('verify-code'));
  byId('verify-code').focus();
}

async function verify(ev) {
  ev.preventDefault();
  const code = byId('verify-code').value.replace(/\s/g, '');
  if (!/^[0-9]{4,10}$/.test(code)) {
    setError('verify-error', t('badCode'), byId('verify-code'));
    byId('verify-code').focus();
    return;
  }
  try {
    await residents('POST', '/' + pending.id + '/verify', { code }, pending.token);
    store.saveSubscription({ ...pending, status: 'active' });
    byId('verify').hidden = true;
    say('subscribed');
    renderSubscriptions();
  } catch (e) {
    if (e instanceof Problem) showProblem(e, 'verify-error');
    else setError('verify-error', e.message);
  }
}

async function resend() {
  try {
    await residents('POST', '/' + pending.id + '/resend', undefined, pending.token);
    setError('verify-error', t('codeResent'));
  } catch (e) {
    if (e instanceof Problem) showProblem(e, 'verify-error');
  }
}

async function edit(sub) {
  try {
    const data = await residents('GET', '/' + sub.id, undefined, sub.token);
    editing = sub;
    setPlaces(data.places || []);
    languages = (data.languages || []).map(primary).filter((l) => ALERT_LANGUAGES.includes(l));
    chosen();
    byId('min-severity').value = data.min_severity || 'Minor';
    byId('exercises').checked = !!data.exercises;
    byId('tests').checked = !!data.tests;
    byId('channel-field').disabled = true;
    byId('address-field').hidden = true;
    byId('signup-submit').dataset.t = 'saveChanges';
    byId('signup-submit').textContent = t('saveChanges');
    byId('signup-cancel').hidden = false;
    byId('channel-field').scrollIntoView();
    byId('add-location').focus();
  } catch (e) {
    if (e instanceof Problem && (e.status === 404 || e.status === 401)) {
      store.forgetSubscription(sub.id);
      renderSubscriptions();
      say('subscriptionGone');
    } else if (e instanceof Problem) showProblem(e, 'signup-error');
  }
}

function stopEditing() {
  editing = null;
  byId('channel-field').disabled = false;
  byId('signup-submit').dataset.t = 'subscribe';
  byId('signup-submit').textContent = t('subscribe');
  byId('signup-cancel').hidden = true;
  showChannel();
}

async function remove(sub) {
  try {
    await residents('DELETE', '/' + sub.id, undefined, sub.token);
  } catch (e) {
    if (!(e instanceof Problem && (e.status === 404 || e.status === 401))) {
      if (e instanceof Problem) showProblem(e, 'signup-error');
      return;
    }
  }
  if (sub.channel === 'push' && 'serviceWorker' in navigator) {
    const reg = await navigator.serviceWorker.getRegistration();
    const s = reg && (await reg.pushManager.getSubscription());
    if (s) await s.unsubscribe();
  }
  store.forgetSubscription(sub.id);
  if (editing && editing.id === sub.id) stopEditing();
  renderSubscriptions();
  say('unsubscribed');
}

function renderSubscriptions() {
  const subs = store.subscriptions();
  byId('my-subscriptions').hidden = subs.length === 0;
  const row = (s) =>
    el(
      'li',
      {},
      el('span', { text: s.label + ' · ' + t(s.status === 'active' ? 'statusActive' : 'statusPending') }),
      s.status === 'active' ? null : el('button', { type: 'button', class: 'small', text: t('enterCode'), onclick: () => askForCode(s, null) }),
      el('button', { type: 'button', class: 'small', 'aria-label': t('changeOf', { what: s.label }), text: t('change'), onclick: () => edit(s) }),
      el('button', { type: 'button', class: 'small danger', 'aria-label': t('deleteOf', { what: s.label }), text: t('delete'), onclick: () => remove(s) }),
    );
  byId('subscription-list').replaceChildren(...subs.map(row));
}

/** Redraws what the form writes itself, in the current language. */
export function relabelSignup() {
  if (!explicit) languages = [document.documentElement.lang || 'en'];
  renderLanguages();
  renderSubscriptions();
  showChannel();
}

/** Wires the form to the app's configuration. */
export function setupSignup(cfg) {
  config = cfg;
  const kept = store.alertLanguages();
  explicit = Array.isArray(kept) && kept.length > 0;
  languages = explicit ? kept : [document.documentElement.lang || 'en'];
  const offered = { push: cfg.channels.push && !!cfg.vapidPublicKey, sms: cfg.channels.sms, email: cfg.channels.email };
  for (const [c, on] of Object.entries(offered)) {
    byId('channel-' + c).disabled = !on;
    byId('channel-' + c).closest('label').hidden = !on;
  }
  const firstOn = Object.keys(offered).find((c) => offered[c]);
  if (firstOn) byId('channel-' + firstOn).checked = true;
  byId('signup').hidden = !firstOn;
  for (const r of document.querySelectorAll('input[name="channel"]')) r.addEventListener('change', () => { clearErrors(); showChannel(); });
  byId('add-language').addEventListener('click', () => {
    const v = byId('language-add').value;
    if (v && !languages.includes(v)) languages.push(v);
    chosen();
  });
  byId('signup').addEventListener('submit', submit);
  byId('signup-cancel').addEventListener('click', stopEditing);
  byId('verify').addEventListener('submit', verify);
  byId('verify-resend').addEventListener('click', resend);
  relabelSignup();
}
