// The admin app's shell: who is signed in, the navigation their roles allow, the live or
// exercise banner, and a hash router (#/alerts, #/queue, #/compose, #/alerts/{id}, and the
// management screens of screens.js: #/devices, #/residents, #/templates, #/areas, #/users,
// #/audit).

import { api, setCsrf, whenExpired } from './api.js';
import { fill, h } from './dom.js';
import { t, setLanguage, language } from './words.js';
import { changePassword, enrolSecondFactor, signIn } from './signin.js';
import { alertList } from './list.js';
import { compose } from './compose.js';
import { alertScreen } from './review.js';
import { stop as stopWatching, watchSession } from './expiry.js';
import { screensFor } from './screens.js';

const main = document.getElementById('main');
const app = {
  me: null,
  cleanup: null,
  /** Roles of the signed-in user. */
  can(role) {
    return !!this.me && this.me.roles.includes(role);
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** Marks every screen with the mode of what it shows: `live`, `exercise`, `test` or none. */
  mode(mode) {
    const banner = document.getElementById('banner');
    document.body.dataset.mode = mode || 'none';
    banner.hidden = !mode;
    banner.textContent = mode ? t(`banner_${mode}`) : '';
  },
  notice(text) {
    const n = document.getElementById('notice');
    n.hidden = !text;
    n.textContent = text || '';
  },
  /** Runs when the screen is left (closing event streams). */
  onLeave(fn) {
    this.cleanup = fn;
  },
};

function leave() {
  if (app.cleanup) app.cleanup();
  app.cleanup = null;
  app.mode(null);
}

function shell() {
  const nav = document.getElementById('nav');
  const signout = document.getElementById('signout');
  nav.hidden = !app.me;
  signout.hidden = !app.me;
  signout.textContent = t('signOut');
  document.getElementById('lang-label').textContent = t('language');
  document.getElementById('who').textContent = app.me ? app.me.actor.replace(/^user:/, '') : '';
  if (!app.me) return fill(nav);
  const here = location.hash.split('?')[0] || '#/alerts';
  const link = (hash, text, id) =>
    h('a', { href: hash, id, 'aria-current': here === hash || here.startsWith(`${hash}/`) ? 'page' : undefined, text });
  fill(
    nav,
    link('#/alerts', t('navAlerts'), 'nav-alerts'),
    app.can('author') && link('#/compose', t('navCompose'), 'nav-compose'),
    app.can('approver') && link('#/queue', t('navQueue'), 'nav-queue'),
    screensFor(app).map((s) => link(`#/${s.path}`, t(s.word), `nav-${s.path}`)),
  );
}

async function route() {
  leave();
  app.notice(null);
  shell();
  if (!app.me) return signIn(main, app, signedIn);
  if (app.me.mustChangePassword) return changePassword(main, app, signedIn);
  if (app.me.secondFactorRequired) return enrolSecondFactor(main, app, signedIn);
  const hash = location.hash || '#/alerts';
  if (!hash.startsWith('#/')) return;
  const [path, query] = hash.slice(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  const screen = screensFor(app).find((s) => s.path === parts[0]);
  try {
    if (screen) await screen.show(main, app, parts[1] ? Number(parts[1]) : null, params);
    else if (parts[0] === 'alerts' && parts[1]) await alertScreen(main, app, Number(parts[1]), parts[2]);
    else if (parts[0] === 'compose' && app.can('author')) await compose(main, app, params);
    else if (parts[0] === 'queue') await alertList(main, app, 'submitted');
    else await alertList(main, app, null);
  } catch (p) {
    if (p.status !== 401) app.notice(p.message);
  }
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

function signedIn(me) {
  app.me = me;
  watchSession(me, sessionEnded);
  setCsrf(me.csrfToken);
  route();
}

async function signOut() {
  leave();
  try {
    await api('DELETE', '/api/v1/session');
  } catch {
    // Signed out either way: the cookie is gone or the session had ended.
  }
  app.me = null;
  stopWatching();
  setCsrf(null);
  location.hash = '#/alerts';
  route();
}

function expired() {
  leave();
  stopWatching();
  app.me = null;
  route().then(() => app.notice(t('sessionExpired')));
}

/** The session's time is up by the page's own clock: it ends on the server too. */
function sessionEnded() {
  api('DELETE', '/api/v1/session').catch(() => {});
  setCsrf(null);
  expired();
}

whenExpired(expired);

async function start() {
  setLanguage(localStorage.getItem('tocsin.admin.lang') || (navigator.language.startsWith('sk') ? 'sk' : 'en'));
  const chooser = document.getElementById('lang');
  chooser.value = language();
  chooser.addEventListener('change', () => {
    localStorage.setItem('tocsin.admin.lang', chooser.value);
    setLanguage(chooser.value);
    route();
  });
  document.getElementById('signout').addEventListener('click', signOut);
  try {
    app.me = await api('GET', '/api/v1/session');
    setCsrf(app.me.csrfToken);
    watchSession(app.me, sessionEnded);
  } catch {
    app.me = null;
  }
  addEventListener('hashchange', route);
  await route();
  document.body.dataset.ready = 'yes';
}

start();
