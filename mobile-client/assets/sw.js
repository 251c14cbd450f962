// The residents' app's service worker: keeps the app's files for offline use (the cache is
// named after the server's digest of every file, so an update installs fresh copies), answers
// the public API from the network first and from the last answer when offline, and shows each
// Web Push as a notification (notice.js).
'use strict';
importScripts('/app/notice.js');

const VERSION = '__VERSION__';
const SHELL = 'tocsin-shell-' + VERSION;
const DATA = 'tocsin-data';
const FILES = [
  '/',
  '/manifest.webmanifest',
  '/app/app.js',
  '/app/api.js',
  '/app/dom.js',
  '/app/i18n.js',
  '/app/alerts.js',
  '/app/map.js',
  '/app/places.js',
  '/app/signup.js',
  '/app/store.js',
  '/app/notice.js',
  '/app/app.css',
  '/app/lang-sk.json',
  '/app/lang-pl.json',
  '/app/lang-en.json',
  '/app/lang-uk.json',
  '/app/icon.svg',
  '/app/icon-192.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(FILES.map((f) => new Request(f, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  const old = (k) => k.startsWith('tocsin-shell-') && k !== SHELL;
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter(old).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The public API: network first; the last good answer, marked with when it was stored, when
// the network fails.
async function networkFirst(request) {
  const cache = await caches.open(DATA);
  try {
    const fresh = await fetch(request);
    if (fresh.ok) {
      const headers = new Headers(fresh.headers);
      headers.set('x-tocsin-stored', new Date().toISOString());
      const body = await fresh.clone().arrayBuffer();
      await cache.put(request, new Response(body, { status: 200, headers }));
    }
    return fresh;
  } catch (e) {
    const kept = await cache.match(request);
    if (!kept) throw e;
    const headers = new Headers(kept.headers);
    headers.set('x-tocsin-offline', kept.headers.get('x-tocsin-stored') || '');
    return new Response(await kept.arrayBuffer(), { status: 200, headers });
  }
}

async function shellFirst(request) {
  const cache = await caches.open(SHELL);
  const key = request.mode === 'navigate' ? '/' : request;
  const kept = await cache.match(key);
  return kept || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/v1/public/')) {
    event.respondWith(networkFirst(req));
  } else if (req.mode === 'navigate' && (url.pathname === '/' || /^\/alerts\/\d+$/.test(url.pathname))) {
    event.respondWith(shellFirst(req));
  } else if (url.pathname.startsWith('/app/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(shellFirst(req));
  }
});

self.addEventListener('push', (event) => {
  let payload = null;
  try {
    payload = event.data ? event.data.json() : null;
  } catch (e) {
    payload = null;
  }
  const n = self.tocsinNotice.notificationFor(payload, self.location.origin, self.navigator.language);
  event.waitUntil(self.registration.showNotification(n.title, n.options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = self.tocsinNotice.urlToOpen(event.notification.data, self.location.origin);
  event.waitUntil(
    self.clients
      .matchAll({ type: 'window' })
      .then((windows) => {
        // A window of the app that this worker controls can be navigated; else a new one opens.
        const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
        if (open) return open.navigate(target).then((w) => (w || open).focus());
        return self.clients.openWindow(target);
      })
      .catch(() => self.clients.openWindow(target)),
  );
});
