// The channels an alert goes out on (one checkbox each, all ticked by default) and the previews
// of what each chosen channel sends, per language, as tabs: push, SMS, email, display, siren.
// Every preview comes from the server, made by the code that sends; the push notification's
// title and body come from the residents' app's own notice.js, as the phone makes them.

import { api } from './api.js';
import { fill, h } from './dom.js';
import { t } from './words.js';

/** The order channels are shown in; any other channel the server runs comes after. */
const ORDER = ['push', 'sms', 'email', 'display', 'siren', 'webhook'];

/** The channels the server knows, from a reach answer, in the order above. */
export function knownChannels(reach) {
  const all = [...(reach.channels || []), ...(reach.notChosen || [])];
  const rank = (c) => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
  return all.sort((a, b) => rank(a) - rank(b));
}

/** A fieldset of one checkbox per channel; `chosen` empty means all. Never lets the last box
 *  be unticked: an alert that goes nowhere warns nobody. */
export function channelChooser(channels, chosen, onChange) {
  const status = h('p', { class: 'hint', id: 'channels-status', 'aria-live': 'polite' });
  const boxes = channels.map((c) =>
    h('input', { type: 'checkbox', id: `channel-${c}`, name: 'channel', value: c, checked: !chosen.length || chosen.includes(c) }),
  );
  const box = h(
    'fieldset',
    { class: 'channels', id: 'channels' },
    h('legend', { text: t('channelsLegend') }),
    boxes.map((b) => h('label', { class: 'check', for: b.id }, b, ` ${t(`ch_${b.value}`) || b.value}`)),
    status,
  );
  box.addEventListener('change', (e) => {
    if (!boxes.some((b) => b.checked)) {
      e.target.checked = true;
      status.textContent = t('channelsAtLeastOne');
      return;
    }
    status.textContent = '';
    onChange();
  });
  return box;
}

/** The chosen channels of a chooser: empty when every one is ticked (all, now and later). */
export function chosenChannels(box) {
  if (!box) return null;
  const boxes = [...box.querySelectorAll('input[name=channel]')];
  return boxes.every((b) => b.checked) ? [] : boxes.filter((b) => b.checked).map((b) => b.value);
}

let notice = null;

/** The residents' app's notification maker (`/app/notice.js`, a script that sets `tocsinNotice`). */
async function noticeMaker() {
  if (!notice) notice = import('/app/notice.js').then(() => self.tocsinNotice).catch(() => null);
  return notice;
}

