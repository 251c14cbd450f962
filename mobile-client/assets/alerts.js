// The active warnings, most severe first, and one warning in full: severity, headline, what to
// do, the area on a map, the times and the issuing authority, in the resident's language.

import { el } from './dom.js';
import { t, pickInfo, when, primary } from './i18n.js';
import { areaMap } from './map.js';

const SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];

function severityClass(s) {
  return 'sev-' + (SEVERITIES.includes(s) ? s.toLowerCase() : 'unknown');
}

/** The EXERCISE/TEST banner, or null for a live warning. */
function marker(alert) {
  if (alert.status === 'Exercise') return el('p', { class: 'marker', text: t('markExercise') });
  if (alert.status === 'Test') return el('p', { class: 'marker', text: t('markTest') });
  return null;
}

/** One row of the list: a link to the warning. */
function row(alert, languages, open) {
  const info = pickInfo(alert.infos, languages);
  const href = '/alerts/' + alert.id;
  const link = el(
    'a',
    { href, class: 'alert-link ' + severityClass(info.severity), lang: info.language, 'data-id': alert.id },
    el('span', { class: 'severity', text: t('severity' + info.severity) }),
    marker(alert),
    el('span', { class: 'headline', text: info.headline || info.event }),
    el('span', { class: 'where', text: info.areaDesc }),
    el('span', { class: 'sent', lang: null, text: t('issuedAt', { time: when(alert.sent) }) }),
  );
  link.addEventListener('click', (ev) => {
    ev.preventDefault();
    open(alert.id);
  });
  return el('li', {}, link);
}

/** Fills the list; `open(id)` shows one warning. */
export function renderList(list, alerts, languages, open) {
  list.replaceChildren(...alerts.map((a) => row(a, languages, open)));
}

function state(alert, open) {
  const key = { updated: 'stateUpdated', cancelled: 'stateCancelled', expired: 'stateExpired' }[alert.state];
  const over = alert.msgType === 'Cancel' ? 'stateCancelled' : key;
  if (!over) return null;
  const box = el('div', { class: 'state', role: 'status', 'data-state': alert.msgType === 'Cancel' ? 'cancelled' : alert.state }, el('p', { text: t(over) }));
  if (alert.latestId) {
    const a = el('a', { href: '/alerts/' + alert.latestId, text: t('openLatest') });
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      open(alert.latestId);
    });
    box.append(el('p', {}, a));
  }
  return box;
}

function field(label, value, lang) {
  if (!value) return [];
  return [el('dt', { text: label }), el('dd', { text: value, lang })];
}

function languageName(tag) {
  const key = 'lang_' + primary(tag);
  return t(key) === key ? tag : t(key);
}

/** Other languages the warning is written in, as buttons that switch the text. */
function languageSwitch(alert, info, rerender) {
  if (alert.infos.length < 2) return null;
  const buttons = alert.infos.map((i) =>
    el('button', { type: 'button', lang: i.language, 'aria-pressed': String(i === info), text: languageName(i.language), onclick: () => rerender(i.language) }),
  );
  return el('div', { class: 'alert-langs', role: 'group', 'aria-label': t('alertLanguages') }, ...buttons);
}

/** The warning in full, into `view`. */
export function renderAlert(view, alert, languages, config, open) {
  const draw = (first) => {
    const info = pickInfo(alert.infos, first ? [first, ...languages] : languages);
    const lang = info.language;
    const map = areaMap(info.areas, config, t('mapLabel', { area: info.areaDesc }), t('outlineOnly'));
    const parts = [
      el('p', {}, el('a', { href: '/', class: 'back', text: t('backToList'), onclick: (ev) => { ev.preventDefault(); open(null); } })),
      state(alert, open),
      marker(alert),
      el('p', { class: 'severity-band ' + severityClass(info.severity), text: t('severity' + info.severity) }),
      el('h2', { id: 'alert-headline', lang, tabindex: '-1', text: info.headline || info.event }),
      languageSwitch(alert, info, draw),
      info.instruction ? el('section', { class: 'instruction' }, el('h3', { text: t('whatToDo') }), el('p', { lang, text: info.instruction })) : null,
      info.description ? el('section', {}, el('h3', { text: t('description') }), el('p', { lang, text: info.description })) : null,
      el('section', {}, el('h3', { text: t('area') }), el('p', { lang, text: info.areaDesc }), map),
      el(
        'dl',
        { class: 'facts' },
        field(t('event'), info.event, lang),
        field(t('issued'), when(alert.sent)),
        field(t('onset'), info.onset && when(info.onset)),
        field(t('expires'), info.expires && when(info.expires)),
        field(t('authority'), info.senderName || alert.sender, lang),
      ),
    ];
    view.replaceChildren(...parts.filter(Boolean));
    view.lang = '';
    view.dataset.lang = lang;
  };
  draw(null);
}
