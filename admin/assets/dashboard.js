// After issue: per channel, how many deliveries are queued, sent, delivered, acknowledged or
// failed, kept current by Server-Sent Events; the towns it was handed to (a cascade's
// children) with what each reports; the failures with their reasons; the other messages of the
// thread; and the corrections in one click (Update, Cancel, All clear, false
// alarm), each prefilled by the server from this alert.

import { api } from './api.js';
import { fill, h, when } from './dom.js';
import { t } from './words.js';
import { alertHeader } from './review.js';
import { deliveriesChart } from './chart.js';

const STATUSES = ['queued', 'sent', 'delivered', 'acknowledged', 'failed', 'expired', 'cancelled'];
const SHOWN = ['queued', 'sent', 'delivered', 'acknowledged', 'failed'];

/** A channel's deliveries in all, whatever their status. */
function channelTotal(counts) {
  return STATUSES.reduce((n, s) => n + (counts[s] || 0), 0);
}

function channelRow(name, counts) {
  const total = channelTotal(counts);
  const bar = h(
    'div',
    { class: 'bar', 'aria-hidden': 'true' },
    STATUSES.filter((s) => counts[s]).map((s) => h('span', { class: `seg ${s}`, 'data-share': String(counts[s] / total) })),
  );
  // Widths through the CSSOM, which the style-src policy allows (an inline style attribute is not).
  [...bar.children].forEach((seg) => {
    seg.style.width = `${(Number(seg.dataset.share) * 100).toFixed(2)}%`;
  });
  const done = (counts.delivered || 0) + (counts.acknowledged || 0) + (counts.sent || 0);
  return h(
    'tr',
    { 'data-channel': name },
    h('th', { scope: 'row', text: t(`ch_${name}`) || name }),
    SHOWN.map((s) => h('td', { class: `num ${s}`, 'data-status': s, text: String(counts[s] || 0) })),
    h('td', { class: 'progress' }, bar, h('span', { class: 'visually-hidden', text: t('progressOf', { done, total }) })),
  );
}

function counts(table, summary) {
  const body = table.querySelector('tbody');
  const names = Object.keys(summary.channels);
  fill(
    body,
    names.length
      ? names.map((n) => channelRow(n, summary.channels[n]))
      : h('tr', {}, h('td', { colspan: String(SHOWN.length + 2), class: 'empty', text: summary.fanout === 'pending' ? t('planning') : t('noDeliveries') })),
  );
  table.dataset.total = String(summary.total);
}

async function failures(box, id) {
  const rows = await api('GET', `/api/v1/alerts/${id}/deliveries/list?status=failed&limit=50`);
  fill(
    box,
    h('h2', { text: t('failuresTitle') }),
    rows.length
      ? h(
          'ul',
          { class: 'failures', id: 'failures' },
          rows.map((d) =>
            h('li', {}, `${t(`ch_${d.channel}`) || d.channel} · ${d.recipientKind} ${d.recipientId}: `, h('span', { class: 'reason', text: d.lastError || t('noReason') }), ` (${t('attempts', { n: d.attempts })})`),
          ),
        )
      : h('p', { class: 'hint', id: 'failures', text: t('noFailures') }),
  );
}

async function thread(box, alert) {
  const all = await api('GET', `/api/v1/alerts?thread=${alert.threadId}&limit=50`);
  const others = all.filter((m) => m.id !== alert.id);
  if (!others.length) return fill(box);
  fill(
    box,
    h('h2', { text: t('threadTitle') }),
    h('ul', { id: 'thread' }, others.map((m) => h('li', {}, h('a', { href: `#/alerts/${m.id}`, text: `${t(`msg_${m.msgType}`)}: ${m.headline || m.id}` }), ` · ${t(`state_${m.state}`)} · ${when(m.issuedMs || m.createdMs)}`))),
  );
}

/** Delivered in some way: sent, confirmed or acknowledged, over every channel of a report. */
function reachedIn(report) {
  return Object.values(report.channels).reduce((n, c) => n + (c.sent || 0) + (c.delivered || 0) + (c.acknowledged || 0), 0);
}

/** The towns (child instances) the alert was handed to, and what each reports; nothing when
 * it went to none. */
async function cascade(box, id) {
  const v = await api('GET', `/api/v1/alerts/${id}/cascade`);
  if (!v.handedTo) return fill(box);
  const row = (c) => {
    const r = c.report;
    const why = ['queued', 'failed'].includes(c.status) && c.lastError ? ` (${c.lastError})` : '';
    return h(
      'tr',
      { 'data-child': c.name },
      h('th', { scope: 'row', text: c.name }),
      h('td', { class: 'hand-over', 'data-status': c.status, text: t(`ho_${c.status}`) + why }),
      h('td', { class: 'there', text: r ? t(`state_${r.state}`) || r.state : t('noReport') }),
      h('td', { class: 'num', 'data-status': 'reached', text: r ? String(reachedIn(r)) : '' }),
      h('td', { class: 'num', 'data-status': 'failed', text: r ? String(Object.values(r.channels).reduce((n, ch) => n + (ch.failed || 0), 0)) : '' }),
      h('td', { text: c.reportedMs ? when(c.reportedMs) : c.reportError || '' }),
    );
  };
  const cols = ['colTown', 'colHandOver', 'colThere', 'colReached', 'colFailed', 'colReported'];
  fill(
    box,
    h(
      'table',
      { class: 'deliveries', id: 'cascade' },
      h('caption', { text: t('cascadeTitle') }),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', text: t(c) })))),
      h('tbody', {}, v.children.map(row)),
    ),
    h('p', { class: 'hint', id: 'cascade-total', text: t('cascadeTotal', { total: v.combinedTotal }) }),
  );
}

