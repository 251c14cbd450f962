// Building the page from data, never from markup: every text goes in as text (the page's
// Content-Security-Policy enforces Trusted Types with no policy, so markup sinks would throw).

/** An element: `h('button', { class: 'primary', onclick: f }, 'Text', child)`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden' || k === 'required') el[k] = true;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Empties an element and fills it with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat()) if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let ids = 0;

/** A labelled control: the label names the control for screen readers and clicks. */
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++ids}`;
  const hintEl = hint ? h('span', { class: 'hint', id: `${control.id}-hint`, text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), hintEl, control);
}

/** A select with `[value, text]` options. */
export function select(options, value, attrs = {}) {
  return h('select', attrs, options.map(([v, text]) => h('option', { value: v, selected: v === value, text })));
}

/** Milliseconds since the epoch as local date and time. */
export function when(ms) {
  if (!ms) return '';
  return new Date(ms).toLocaleString(document.documentElement.lang || undefined, {
    dateStyle: 'short',
    timeStyle: 'short',
  });
}
