// Pieces the management screens share: tables, times shown as "3 min ago" with the exact time,
// a secret shown once with a copy button, confirmations in place, and a file read as text.

import { field, fill, h, when } from './dom.js';
import { t } from './words.js';

/** A table with its caption (hidden, for screen readers) and column heads (those in
 * `numeric` aligned right, over their figures); gives the table and its body. */
export function table(id, caption, heads, numeric = []) {
  const body = h('tbody', { id });
  const el = h(
    'table',
    { class: 'manage' },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, heads.map((k) => h('th', { scope: 'col', class: numeric.includes(k) ? 'num' : undefined, text: t(k) })))),
    body,
  );
  return { el, body };
}

/** A row that says the table is empty. */
export function emptyRow(columns, text) {
  return h('tr', {}, h('td', { colspan: String(columns), class: 'empty', text }));
}

/** How long ago `ms` was ("3 min ago"), in a `<time>` with the exact time as its title. */
export function ago(ms) {
  if (!ms) return h('span', { class: 'muted', text: t('mNever') });
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  const text =
    s < 60
      ? t('mJustNow')
      : s < 3600
        ? t('mMinutesAgo', { n: Math.floor(s / 60) })
        : s < 86400
          ? t('mHoursAgo', { n: Math.floor(s / 3600) })
          : when(ms);
  return h('time', { datetime: new Date(ms).toISOString(), title: when(ms), text });
}

/** Milliseconds of an RFC 3339 time (null stays null). */
export function ms(text) {
  return text ? Date.parse(text) : null;
}

/** A secret shown only now: a warning, the value in a read-only field and a copy button. */
export function secretOnce(id, label, value, warning) {
  const input = h('input', { id, readonly: true, value, class: 'secret', spellcheck: 'false' });
  const said = h('span', { class: 'hint', role: 'status' });
  const copy = h('button', {
    type: 'button',
    id: `${id}-copy`,
    text: t('mCopy'),
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(value);
        said.textContent = t('mCopied');
      } catch {
        input.select();
        said.textContent = t('mCopyByHand');
      }
    },
  });
  return h('div', { class: 'secret-once' }, h('p', { class: 'warning', text: warning }), field(label, input), copy, said);
}

/** Asks in place of `where`'s content before something that cannot be undone; the confirming
 * button (which names what it does) gets the focus, and Cancel puts things back. */
export function confirmIn(where, question, yes, action, onError) {
  const before = [...where.childNodes];
  const cancel = h('button', {
    type: 'button',
    class: 'quiet-dark',
    text: t('mCancel'),
    onclick: () => {
      fill(where, before);
      const first = where.querySelector('button');
      if (first) first.focus();
    },
  });
  const ok = h('button', {
    type: 'button',
    class: 'danger confirm-yes',
    text: yes,
    onclick: async () => {
      ok.disabled = true;
      try {
        await action();
      } catch (p) {
        fill(where, before);
        onError(p);
      }
    },
  });
  fill(where, h('span', { class: 'confirm', role: 'group', 'aria-label': question }, h('span', { text: question }), ok, cancel));
  ok.focus();
}

/** A button in a row's `cell` that asks before acting. Its words are `{prefix}` (the button),
 * `{prefix}Named` (its accessible name), `{prefix}Question` and `{prefix}Yes`, each given the
 * `name` of the thing it acts on. */
export function askFirst(cell, prefix, name, action, onError, danger = true) {
  return h('button', {
    type: 'button',
    class: danger ? 'small danger-outline' : 'small',
    text: t(prefix),
    'aria-label': t(`${prefix}Named`, { name }),
    onclick: () => confirmIn(cell, t(`${prefix}Question`, { name }), t(`${prefix}Yes`, { name }), action, onError),
  });
}

/** A line that screen readers read when it changes. */
export function statusLine(id) {
  return h('p', { id, class: 'status-line', role: 'status', 'aria-live': 'polite' });
}

/** A line for what went wrong. */
export function errorLine(id) {
  return h('p', { id, class: 'error line', role: 'alert' });
}

/** The text of the file chosen in a file input, or null. */
export async function fileText(input) {
  const f = input.files && input.files[0];
  return f ? f.text() : null;
}

/** A number as people of the page's language write it. */
export function num(n, digits = 0) {
  return Number(n || 0).toLocaleString(document.documentElement.lang || undefined, {
    maximumFractionDigits: digits,
  });
}
