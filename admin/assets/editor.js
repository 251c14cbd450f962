// The draft editor: the kind of message, event and category, urgency, severity and
// certainty, each language's headline, description and instruction side by side, the siren
// signal, the expiry, the named areas, the area drawn on the map and the channels; beside them
// the reach, the SMS, what each channel sends and the findings. A change of the area or of the
// channels saves the draft and the reach follows.
// The same form writes an Update of an issued alert (`mode === 'update'`).

import { api } from './api.js';
import { field, fill, h, select } from './dom.js';
import { t } from './words.js';
import { areaChooser, chosenAreas, modeOf, statusChooser } from './compose.js';
import { capXml, fieldFor, findingList, reachPreview } from './previews.js';
import { drawing } from './draw.js';
import { channelChooser, channelPreviews, chosenChannels, knownChannels } from './channels.js';

const CATEGORIES = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'];
const URGENCY = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'];
const SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];
const CERTAINTY = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'];
const SIGNAL = 'TOCSIN_SIREN_SIGNAL';
const TEXTS = [
  ['event', 'input'],
  ['headline', 'input'],
  ['description', 'textarea'],
  ['instruction', 'textarea'],
];

/** Now plus `minutes`, as CAP writes a time: local, with its offset. */
function capTime(minutes) {
  const d = new Date(Date.now() + minutes * 60000);
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

function options(values, prefix) {
  return values.map((v) => [v, t(`${prefix}_${v}`) || v]);
}

/** One language's column. */
function languageColumn(info, i) {
  const lang = h('input', { id: `info-${i}-language`, value: info.language || '', required: true, size: '6' });
  return h(
    'fieldset',
    { class: 'language', 'data-index': i },
    h('legend', { text: t('languageN', { lang: info.language || '?' }) }),
    field(t('languageTag'), lang),
    TEXTS.map(([name, tag]) =>
      field(t(`f_${name}`), h(tag, { id: `info-${i}-${name}`, lang: info.language || undefined, value: info[name] || '', rows: tag === 'textarea' ? '4' : undefined })),
    ),
  );
}

export async function editor(main, app, alert, mode) {
  const content = structuredClone(alert.content);
  const first = content.infos[0] || {};
  const [areas, signals, outlines, config] = await Promise.all([
    api('GET', '/api/v1/areas'),
    api('GET', '/api/v1/signals').catch(() => null),
    api('GET', '/api/v1/public/areas').catch(() => []),
    api('GET', '/api/v1/public/config').catch(() => ({})),
  ]);
  let status = content.status;
  app.mode(modeOf(status));
  const previews = h('section', { class: 'previews', id: 'previews', 'aria-live': 'polite' });
  const findingsBox = h('section', { class: 'findings-box' });
  const channelBox = h('section', { class: 'channel-previews', id: 'channel-previews' });
  const channelsBox = h('div', { id: 'channels-box' });
  let chooser = null;
  const capBox = h('section', { class: 'cap-box' });
  const error = h('p', { class: 'error', role: 'alert', id: 'editor-error' });
  const confirmations = h('div', { id: 'confirmations' });
  const columns = h('div', { class: 'languages', id: 'languages' }, content.infos.map(languageColumn));
  const signalOf = (first.parameters || []).find((p) => p.valueName === SIGNAL);
  const signal = signals
    ? select([['', t('signalDefault', { name: (signals.signals.find((s) => s.code === signals.default) || { name: signals.default }).name })], ...signals.signals.filter((s) => !s.end).map((s) => [s.code, s.test ? t('signalTest', { name: s.name }) : s.name])], signalOf ? signalOf.value : '', { id: 'common-signal' })
    : null;
  const minutes = h('input', { id: 'expires-in', type: 'number', min: '0', max: '10080', value: '', placeholder: t('keepExpiry') });
  const common = h(
    'div',
    { class: 'common' },
    field(t('f_category'), select(options(CATEGORIES, 'cat'), (first.categories || [])[0], { id: 'common-categories' })),
    field(t('f_urgency'), select(options(URGENCY, 'urg'), first.urgency, { id: 'common-urgency' })),
    field(t('f_severity'), select(options(SEVERITY, 'sev'), first.severity, { id: 'common-severity' })),
    field(t('f_certainty'), select(options(CERTAINTY, 'cer'), first.certainty, { id: 'common-certainty' })),
    signal ? field(t('f_signal'), signal) : null,
    field(t('f_expires'), minutes, t('expiresNow', { at: first.expires || '—' })),
  );
  const areaBox = h('div', {}, areaChooser(areas, content.areas || []));
  // The reach follows the area as it changes: the draft is saved (one save at a time, the
  // last change winning) and the reach read again.
  let timer = null;
  let saving = false;
  let again = false;
  const autosave = (delay) => {
    if (mode === 'update') return;
    clearTimeout(timer);
    timer = setTimeout(saveAndRefresh, delay);
  };
  async function saveAndRefresh() {
    if (saving) {
      again = true;
      return;
    }
    saving = true;
    await busy(async () => {
      await save();
      await refresh();
    });
    saving = false;
    if (again) {
      again = false;
      saveAndRefresh();
    }
  }
  const drawn = drawing({ infos: content.infos, outlines, config: config || {}, onChange: () => autosave(400) });
  drawn.tick(content.areas || []);
  areaBox.addEventListener('change', () => {
    drawn.tick(chosenAreas(areaBox));
    autosave(0);
  });
  const addLanguage = h('button', {
    type: 'button',
    class: 'quiet',
    id: 'add-language',
    text: t('addTranslation'),
    onclick: () => {
      const copy = structuredClone(content.infos[0]);
      copy.language = content.infos.some((i) => (i.language || '').startsWith('en')) ? '' : 'en';
      content.infos.push(copy);
      columns.append(languageColumn(copy, content.infos.length - 1));
    },
  });

  /** The content as the form now says. */
  function collect() {
    const c = structuredClone(content);
    c.status = status;
    const channels = chosenChannels(chooser);
    if (channels) c.channels = channels;
    if (!(c.channels || []).length) delete c.channels;
    c.areas = chosenAreas(areaBox);
    drawn.apply(c);
    const value = (id) => document.getElementById(id).value;
    c.infos.forEach((info, i) => {
      info.language = value(`info-${i}-language`).trim() || info.language;
      for (const [name] of TEXTS) info[name] = value(`info-${i}-${name}`);
      if (!info.description) delete info.description;
      if (!info.instruction) delete info.instruction;
      info.categories = [value('common-categories')];
      info.urgency = value('common-urgency');
      info.severity = value('common-severity');
      info.certainty = value('common-certainty');
      const m = Number(minutes.value);
      if (m > 0) info.expires = capTime(m);
      if (signal) {
        info.parameters = (info.parameters || []).filter((p) => p.valueName !== SIGNAL);
        if (signal.value) info.parameters.push({ valueName: SIGNAL, value: signal.value });
      }
    });
    return c;
  }

  function failed(p) {
    error.textContent = p.message;
    if (p.findings.length) fill(findingsBox, h('h2', { text: t('findingsTitle') }), findingList(p.findings));
    const target = p.target || fieldFor(p.field);
    if (target) target.focus();
  }

  async function save() {
    const updated = await api('PUT', `/api/v1/alerts/${alert.id}`, { version: alert.version, content: collect() });
    alert = updated;
    return updated;
  }

  async function refresh() {
    fill(findingsBox, h('h2', { text: t('findingsTitle') }), findingList(alert.findings || []));
    const xml = await api('GET', `/api/v1/alerts/${alert.id}/preview`).catch((p) => p.message);
    fill(capBox, capXml(xml, t(mode === 'update' ? 'capTitle' : 'capPreviewTitle')));
    const reach = await reachPreview(previews, alert.id);
    drawn.reach(reach && reach.confirmations);
    confirmBoxes((reach && reach.confirmations) || []);
    if (reach && !chooser) {
      // The reach follows the channels as they are ticked, like the areas.
      chooser = channelChooser(knownChannels(reach), content.channels || [], () => {
        if (mode !== 'update') busy(async () => {
          await save();
          await refresh();
        });
      });
      fill(channelsBox, chooser);
    }
    await channelPreviews(channelBox, alert.id);
  }

  /** One checkbox for each confirmation submitting needs. */
  function confirmBoxes(reasons) {
    fill(
      confirmations,
      reasons.map((c) =>
        h('label', { class: 'check confirm' }, h('input', { type: 'checkbox', name: 'confirm', value: c, id: `confirm-${c}` }), ` ${t(`confirmBox_${c}`)}`),
      ),
    );
  }

  const saveButton = h('button', { type: 'button', id: 'save-draft', text: t('saveDraft') });
  const submitButton = h('button', { type: 'submit', id: 'submit-alert' });
  /** The send button says what is sent, and a live one is red. */
  const label = () => {
    submitButton.textContent = t(`${mode === 'update' ? 'submitUpdate' : 'submitForApproval'}_${status}`);
    submitButton.className = status === 'Actual' ? 'danger' : 'primary';
  };
  label();
  const busy = async (fn) => {
    error.textContent = '';
    saveButton.disabled = submitButton.disabled = true;
    try {
      await fn();
    } catch (p) {
      failed(p);
    } finally {
      saveButton.disabled = submitButton.disabled = false;
    }
  };
  saveButton.addEventListener('click', () =>
    busy(async () => {
      await save();
      await refresh();
      app.notice(null);
    }),
  );
  const form = h(
    'form',
    { id: 'editor', class: 'editor', novalidate: true },
    h('h1', { text: mode === 'update' ? t('updateTitle', { headline: alert.headline || '' }) : t('draftTitle') }),
    statusChooser(status, (s) => {
      status = s;
      app.mode(modeOf(s));
      label();
    }),
    common,
    h('h2', { text: t('textsTitle') }),
    columns,
    addLanguage,
    areaBox,
    drawn.element,
    channelsBox,
    confirmations,
    error,
    h('p', { class: 'actions' }, mode === 'update' ? null : saveButton, submitButton),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(async () => {
      const confirm = [...confirmations.querySelectorAll('input:checked')].map((i) => i.value);
      if (mode === 'update') {
        try {
          const next = await api('POST', `/api/v1/alerts/${alert.id}/update`, { content: collect(), confirm });
          return app.go(`#/alerts/${next.id}`);
        } catch (p) {
          // The Update's own reach may ask what the original's did not: offer the boxes it names.
          if (p.code === 'API-018') confirmBoxes(['no-recipients', 'outside-territory'].filter((r) => p.message.includes(r)));
          throw p;
        }
      }
      await save();
      try {
        await api('POST', `/api/v1/alerts/${alert.id}/submit`, { confirm });
      } catch (p) {
        await refresh();
        throw p;
      }
      app.go(`#/alerts/${alert.id}`);
    });
  });
  fill(main, h('div', { class: 'workspace' }, form, h('aside', { class: 'side' }, previews, channelBox, findingsBox, capBox)));
  drawn.map.fit();
  await refresh();
}
