// What an alert will do before anyone approves it: whom it reaches per channel (the reach
// estimate, saying which channels are not chosen), the SMS each language sends with its encoding and segments, the CAP XML, and
// the validation findings, each linked to the field at fault when it is on the screen.

import { api } from './api.js';
import { fill, h } from './dom.js';
import { t } from './words.js';

/** The reach table and SMS previews of alert `id`, filled into `box`; gives the reach. */
export async function reachPreview(box, id) {
  fill(box, h('p', { class: 'hint', text: t('loading') }));
  let reach;
  try {
    reach = await api('GET', `/api/v1/alerts/${id}/reach`);
  } catch (p) {
    fill(box, h('p', { class: 'error', text: p.message }));
    return null;
  }
  const subs = reach.subscriptions || {};
  const rows = [
    ['push', subs.push || 0],
    ['sms', subs.sms || 0],
    ['email', subs.email || 0],
    ['siren', reach.sirens],
    ['display', reach.displays],
    ['webhook', reach.webhooks],
  ];
  fill(
    box,
    h('h2', { text: t('reachTitle') }),
    h(
      'table',
      { class: 'reach', id: 'reach' },
      h('caption', { class: 'visually-hidden', text: t('reachTitle') }),
      h(
        'tbody',
        {},
        rows.map(([ch, n]) => {
          const off = (reach.notChosen || []).includes(ch);
          return h(
            'tr',
            { 'data-channel': ch, 'data-chosen': off ? 'no' : 'yes' },
            h('th', { scope: 'row', text: t(`ch_${ch}`) }),
            h('td', { class: 'num', text: String(n) }),
            h('td', { class: 'hint', text: off ? t('notChosen') : '' }),
          );
        }),
      ),
    ),
    h('p', { class: 'hint', id: 'reach-area', text: t('areaSize', { area: reach.areaKm2.toFixed(1), territory: reach.territoryKm2.toFixed(1) }) }),
    reach.confirmations.map((c) => h('p', { class: 'warning', text: t(`confirm_${c}`) })),
    h('h2', { text: t('smsTitle') }),
    reach.sms.map((s) =>
      h(
        'figure',
        { class: 'sms', 'data-lang': s.language },
        h('figcaption', {
          text: t('smsCaption', {
            lang: s.language,
            encoding: s.encoding === 'gsm7' ? 'GSM 7-bit' : 'UCS-2',
            n: s.segments,
          }),
        }),
        h('pre', { class: 'sms-text', tabindex: '0', role: 'region', 'aria-label': `SMS ${s.language}`, lang: s.language, text: s.text }),
        s.truncated ? h('p', { class: 'warning', text: t('smsTruncated') }) : null,
      ),
    ),
  );
  return reach;
}

/** The element a finding's path or an error's field points at, if on the screen. */
export function fieldFor(path) {
  if (!path) return null;
  // A polygon or circle is drawn on the map, where its coordinates can also be typed.
  const shape = /\/areas?(\[\d+\]|\/\d+)\/(polygons?|circles?)\b/.test(path) && document.getElementById('map-coords');
  if (shape) return shape;
  const info = /^\/(?:alert\/info\[(\d+)\]|infos\/(\d+))\/?(\w+)?/.exec(path);
  if (info) {
    const i = info[1] ? Number(info[1]) - 1 : Number(info[2]);
    const name = info[3] || 'headline';
    if (name === 'area' || name === 'areas') return document.querySelector('#areas input, #areas');
    if (name === 'expires') return document.getElementById('expires-in');
    return (
      document.getElementById(`info-${i}-${name}`) ||
      document.getElementById(`common-${name}`) ||
      document.getElementById(`info-${i}-headline`)
    );
  }
  if (path.startsWith('/areas')) return document.querySelector('#areas input, #areas');
  if (path.startsWith('/status')) return document.getElementById('status-Actual');
  return null;
}

/** Findings as a list; each names its code and, when its field is on the screen, links to it. */
export function findingList(findings) {
  if (!findings.length) return h('p', { class: 'ok', id: 'findings', text: t('noFindings') });
  return h(
    'ul',
    { class: 'findings', id: 'findings' },
    findings.map((f) => {
      const target = fieldFor(f.path);
      const text = `${f.code}: ${f.message}`;
      return h(
        'li',
        { class: `finding ${f.severity}` },
        h('span', { class: 'badge', text: t(f.severity === 'error' ? 'error' : 'warning') }),
        ' ',
        target
          ? h('button', { type: 'button', class: 'link', onclick: () => target.focus(), text })
          : h('span', { text }),
        h('span', { class: 'hint', text: ` ${f.path}` }),
      );
    }),
  );
}

/** The CAP XML: as it will be approved and issued byte for byte, or a draft's preview. */
export function capXml(xml, title = t('capTitle')) {
  return h(
    'details',
    { class: 'cap', id: 'cap' },
    h('summary', { text: title }),
    h('pre', { class: 'xml', tabindex: '0', role: 'region', 'aria-label': title, text: xml || '' }),
  );
}
