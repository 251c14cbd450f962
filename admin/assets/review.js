// One alert: the editor while it is its author's draft, the review while it waits (previews,
// CAP XML, findings, the diff from the previous message; approve or reject with a reason;
// issue, with a typed confirmation for a live alert), and the dashboard once issued.

import { api } from './api.js';
import { field, fill, h, when } from './dom.js';
import { t } from './words.js';
import { kindText, modeBadge, stateBadge } from './list.js';
import { capXml, findingList, reachPreview } from './previews.js';
import { channelPreviews } from './channels.js';
import { editor } from './editor.js';
import { dashboard } from './dashboard.js';
import { lineDiff } from './diff.js';

const SENT = ['issued', 'superseded', 'cancelled', 'expired'];

export async function alertScreen(main, app, id, sub) {
  const alert = await api('GET', `/api/v1/alerts/${id}`);
  const mine = alert.authorId === app.me.userId;
  if (sub === 'update' && alert.state === 'issued') return editor(main, app, alert, 'update');
  if (alert.state === 'draft' && mine) return editor(main, app, alert, 'draft');
  if (SENT.includes(alert.state)) return dashboard(main, app, alert);
  return review(main, app, alert, mine);
}

/** The heading every alert screen starts with. */
export function alertHeader(alert) {
  return h(
    'header',
    { class: 'alert-head' },
    h('h1', { id: 'alert-title', text: alert.headline || t('noHeadline') }),
    h('p', { class: 'facts' }, modeBadge(alert), ' ', stateBadge(alert), ' ', kindText(alert), alert.identifier ? ` · ${alert.identifier}` : ''),
    alert.marking ? h('p', { class: 'marking', id: 'marking', text: alert.marking }) : null,
  );
}

/** The previous issued message of the alert's thread, if any. */
async function previous(alert) {
  if (alert.threadId === alert.id) return null;
  const thread = await api('GET', `/api/v1/alerts?thread=${alert.threadId}&limit=50`);
  const earlier = thread.filter((m) => m.id < alert.id && SENT.includes(m.state));
  return earlier.length ? api('GET', `/api/v1/alerts/${earlier[0].id}`) : null;
}

/** Content as lines a person compares: the kind, the areas, and each language's texts. */
function contentLines(c) {
  const lines = [`status: ${c.status}`, `areas: ${(c.areas || []).join(', ')}`];
  for (const info of c.infos || []) {
    for (const k of ['event', 'urgency', 'severity', 'certainty', 'headline', 'description', 'instruction']) {
      if (info[k]) lines.push(`[${info.language || ''}] ${k}: ${info[k]}`);
    }
  }
  return lines.join('\n');
}

/** What the alert is compared with: the thread's previous message, else the earlier alert or
 * the template it was started from. */
async function baseline(alert) {
  const before = await previous(alert);
  if (before) return { before: before.capXml || '', now: alert.capXml || '', label: t('diffFrom', { id: before.id }), cap: true };
  const c = alert.content || {};
  const from = c.from ? await api('GET', `/api/v1/alerts/${c.from}`).catch(() => null) : null;
  if (from) return { before: contentLines(from.content), now: contentLines(c), label: t('diffFromAlert', { id: from.id }) };
  const tp = c.template ? await api('GET', `/api/v1/templates/${c.template}`).catch(() => null) : null;
  if (tp) return { before: contentLines(tp.content), now: contentLines(c), label: t('diffFromTemplate', { name: tp.name }) };
  return null;
}

async function diffSection(alert) {
  const base = await baseline(alert);
  const title = h('h2', { text: t('diffTitle') });
  if (!base) return h('section', { id: 'diff' }, title, h('p', { class: 'hint', text: t('diffNone') }));
  // Of a CAP message only what changed (and the headline, for orientation); of content, all.
  const lines = lineDiff(base.before, base.now).filter((l) => !base.cap || l.op !== ' ' || l.line.includes('<headline>'));
  const cls = { '+': 'dadd', '-': 'ddel', ' ': 'dsame' };
  return h(
    'section',
    { id: 'diff' },
    title,
    h('p', { class: 'hint', text: base.label }),
    h('pre', { class: 'diff', tabindex: '0', role: 'region', 'aria-label': t('diffTitle') }, lines.map((l) => h('span', { class: cls[l.op], text: `${l.op} ${l.line}\n` }))),
  );
}

