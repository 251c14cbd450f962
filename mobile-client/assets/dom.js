// Building the page from elements and text only: the page's policy (Trusted Types) refuses
// markup strings, so nothing here ever parses HTML.

const SVG = 'http://www.w3.org/2000/svg';

/** An element with attributes (`text` sets its text; `on*` functions become listeners). */
export function el(tag, attrs = {}, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) e.append(c);
  }
  return e;
}

/** The element with this id. */
export function byId(id) {
  return document.getElementById(id);
}

/** Shows or hides elements. */
export function show(element, visible) {
  element.hidden = !visible;
}