function corrections(app, alert, error) {
  if (alert.state !== 'issued' || alert.msgType === 'Cancel') return null;
  const send = (kind) => async () => {
    error.textContent = '';
    try {
      const next = await api('POST', `/api/v1/alerts/${alert.id}/cancel`, { kind });
      app.go(`#/alerts/${next.id}`);
    } catch (p) {
      error.textContent = p.message;
    }
  };
  return h(
    'section',
    { class: 'corrections', id: 'corrections' },
    h('h2', { text: t('correctTitle') }),
    app.can('author') ? h('a', { class: 'button', href: `#/alerts/${alert.id}/update`, id: 'update', text: t('update') }) : null,
    h('button', { id: 'cancel', onclick: send('cancel'), text: t('cancelAlert') }),
    h('button', { id: 'all-clear', onclick: send('all-clear'), text: t('allClear') }),
    h('button', { class: 'danger', id: 'false-alarm', onclick: send('false-alarm'), text: t('falseAlarm') }),
  );
}

/** Each channel's deliveries in all, from a summary. */
function totals(summary) {
  return Object.fromEntries(Object.entries(summary.channels).map(([n, c]) => [n, channelTotal(c)]));
}

/** Redraws the chart at most every two seconds however often the counts change. */
function chartUpdater(box, id) {
  let last = { channels: {} };
  let timer = null;
  let running = false;
  const draw = async () => {
    timer = null;
    if (running) return;
    running = true;
    try {
      const timeline = await api('GET', `/api/v1/alerts/${id}/deliveries/timeline`);
      fill(box, deliveriesChart(timeline, totals(last)), h('p', { class: 'hint', text: t('chartHint') }));
    } catch {
      // The counts above stay current; the chart catches up at the next change.
    } finally {
      running = false;
    }
  };
  return {
    update(summary) {
      last = summary;
      if (!timer) timer = setTimeout(draw, 2000);
    },
    now(summary) {
      last = summary;
      return draw();
    },
    stop() {
      if (timer) clearTimeout(timer);
    },
  };
}

export async function dashboard(main, app, alert) {
  app.mode(alert.mode);
  const table = h(
    'table',
    { class: 'deliveries', id: 'deliveries' },
    h('caption', { text: t('deliveriesTitle') }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('colChannel') }), SHOWN.map((s) => h('th', { scope: 'col', text: t(`st_${s}`) })), h('th', { scope: 'col', text: t('colProgress') }))),
    h('tbody', {}),
  );
  const live = h('p', { class: 'hint', id: 'stream-state', text: t('streamConnecting') });
  const failBox = h('section', { id: 'failures-box' });
  const chartBox = h('section', { id: 'chart-box' });
  const chart = chartUpdater(chartBox, alert.id);
  const threadBox = h('section', { id: 'thread-box' });
  const cascadeBox = h('section', { id: 'cascade-box' });
  const error = h('p', { class: 'error', role: 'alert', id: 'dashboard-error' });
  fill(
    main,
    alertHeader(alert),
    h('p', { class: 'facts', text: t('issuedAt', { at: when(alert.issuedMs) }) }),
    corrections(app, alert, error),
    error,
    table,
    live,
    cascadeBox,
    chartBox,
    failBox,
    threadBox,
  );
  const first = await api('GET', `/api/v1/alerts/${alert.id}/deliveries`);
  counts(table, first);
  await Promise.all([failures(failBox, alert.id), thread(threadBox, alert), chart.now(first), cascade(cascadeBox, alert.id).catch(() => {})]);
  // The towns report every few seconds to this instance, not through the stream: ask as often.
  const towns = setInterval(() => cascade(cascadeBox, alert.id).catch(() => {}), 5000);
  let failed = -1;
  const source = new EventSource(`/api/v1/alerts/${alert.id}/deliveries/stream`);
  source.addEventListener('open', () => {
    live.textContent = t('streamLive');
  });
  source.addEventListener('counts', (e) => {
    const summary = JSON.parse(e.data);
    counts(table, summary);
    chart.update(summary);
    const nowFailed = Object.values(summary.channels).reduce((n, c) => n + (c.failed || 0), 0);
    if (nowFailed !== failed) {
      failed = nowFailed;
      failures(failBox, alert.id).catch(() => {});
    }
  });
  source.addEventListener('error', () => {
    live.textContent = t('streamLost');
    // A refused stream may be an ended session: one plain request finds out (and signs out).
    api('GET', `/api/v1/alerts/${alert.id}/deliveries`).catch(() => {});
  });
  app.onLeave(() => {
    source.close();
    chart.stop();
    clearInterval(towns);
  });
}