async function review(main, app, alert, mine) {
  app.mode(alert.mode === 'live' ? 'live' : alert.mode);
  const error = h('p', { class: 'error', role: 'alert', id: 'review-error' });
  const reachBox = h('section', { class: 'previews', id: 'previews' });
  const channelBox = h('section', { class: 'channel-previews', id: 'channel-previews' });
  const actions = h('section', { class: 'decide', id: 'decide' });
  fill(
    main,
    h(
      'div',
      { class: 'workspace' },
      h(
        'div',
        {},
        alertHeader(alert),
        alert.reason ? h('p', { class: 'reason', id: 'reason', text: t('reasonWas', { reason: alert.reason }) }) : null,
        actions,
        error,
        h('h2', { text: t('findingsTitle') }),
        findingList(alert.findings || []),
        await diffSection(alert),
        capXml(alert.capXml),
      ),
      h('aside', { class: 'side' }, reachBox, channelBox),
    ),
  );
  const reach = await reachPreview(reachBox, alert.id);
  await channelPreviews(channelBox, alert.id);
  const act = async (path, body) => {
    error.textContent = '';
    try {
      const next = await api('POST', `/api/v1/alerts/${alert.id}/${path}`, body);
      app.go(`#/alerts/${next.id}`);
    } catch (p) {
      error.textContent = p.code === 'API-008' ? t('twoPerson') : p.message;
    }
  };
  fill(actions, decisions(app, alert, mine, reach, act));
}

function decisions(app, alert, mine, reach, act) {
  const out = [];
  if (alert.state === 'submitted' && app.can('approver')) {
    if (mine && alert.mode === 'live') out.push(h('p', { class: 'warning', id: 'own-alert', text: t('ownAlert') }));
    else out.push(h('button', { class: 'primary', id: 'approve', onclick: () => act('approve', { capSha256: alert.capSha256 }), text: t('approve') }));
    const reason = h('textarea', { id: 'reject-reason', rows: '2' });
    out.push(
      field(t('rejectReason'), reason),
      h('button', {
        id: 'reject',
        onclick: () => (reason.value.trim() ? act('reject', { reason: reason.value.trim() }) : reason.focus()),
        text: t('reject'),
      }),
    );
  } else if (alert.state === 'submitted') {
    out.push(h('p', { class: 'hint', id: 'waiting', text: t('waitingApproval') }));
  }
  if (alert.state === 'approved') out.push(issueBox(alert, reach, act));
  if (['draft', 'submitted', 'approved'].includes(alert.state) && (mine || app.can('approver'))) {
    out.push(h('button', { class: 'quiet', id: 'withdraw', onclick: () => act('withdraw', { reason: 'withdrawn in the admin app' }), text: t('withdraw') }));
  }
  if (['rejected', 'withdrawn'].includes(alert.state) && app.can('author')) {
    out.push(h('a', { class: 'button', href: `#/compose?from=${alert.id}`, id: 'redraft', text: t('newFromThis') }));
  }
  return out;
}

/** The area a live alert's issuer must type: the first named area, else the first areaDesc. */
function areaName(alert) {
  const m = /<areaDesc>([^<]*)<\/areaDesc>/.exec(alert.capXml || '');
  return m ? m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>') : '';
}

function issueBox(alert, reach, act) {
  const live = alert.mode === 'live';
  const people = reach ? Object.values(reach.subscriptions || {}).reduce((a, b) => a + b, 0) + reach.sirens + reach.displays : 0;
  const button = h('button', {
    class: live ? 'danger' : 'primary',
    id: 'issue',
    disabled: live,
    onclick: () => act('issue', undefined),
    text: t(live ? 'issueLive' : `issue_${alert.mode}`),
  });
  if (!live) return h('div', { class: 'issue' }, h('p', { text: t('issueMarked', { marking: alert.marking || '' }) }), button);
  const area = areaName(alert);
  const typed = h('input', { id: 'issue-confirm', autocomplete: 'off', spellcheck: 'false' });
  typed.addEventListener('input', () => {
    button.disabled = typed.value.trim().toLowerCase() !== area.trim().toLowerCase();
  });
  return h(
    'div',
    { class: 'issue live' },
    h('p', { class: 'warning', id: 'issue-warning', text: t('issueLiveWarning', { area, n: people, webhooks: reach ? reach.webhooks : 0 }) }),
    field(t('typeArea', { area }), typed),
    button,
    h('p', { class: 'hint', text: t('approvedAt', { at: when(alert.approvedMs) }) }),
  );
}
