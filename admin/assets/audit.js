// The audit log screen, for auditors and administrators: whether the hash chain verifies (up
// to how many entries, or the entry where it breaks, in red), and a search by words, actor,
// action and dates, newest first, a page at a time.

import { api } from './api.js';
import { field, fill, h, when } from './dom.js';
import { t } from './words.js';
import { emptyRow, errorLine, num, statusLine, table } from './manage.js';

const PAGE = 50;

async function verification(box) {
  fill(box, h('p', { text: t('auVerifying') }));
  const v = await api('GET', '/api/v1/audit/verify');
  box.className = `verification ${v.intact ? 'intact' : 'broken'}`;
  box.dataset.intact = v.intact ? 'yes' : 'no';
  fill(
    box,
    h('p', { class: 'verdict', text: v.intact ? t('auIntact', { n: num(v.rows) }) : t('auBroken', { seq: v.brokenAt }) }),
    !v.intact && v.problem && h('p', { text: v.problem }),
    v.head && h('p', { class: 'hint' }, t('auHead'), ' ', h('code', { text: v.head })),
  );
}

/** Midnight at the start of a date field's day (local time), or of the day after. */
function dayMs(input, after) {
  if (!input.value) return null;
  const [y, m, d] = input.value.split('-').map(Number);
  return new Date(y, m - 1, d + (after ? 1 : 0)).getTime();
}

export async function auditScreen(main) {
  const box = h('div', { id: 'audit-verify', class: 'verification', role: 'status', 'aria-live': 'polite' });
  const q = h('input', { id: 'audit-q', type: 'search' });
  const actor = h('input', { id: 'audit-actor', placeholder: 'user:ana' });
  const action = h('input', { id: 'audit-action', placeholder: 'alert.issue' });
  const from = h('input', { id: 'audit-from', type: 'date' });
  const to = h('input', { id: 'audit-to', type: 'date' });
  const status = statusLine('audit-status');
  const error = errorLine('audit-error');
  const heads = ['auSeq', 'auAt', 'auActor', 'auAction', 'auTarget', 'auDetails', 'auAddress'];
  const { el, body } = table('audit', t('auTitle'), heads, ['auSeq']);
  const older = h('button', { type: 'button', id: 'audit-older', text: t('auOlder'), hidden: true });
  let before = null;
  let shown = 0;

  const search = async (more) => {
    error.textContent = '';
    const p = new URLSearchParams({ limit: String(PAGE) });
    if (q.value.trim()) p.set('q', q.value.trim());
    if (actor.value.trim()) p.set('actor', actor.value.trim());
    if (action.value.trim()) p.set('action', action.value.trim());
    if (dayMs(from, false) !== null) p.set('from', String(dayMs(from, false)));
    if (dayMs(to, true) !== null) p.set('to', String(dayMs(to, true)));
    if (more && before !== null) p.set('before', String(before));
    let rows;
    try {
      rows = await api('GET', `/api/v1/audit?${p}`);
    } catch (e) {
      error.textContent = e.message;
      return;
    }
    if (!more) {
      fill(body);
      shown = 0;
    }
    shown += rows.length;
    if (!shown) fill(body, emptyRow(heads.length, t('auEmpty')));
    body.append(
      ...rows.map((r) =>
        h(
          'tr',
          { 'data-seq': r.seq, 'data-action': r.action },
          h('td', { class: 'num', text: r.seq }),
          h('td', {}, h('time', { datetime: new Date(r.atMs).toISOString(), text: when(r.atMs) })),
          h('td', { text: r.actor }),
          h('td', {}, h('code', { text: r.action })),
          h('td', { text: r.alertId ? `${r.target} (#${r.alertId})` : r.target }),
          h('td', { class: 'details', text: r.details === '{}' ? '' : r.details }),
          h('td', { text: r.address }),
        ),
      ),
    );
    before = rows.length ? rows[rows.length - 1].seq : before;
    older.hidden = rows.length < PAGE;
    status.textContent = t('auShown', { n: shown });
  };

  const form = h(
    'form',
    { id: 'audit-search', class: 'filters', role: 'search' },
    field(t('auWords'), q, t('auWordsHint')),
    field(t('auActor'), actor),
    field(t('auAction'), action),
    field(t('auFrom'), from),
    field(t('auTo'), to),
    h('div', { class: 'field end' }, h('button', { type: 'submit', class: 'primary', id: 'audit-submit', text: t('auSearch') })),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    before = null;
    search(false);
  });
  older.addEventListener('click', () => search(true));
  fill(main, h('h1', { text: t('auTitle') }), box, form, status, error, h('div', { class: 'scroll' }, el), older);
  await Promise.all([verification(box).catch((e) => fill(box, h('p', { class: 'error', text: e.message }))), search(false)]);
}
