// How a push becomes a notification, and where a tap on it leads. A classic script shared by
// the service worker (importScripts) and the page (which the browser tests call), so both run
// the same code. The payload is docs/push-payload.md: its headline already carries the
// EXERCISE/TEST and UPDATE/CANCELLED markers in the reader's language.
'use strict';
(function (root) {
  const OVER = {
    sk: 'Nebezpečenstvo pominulo.',
    pl: 'Niebezpieczeństwo minęło.',
    uk: 'Небезпека минула.',
    cs: 'Nebezpečí pominulo.',
    de: 'Die Gefahr ist vorüber.',
    hu: 'A veszély elmúlt.',
    en: 'The danger is over.',
  };
  const MARK = {
    exercise: { sk: 'CVIČENIE', pl: 'ĆWICZENIA', uk: 'НАВЧАННЯ', en: 'EXERCISE' },
    test: { sk: 'TEST', pl: 'TEST', uk: 'ТЕСТ', en: 'TEST' },
  };
  const FALLBACK = {
    sk: ['Verejné varovanie', 'Otvorte aplikáciu a prečítajte si ho.'],
    pl: ['Ostrzeżenie publiczne', 'Otwórz aplikację, aby je przeczytać.'],
    uk: ['Публічне попередження', 'Відкрийте застосунок, щоб прочитати його.'],
    en: ['Public warning', 'Open the app to read it.'],
  };

  function primary(tag) {
    return String(tag || '').toLowerCase().split('-')[0];
  }

  function word(table, lang) {
    return table[lang] || table.en;
  }

  // The title: the headline, with the exercise or test marker put in front if the sender's
  // text somehow lacks it (nobody must take an exercise for a real warning).
  function title(p, lang) {
    const mark = MARK[p.mode];
    const head = p.headline || p.event || '';
    if (!mark) return head;
    const m = word(mark, lang);
    return head.toUpperCase().includes(m) ? head : m + ': ' + head;
  }

  // The tap's target: the payload's URL when it is on this origin, else this alert's page.
  function urlToOpen(data, origin) {
    const d = data || {};
    try {
      const u = new URL(d.url, origin);
      if (u.origin === origin && (u.pathname === '/' || u.pathname.startsWith('/alerts/'))) return u.href;
    } catch (e) {
      // no usable URL: fall through
    }
    return Number.isInteger(d.alertId) ? origin + '/alerts/' + d.alertId : origin + '/';
  }

  // { title, options } for showNotification.
  function notificationFor(p, origin, fallbackLang) {
    if (!p || typeof p !== 'object' || !(p.headline || p.event)) {
      const f = word(FALLBACK, primary(fallbackLang));
      return { title: f[0], options: { body: f[1], tag: 'tocsin', icon: '/app/icon-192.png', data: { url: origin + '/' } } };
    }
    const lang = primary(p.language);
    const cancel = p.msgType === 'Cancel';
    const lines = [];
    if (cancel) lines.push(word(OVER, lang));
    else lines.push(p.severityText || p.severity || '');
    if (!cancel && p.instruction) lines.push(p.instruction);
    else if (!cancel && p.description) lines.push(p.description);
    if (p.area) lines.push(p.area);
    const severe = !cancel && (p.severity === 'Extreme' || p.severity === 'Severe');
    const data = { alertId: p.alertId, msgType: p.msgType, mode: p.mode };
    data.url = urlToOpen({ url: p.url, alertId: p.alertId }, origin);
    return {
      title: title(p, lang),
      options: {
        body: lines.filter(Boolean).join('\n'),
        tag: p.tag || 'alert-' + p.alertId,
        renotify: p.msgType === 'Update' || cancel,
        requireInteraction: severe,
        lang: p.language || '',
        dir: 'auto',
        icon: '/app/icon-192.png',
        badge: '/app/icon-192.png',
        timestamp: Date.parse(p.sent) || Date.now(),
        data: data,
      },
    };
  }

  root.tocsinNotice = { notificationFor: notificationFor, urlToOpen: urlToOpen };
})(self);
