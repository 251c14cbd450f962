// The residents screen: subscriptions per channel and per named area, verified or pending,
// with no personal data; and, for operators, importing a municipal list (CSV): a dry run that
// reports every refused line, then "Import N residents".

import { api } from './api.js';
import { field, fill, h } from './dom.js';
import { t } from './words.js';
import { emptyRow, errorLine, fileText, num, statusLine, table } from './manage.js';

const CHANNELS = ['push', 'sms', 'email'];

function channelTable(stats) {
  const numeric = ['rsVerified', 'rsPending'];
  const { el, body } = table('residents-channels', t('rsByChannel'), ['rsChannel', ...numeric], numeric);
  const order = [...CHANNELS, ...Object.keys(stats.channels).filter((c) => !CHANNELS.includes(c))];
  const rows = order.map((c) => [c, stats.channels[c] || { verified: 0, pending: 0 }]).map(([c, n]) =>
    h(
      'tr',
      { 'data-channel': c },
      h('th', { scope: 'row', text: t(`rsChannel_${c}`) || c }),
      h('td', { class: 'num', 'data-count': 'verified', text: num(n.verified) }),
      h('td', { class: 'num', 'data-count': 'pending', text: num(n.pending) }),
    ),
  );
  rows.push(
    h(
      'tr',
      { 'data-channel': 'total', class: 'total' },
      h('th', { scope: 'row', text: t('rsTotal') }),
      h('td', { class: 'num', 'data-count': 'verified', text: num(stats.total.verified) }),
      h('td', { class: 'num', 'data-count': 'pending', text: num(stats.total.pending) }),
    ),
  );
  fill(body, rows);
  return el;
}

function areaTable(stats) {
  const heads = ['rsArea', ...CHANNELS.map((c) => `rsChannel_${c}`), 'rsVerified', 'rsPending'];
  const { el, body } = table('residents-areas', t('rsByArea'), heads, heads.slice(1));
  if (!stats.areas.length) fill(body, emptyRow(heads.length, t('rsNoAreas')));
  else
    fill(
      body,
      stats.areas.map((a) =>
        h(
          'tr',
          { 'data-area': a.name },
          h('th', { scope: 'row', text: a.name }),
          CHANNELS.map((c) => {
            const n = a.channels[c] || { verified: 0, pending: 0 };
            return h('td', {
              class: 'num',
              'data-channel': c,
              title: t('rsPendingOf', { n: n.pending }),
              text: num(n.verified + n.pending),
            });
          }),
          h('td', { class: 'num', 'data-count': 'verified', text: num(a.total.verified) }),
          h('td', { class: 'num', 'data-count': 'pending', text: num(a.total.pending) }),
        ),
      ),
    );
  return el;
}

/** What a dry run or an import said, every refused line with its reason. */
function reportView(r) {
  const summary = r.dryRun
    ? t('rsWouldImport', { n: r.imported, rows: r.rows })
    : t('rsImported', { n: r.imported, rows: r.rows });
  return h(
    'div',
    { class: 'report' },
    h('p', { id: 'import-summary', class: r.refused ? 'error' : 'ok', text: r.refused ? t('rsRefused', { bad: r.bad.length, rows: r.rows }) : summary }),
    r.duplicates.length > 0 && h('p', { text: t('rsDuplicates', { n: r.duplicates.length }) }),
    r.bad.length > 0 &&
      h(
        'ul',
        { id: 'import-bad', class: 'refusals' },
        r.bad.map((b) => h('li', { 'data-line': b.line, text: t('rsLine', { line: b.line, field: b.field, reason: b.reason }) })),
      ),
    r.duplicates.length > 0 &&
      h(
        'ul',
        { class: 'refusals muted' },
        r.duplicates.map((d) => h('li', { text: t('rsDuplicateLine', { line: d.line, masked: d.masked }) })),
      ),
  );
}

function importForm(reload) {
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv' });
  const skip = h('input', { id: 'import-skip', type: 'checkbox' });
  const check = h('button', { type: 'submit', id: 'import-check', text: t('rsCheck') });
  const result = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const error = errorLine('import-error');
  let checked = null;
  const reset = () => {
    checked = null;
    fill(result);
    error.textContent = '';
  };
  file.addEventListener('change', reset);
  skip.addEventListener('change', reset);
  const send = (text, dryRun) =>
    api('POST', `/api/v1/residents/import?dryRun=${dryRun}&skipBadRows=${skip.checked}`, text, 'text/csv');

  const confirm = (report) =>
    h('button', {
      type: 'button',
      class: 'primary',
      id: 'import-confirm',
      disabled: report.refused || report.imported === 0,
      text: t('rsImportN', { n: report.imported }),
      onclick: async (e) => {
        e.target.disabled = true;
        try {
          const done = await send(checked, false);
          checked = null;
          fill(result, reportView(done));
          await reload();
        } catch (p) {
          error.textContent = p.message;
        }
      },
    });

  const form = h(
    'form',
    { id: 'residents-import', class: 'panel', novalidate: true },
    h('h2', { text: t('rsImportTitle') }),
    h('p', { class: 'hint', text: t('rsImportHint') }),
    field(t('rsFile'), file),
    h('label', { class: 'check' }, skip, t('rsSkipBad')),
    h('div', {}, check),
    error,
    result,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    reset();
    const text = await fileText(file);
    if (text === null) {
      error.textContent = t('rsChooseFile');
      return;
    }
    try {
      const report = await send(text, true);
      checked = text;
      fill(result, reportView(report), report.refused && h('p', { class: 'hint', text: t('rsFixOrSkip') }), confirm(report));
      result.scrollIntoView({ block: 'nearest' });
    } catch (p) {
      error.textContent = p.message;
    }
  });
  return form;
}

export async function residentsScreen(main, app) {
  const figures = h('div', { id: 'residents-figures' });
  const status = statusLine('rs-status');
  const reload = async () => {
    const stats = await api('GET', '/api/v1/residents/stats');
    fill(
      figures,
      h('h2', { text: t('rsByChannel') }),
      h('div', { class: 'scroll narrow' }, channelTable(stats)),
      h('h2', { text: t('rsByArea') }),
      h('p', { class: 'hint', text: t('rsAreaHint') }),
      h('div', { class: 'scroll' }, areaTable(stats)),
    );
    status.textContent = t('rsTotalLine', { verified: num(stats.total.verified), pending: num(stats.total.pending) });
  };
  fill(
    main,
    h('h1', { text: t('rsTitle') }),
    h('p', { class: 'hint', text: t('rsPrivacy') }),
    status,
    figures,
    (app.can('operator') || app.can('admin')) && importForm(reload),
  );
  await reload();
}