function facts(pairs) {
  return h('dl', { class: 'preview-facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]));
}

function pushPanel(p, maker) {
  const payload = p.payload || {};
  let origin = location.origin;
  try {
    origin = new URL(payload.url).origin;
  } catch (e) {
    // no link: the notification opens the app's own origin
  }
  const n = maker ? maker.notificationFor(payload, origin, p.language) : { title: payload.headline, options: { body: '', data: {} } };
  return [
    h('div', { class: 'notification', lang: payload.language }, h('p', { class: 'notification-title', text: n.title }), h('p', { class: 'notification-body', text: n.options.body })),
    facts([
      [t('pushOpens'), (n.options.data || {}).url],
      [t('pushTag'), n.options.tag],
      [t('pushUrgency'), p.urgency],
      [t('pushTtl'), p.ttlSeconds === undefined ? t('pushExpired') : t('seconds', { n: p.ttlSeconds })],
      [t('pushSticky'), n.options.requireInteraction ? t('yes') : t('no')],
    ]),
  ];
}

let policy = null;

/** The email's HTML as the sandboxed frame's document: the one Trusted Types policy the admin
 *  page allows, used only here, where `sandbox=""` keeps any script from running. */
function emailDocument(html) {
  if (!self.trustedTypes) return html;
  policy = policy || self.trustedTypes.createPolicy('email-preview', { createHTML: (s) => s });
  return policy.createHTML(html);
}

function emailPanel(e, lang) {
  const frame = h('iframe', { class: 'email-html', sandbox: '', title: t('emailHtml', { lang }) });
  frame.srcdoc = emailDocument(e.html);
  return [
    facts([[t('emailSubject'), e.subject]]),
    h('h4', { text: t('emailText') }),
    h('pre', { class: 'sms-text', tabindex: '0', role: 'region', 'aria-label': t('emailText'), lang, text: e.text }),
    h('h4', { text: t('emailHtml', { lang }) }),
    frame,
    h('p', { class: 'hint', text: t('emailUnsubscribe') }),
  ];
}

function smsPanel(s) {
  return [
    facts([[t('smsEncoding'), s.encoding === 'gsm7' ? 'GSM 7-bit' : 'UCS-2'], [t('smsSegments'), s.segments]]),
    h('pre', { class: 'sms-text', tabindex: '0', role: 'region', 'aria-label': `SMS ${s.language}`, lang: s.language, text: s.text }),
    s.truncated ? h('p', { class: 'warning', text: t('smsTruncated') }) : null,
  ];
}

/** A small replica of the display's alert screen, from the command a display gets. */
function displayPanel(command, lang) {
  const texts = command.texts || [];
  const text = texts.find((x) => x.language === lang) || texts[0] || {};
  const drill = command.mode !== 'live';
  return h(
    'div',
    { class: 'screen', 'data-severity': command.severity || 'Unknown', lang: text.language },
    drill ? h('p', { class: 'screen-marker', text: text.marker || String(command.mode).toUpperCase() }) : null,
    h('p', { class: 'screen-band', text: text.severityText || command.severity }),
    h('p', { class: 'screen-headline', text: text.headline }),
    text.instruction ? h('p', { class: 'screen-instruction', text: text.instruction }) : null,
    text.description ? h('p', { class: 'screen-description', text: text.description }) : null,
    text.area ? h('p', { class: 'screen-small', text: text.area }) : null,
    command.expires ? h('p', { class: 'screen-small', text: t('displayUntil', { at: command.expires }) }) : null,
  );
}

function sirenPanel(siren, lang) {
  const s = siren.signal;
  const voice = (siren.command.voice || []).find((v) => v.language === lang);
  if (!s) return h('p', { class: 'warning', text: t('sirenNoSignal') });
  const second = siren.needsSecondApprover ? h('p', { class: 'warning', id: 'signal-second-approver', text: t('sirenSecondApprover', { name: s.name }) }) : null;
  return h('div', {}, second, facts([
    [t('sirenSignal'), `${s.name} (${s.code})`],
    [t('sirenPattern'), t(`pattern_${s.pattern}`) || s.pattern],
    [t('sirenDuration'), t('seconds', { n: s.seconds })],
    [t('sirenAudible'), s.pattern === 'silent' ? t('no') : t('yes')],
    [t('sirenEnd'), s.end ? t('yes') : t('no')],
    [t('sirenTest'), s.test ? t('yes') : t('no')],
    [t('sirenVoice'), voice ? voice.text : ''],
  ]));
}

/** The tabs: arrow keys, Home and End move between them (the ARIA tabs pattern). */
function tabs(items) {
  const list = h('div', { role: 'tablist', class: 'tabs', 'aria-label': t('previewsTitle') });
  const panels = items.map(([key, , body]) =>
    h('div', { role: 'tabpanel', id: `panel-${key}`, 'aria-labelledby': `tab-${key}`, tabindex: '0', class: 'tab-panel', hidden: true }, body),
  );
  const buttons = items.map(([key, label], i) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${key}`, 'aria-controls': `panel-${key}`, 'data-channel': key, text: label, onclick: () => select(i) }),
  );
  function select(i, focus) {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    if (focus) buttons[i].focus();
  }
  list.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement);
    const n = buttons.length;
    const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
    if (i < 0 || to === undefined) return;
    e.preventDefault();
    select(to, true);
  });
  list.append(...buttons);
  if (buttons.length) select(0);
  return [list, ...panels];
}

/** One section per language inside a tab. */
function perLanguage(languages, render) {
  return languages.map((l) => h('section', { class: 'preview-lang', 'data-lang': l.language }, h('h3', { text: t('languageN', { lang: l.language }) }), render(l)));
}

/** The previews of alert `id`, filled into `box`. */
export async function channelPreviews(box, id) {
  let p;
  try {
    p = await api('GET', `/api/v1/alerts/${id}/previews`);
  } catch (e) {
    fill(box, h('h2', { text: t('previewsTitle') }), h('p', { class: 'error', text: e.message }));
    return;
  }
  const maker = await noticeMaker();
  const langs = p.languages;
  const has = (c) => p.channels.includes(c);
  const items = [
    has('push') ? ['push', t('ch_push'), perLanguage(langs, (l) => pushPanel(l.push, maker))] : null,
    has('sms') ? ['sms', t('ch_sms'), perLanguage(langs, (l) => (l.sms ? smsPanel(l.sms) : null))] : null,
    has('email') ? ['email', t('ch_email'), perLanguage(langs, (l) => emailPanel(l.email, l.language))] : null,
    p.display ? ['display', t('ch_display'), perLanguage(langs, (l) => displayPanel(p.display, l.language))] : null,
    p.siren ? ['siren', t('ch_siren'), perLanguage(langs, (l) => sirenPanel(p.siren, l.language))] : null,
  ].filter(Boolean);
  fill(
    box,
    h('h2', { text: t('previewsTitle') }),
    h('p', { id: 'chosen-channels', text: t('channelsChosen', { list: p.channels.map((c) => t(`ch_${c}`) || c).join(', ') }) }),
    items.length ? tabs(items) : h('p', { class: 'hint', text: t('previewsNone') }),
  );
}
