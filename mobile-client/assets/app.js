// The residents' app: starts the service worker, loads the words and the configuration, and
// shows either the list of active warnings or one warning (`/alerts/{id}`), with the sign-up
// form below. Works offline from the service worker's copies, and says so.

import { byId } from './dom.js';
import { initialLanguage, useLanguage, t, when } from './i18n.js';
import { getPublic, Problem } from './api.js';
import { store } from './store.js';
import { renderList, renderAlert } from './alerts.js';
import { setupPlaces, relabelPlaces } from './places.js';
import { setupSignup, relabelSignup, alertLanguages } from './signup.js';

const REFRESH_MS = 60000;
let config = { name: '', tileUrl: null, tileAttribution: '', channels: { push: false, sms: false, email: false } };
let refresh = null;

function offlineNote(storedAt) {
  const note = byId('offline');
  note.hidden = !storedAt;
  note.textContent = storedAt ? t('offlineNote', { time: when(storedAt) }) : '';
  document.body.dataset.online = storedAt ? 'no' : 'yes';
}

function alertId() {
  const m = /^\/alerts\/(\d+)$/.exec(location.pathname);
  return m ? parseInt(m[1], 10) : null;
}

function open(id) {
  history.pushState(null, '', id ? '/alerts/' + id : '/');
  route(true);
}

async function showList() {
  const status = byId('list-status');
  try {
    const { data, storedAt } = await getPublic('alerts');
    offlineNote(storedAt);
    renderList(byId('alert-list'), data, alertLanguages(), open);
    status.textContent = data.length ? t('alertCount', { n: data.length }) : t('noAlerts');
  } catch (e) {
    offlineNote(null);
    status.textContent = t('cannotLoad');
    document.body.dataset.online = 'no';
  }
}

async function showAlert(id, focus) {
  const view = byId('alert-view');
  try {
    const { data, storedAt } = await getPublic('alerts/' + id);
    offlineNote(storedAt);
    renderAlert(view, data, alertLanguages(), config, open);
  } catch (e) {
    view.replaceChildren();
    const p = document.createElement('p');
    p.textContent = e instanceof Problem && e.status === 404 ? t('notFound') : t('cannotLoad');
    p.id = 'alert-headline';
    p.tabIndex = -1;
    view.append(p);
  }
  if (focus) byId('alert-headline').focus();
}

async function route(focus) {
  const id = alertId();
  document.body.dataset.view = id ? 'alert' : 'list';
  byId('list-view').hidden = !!id;
  byId('alert-view').hidden = !id;
  clearInterval(refresh);
  if (id) await showAlert(id, focus);
  else {
    await showList();
    refresh = setInterval(() => document.visibilityState === 'visible' && showList(), REFRESH_MS);
    if (focus) byId('main').focus();
  }
  if (document.body.dataset.ready !== 'yes') performance.mark('tocsin-ready');
  document.body.dataset.ready = 'yes';
}

async function switchLanguage(lang) {
  document.body.dataset.ready = 'no';
  await useLanguage(lang);
  store.setLang(lang);
  if (config.name) document.title = config.name;
  relabelPlaces();
  relabelSignup();
  await route(false);
}

/** Registers the service worker. The page's Trusted Types policy `tocsin` passes exactly one
 * script URL: the worker's. */
function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const only = (url) => {
    if (url !== '/sw.js') throw new TypeError('not the service worker: ' + url);
    return url;
  };
  const tt = window.trustedTypes;
  const url = tt ? tt.createPolicy('tocsin', { createScriptURL: only }).createScriptURL('/sw.js') : '/sw.js';
  navigator.serviceWorker.register(url, { scope: '/' }).catch(() => {});
}

async function start() {
  const lang = initialLanguage(store.lang());
  await useLanguage(lang);
  byId('ui-lang').value = lang;
  byId('ui-lang').addEventListener('change', (ev) => switchLanguage(ev.target.value));
  registerWorker();
  try {
    config = (await getPublic('config')).data;
    byId('app-name').textContent = config.name;
    document.title = config.name;
  } catch (e) {
    // Offline before the first visit completed: the list says it cannot load.
  }
  let areas = [];
  try {
    areas = (await getPublic('areas')).data;
  } catch (e) {
    areas = [];
  }
  setupPlaces(areas, config, () => {});
  setupSignup(config);
  window.addEventListener('popstate', () => route(true));
  window.addEventListener('online', () => route(false));
  await route(false);
}

start();
