// The dashboard's chart of deliveries over time: per channel, the share of its deliveries
// sent (solid) and confirmed (dashed) since issue, drawn in SVG from the server's timeline,
// with the same figures as a table for those who do not see the chart.

import { h } from './dom.js';
import { t } from './words.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 220;
const PLOT = { left: 44, right: 630, top: 12, bottom: 186 };
// Colours with at least 3:1 contrast against white, told apart by the legend's words too.
const COLOURS = ['#0b5394', '#a61c00', '#38761d', '#7f3fbf', '#b45f06', '#134f5c', '#741b47'];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children.filter((c) => c !== null && c !== undefined));
  return el;
}

function cumulative(values) {
  let sum = 0;
  return values.map((v) => (sum += v));
}

function clock(ms) {
  const sec = Math.round(ms / 1000);
  return sec < 120 ? `${sec} s` : `${Math.round(sec / 60)} min`;
}

function line(points, colour, dashed) {
  const d = points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return s('path', { d, fill: 'none', stroke: colour, 'stroke-width': 2.5, 'stroke-dasharray': dashed ? '6 4' : 'none' });
}

function axes(len, bucketMs) {
  const g = s('g', { class: 'axes', 'font-size': 12, fill: '#333' });
  for (const share of [0, 0.5, 1]) {
    const y = PLOT.bottom - share * (PLOT.bottom - PLOT.top);
    g.append(s('line', { x1: PLOT.left, x2: PLOT.right, y1: y, y2: y, stroke: '#bbb' }));
    g.append(s('text', { x: PLOT.left - 6, y: y + 4, 'text-anchor': 'end' }, `${share * 100}%`));
  }
  for (const at of [0, 0.5, 1]) {
    const x = PLOT.left + at * (PLOT.right - PLOT.left);
    g.append(s('text', { x, y: PLOT.bottom + 18, 'text-anchor': at === 0 ? 'start' : at === 1 ? 'end' : 'middle' }, clock(at * len * bucketMs)));
  }
  return g;
}

function table(names, data, len, bucketMs) {
  return h(
    'table',
    { class: 'timeline-table' },
    h('caption', { class: 'visually-hidden', text: t('chartTableCaption') }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: t('chartAfter') }), names.map((n) => h('th', { scope: 'col', text: t(`ch_${n}`) || n })))),
    h(
      'tbody',
      {},
      Array.from({ length: len }, (_, i) =>
        h('tr', {}, h('th', { scope: 'row', text: clock((i + 1) * bucketMs) }), names.map((n) => h('td', { class: 'num', text: `${data[n].sent[i]} / ${data[n].delivered[i]}` }))),
      ),
    ),
  );
}

/** The chart of `timeline` (`GET .../deliveries/timeline`), each channel against its `totals`. */
export function deliveriesChart(timeline, totals) {
  const names = Object.keys(timeline.channels);
  const len = Math.max(0, ...names.map((n) => timeline.channels[n].sent.length));
  if (!timeline.startMs || !len) return h('figure', { class: 'chart', id: 'chart' }, h('figcaption', { text: t('chartTitle') }), h('p', { class: 'hint', text: t('chartEmpty') }));
  const data = {};
  const x = (i) => PLOT.left + ((i + 1) / len) * (PLOT.right - PLOT.left);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title chart-summary', class: 'chart-svg' }, axes(len, timeline.bucketMs));
  const legend = h('ul', { class: 'legend' });
  const summary = [];
  names.forEach((n, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const sent = cumulative(timeline.channels[n].sent);
    const delivered = cumulative(timeline.channels[n].delivered);
    data[n] = timeline.channels[n];
    const total = Math.max(1, totals[n] || 0, sent[sent.length - 1]);
    const y = (v) => PLOT.bottom - (v / total) * (PLOT.bottom - PLOT.top);
    svg.append(line([[PLOT.left, PLOT.bottom], ...sent.map((v, i) => [x(i), y(v)])], colour, false));
    if (delivered[delivered.length - 1]) svg.append(line([[PLOT.left, PLOT.bottom], ...delivered.map((v, i) => [x(i), y(v)])], colour, true));
    const name = t(`ch_${n}`) || n;
    legend.append(h('li', { 'data-channel': n }, h('span', { class: `swatch swatch-${k % COLOURS.length}`, 'aria-hidden': 'true' }), ` ${name}: ${t('chartLegend', { sent: sent[sent.length - 1], delivered: delivered[delivered.length - 1], total: totals[n] || 0 })}`));
    summary.push(`${name} ${sent[sent.length - 1]}/${totals[n] || 0}`);
  });
  return h(
    'figure',
    { class: 'chart', id: 'chart', 'data-buckets': String(len) },
    h('figcaption', { id: 'chart-title', text: t('chartTitle') }),
    h('p', { class: 'visually-hidden', id: 'chart-summary', text: summary.join(', ') }),
    svg,
    legend,
    h('details', {}, h('summary', { text: t('chartAsTable') }), table(names, data, len, timeline.bucketMs)),
  );
}
