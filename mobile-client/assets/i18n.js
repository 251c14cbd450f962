// The interface's words (lang-*.json) and the choice of a CAP info block in the resident's
// order of languages: the exact tag, then the same primary language, then the first block.

export const UI_LANGUAGES = ['sk', 'pl', 'en', 'uk'];

let words = {};
let current = 'en';

/** The interface language: the stored choice, else the browser's first one we have, else English. */
export function initialLanguage(stored) {
  if (UI_LANGUAGES.includes(stored)) return stored;
  for (const l of navigator.languages || [navigator.language]) {
    const p = primary(l);
    if (UI_LANGUAGES.includes(p)) return p;
  }
  return 'en';
}

/** Loads a language and rewrites every labelled element in the page. */
export async function useLanguage(lang) {
  const resp = await fetch('/app/lang-' + lang + '.json');
  if (!resp.ok) throw new Error('no words for ' + lang);
  words = await resp.json();
  current = lang;
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll('[data-t-label]')) e.setAttribute('aria-label', t(e.dataset.tLabel));
  for (const e of document.querySelectorAll('[data-t-placeholder]')) e.placeholder = t(e.dataset.tPlaceholder);
}

export function language() {
  return current;
}

/** The words for `key`, with `{name}` replaced from `vars`. */
export function t(key, vars = {}) {
  const text = words[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : '{' + k + '}'));
}

export function primary(tag) {
  return String(tag || '').toLowerCase().split('-')[0];
}

/** The info block to show for languages in order of preference. */
export function pickInfo(infos, preferred) {
  for (const want of preferred) {
    const exact = infos.find((i) => i.language.toLowerCase() === want.toLowerCase());
    if (exact) return exact;
    const same = infos.find((i) => primary(i.language) === primary(want));
    if (same) return same;
  }
  return infos[0];
}

/** A CAP time in the interface's language, in the phone's time zone. */
export function when(text) {
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}
