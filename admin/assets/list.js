// The alert list (and the approval queue: the submitted ones): state, LIVE or EXERCISE/TEST,
// headline, when, and who wrote it.

import { api } from './api.js';
import { fill, h, when } from './dom.js';
import { t } from './words.js';

/** The badge that says whether an alert is live or an exercise or test. */
export function modeBadge(alert) {
  const mode = alert.mode === 'live' ? 'live' : alert.mode;
  return h('span', { class: `badge mode-${mode}`, 'data-mode': mode, text: t(`mode_${mode}`) || mode });
}

/** The badge of an alert's state. */
export function stateBadge(alert) {
  return h('span', { class: `badge state state-${alert.state}`, text: t(`state_${alert.state}`) || alert.state });
}

/** What kind of message: a warning, an update or a cancel. */
export function kindText(alert) {
  return t(`msg_${alert.msgType}`) || alert.msgType;
}

export async function alertList(main, app, state) {
  const queue = state === 'submitted';
  const body = h('tbody', { id: 'alerts' });
  const title = h('h1', { text: queue ? t('queueTitle') : t('alertsTitle') });
  const actions = h(
    'p',
    { class: 'actions' },
    app.can('author') && h('a', { class: 'button primary', href: '#/compose', id: 'new-alert', text: t('newAlert') }),
  );
  const table = h(
    'table',
    { class: 'alerts' },
    h('caption', { class: 'visually-hidden', text: title.textContent }),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['colMode', 'colState', 'colHeadline', 'colKind', 'colSeverity', 'colCreated', 'colAuthor'].map((k) =>
          h('th', { scope: 'col', text: t(k) }),
        ),
      ),
    ),
    body,
  );
  fill(main, title, actions, table);
  const rows = await api('GET', `/api/v1/alerts?limit=100${state ? `&state=${state}` : ''}`);
  if (!rows.length) {
    fill(body, h('tr', {}, h('td', { colspan: '7', class: 'empty', text: queue ? t('queueEmpty') : t('alertsEmpty') })));
    return;
  }
  fill(
    body,
    rows.map((a) =>
      h(
        'tr',
        { class: `row mode-${a.mode}`, 'data-id': a.id, 'data-mode': a.mode, 'data-state': a.state },
        h('td', {}, modeBadge(a)),
        h('td', {}, stateBadge(a)),
        h('td', {}, h('a', { href: `#/alerts/${a.id}`, text: a.headline || t('noHeadline') })),
        h('td', { text: kindText(a) }),
        h('td', { text: a.severity ? t(`sev_${a.severity}`) || a.severity : '' }),
        h('td', { text: when(a.createdMs) }),
        h('td', { text: a.authorId === app.me.userId ? t('you') : a.authorId ? `#${a.authorId}` : t('integration') }),
      ),
    ),
  );
}
