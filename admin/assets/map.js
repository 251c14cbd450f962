// The admin app's map: SVG in Web Mercator over tiles from the configured tile server, or,
// without one, over a plain background with the outlines of the named areas (together, the
// territory). Pans by dragging and with the arrow keys, zooms with the wheel, the +/- buttons
// and keys, and fits to what matters. Layers of shapes ([lat, lon] rings and CAP circles) and
// of labelled points; a legend says what each style means. `pointsMap` is the read-only map
// of devices. A pixel maps to a place exactly: the view is published on the SVG as
// `data-zoom`, `data-left` and `data-top` (the world at zoom z is 256 * 2^z pixels wide).

import { h } from './dom.js';
import { t } from './words.js';

const TILE = 256;
const NS = 'http://www.w3.org/2000/svg';
const MIN_ZOOM = 2;
const MAX_ZOOM = 18;
/** The order layers are drawn in, bottom first. */
const ORDER = ['outline', 'ticked', 'drawn', 'sketch', 'points'];

/** Web Mercator: a place as a fraction of the world's width and height. */
export function world(lat, lon) {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

/** The inverse of `world`: [lat, lon]. */
export function place(x, y) {
  const n = Math.PI - 2 * Math.PI * y;
  return [(180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n))), x * 360 - 180];
}

/** A CAP circle as a closed ring of [lat, lon] points. */
export function circleRing({ center: [lat, lon], radiusKm }) {
  const dLat = radiusKm / 111.32;
  const dLon = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const ring = [];
  for (let k = 0; k <= 64; k++) {
    const a = (k / 64) * 2 * Math.PI;
    ring.push([lat + dLat * Math.sin(a), lon + dLon * Math.cos(a)]);
  }
  return ring;
}

/** Kilometres between two [lat, lon] places (haversine). */
export function distanceKm([lat1, lon1], [lat2, lon2]) {
  const r = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * r) / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** An SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) el.append(c);
  return el;
}

/** Every [lat, lon] a feature covers (its rings, circles, lines and point). */
function placesOf(f) {
  return [...(f.rings || []).flat(), ...(f.circles || []).flatMap(circleRing), ...(f.line || []), ...(f.point ? [f.point] : [])];
}

/**
 * A map in a figure. `options`: `tileUrl`, `tileAttribution`, `label` (what the map shows,
 * for screen readers), `height` in pixels, `legend` ([layer, text] pairs), and `onPointer` and
 * `onKey` handlers for drawing. Gives the map's controls.
 */
export function createMap(options) {
  const height = options.height || 420;
  const layers = {};
  let view = { zoom: 10, cx: 0.5, cy: 0.5 };
  let width = 640;
  // Until the author moves the map, it keeps what matters framed as its width changes.
  let auto = true;
  const surface = svg('svg', {
    class: 'map-svg',
    role: 'application',
    tabindex: '0',
    'aria-label': options.label,
    'aria-roledescription': t('mapRole'),
    height,
  });
  const figure = h('figure', { class: 'admin-map', 'data-tiles': options.tileUrl ? 'yes' : 'no' });
  const keysHint = h('p', { class: 'hint map-keys', id: `map-keys-${Math.random().toString(36).slice(2)}`, text: t(options.keysHint || 'mapKeys') });
  surface.setAttribute('aria-describedby', keysHint.id);
  const button = (text, label, id, onclick) => h('button', { type: 'button', class: 'quiet map-button', text, 'aria-label': label, id, onclick });
  const controls = h(
    'div',
    { class: 'map-controls' },
    button('+', t('zoomIn'), options.idPrefix && `${options.idPrefix}-zoom-in`, () => zoomBy(1)),
    button('−', t('zoomOut'), options.idPrefix && `${options.idPrefix}-zoom-out`, () => zoomBy(-1)),
    button(t('fit'), t('fitHint'), options.idPrefix && `${options.idPrefix}-fit`, () => fit()),
  );
  const legend = h(
    'ul',
    { class: 'map-legend' },
    (options.legend || []).map(([cls, text]) => h('li', {}, svg('svg', { width: 18, height: 12, 'aria-hidden': 'true', class: 'swatch' }, svg('rect', { x: 1, y: 1, width: 16, height: 10, class: cls })), ` ${text}`)),
  );
  const note = options.tileUrl ? options.tileAttribution : t('mapOutlinesOnly');
  figure.append(controls, surface, h('figcaption', {}, legend, keysHint, note ? h('p', { class: 'hint map-note', text: note }) : null));

  const scale = () => TILE * 2 ** view.zoom;
  const frame = () => ({ left: view.cx * scale() - width / 2, top: view.cy * scale() - height / 2 });
  /** A place's pixel on the map. */
  const pixel = ([lat, lon]) => {
    const [x, y] = world(lat, lon);
    const f = frame();
    return [x * scale() - f.left, y * scale() - f.top];
  };
  /** The place at a pixel. */
  const at = (x, y) => {
    const f = frame();
    return place((x + f.left) / scale(), (y + f.top) / scale());
  };

  function tiles() {
    if (!options.tileUrl) return [];
    const f = frame();
    const n = 2 ** view.zoom;
    const out = [];
    for (let ty = Math.max(0, Math.floor(f.top / TILE)); ty <= Math.min(n - 1, Math.floor((f.top + height) / TILE)); ty++) {
      for (let tx = Math.floor(f.left / TILE); tx <= Math.floor((f.left + width) / TILE); tx++) {
        const x = ((tx % n) + n) % n;
        const href = options.tileUrl.replace('{z}', view.zoom).replace('{x}', x).replace('{y}', ty).replace('{s}', 'a');
        out.push(svg('image', { href, x: tx * TILE - f.left, y: ty * TILE - f.top, width: TILE, height: TILE }));
      }
    }
    return out;
  }

  const ringPath = (rings) => rings.map((r) => 'M' + r.map((p) => pixel(p).map((v) => v.toFixed(1)).join(' ')).join('L') + 'Z').join('');

  function feature(layer, f) {
    const g = svg('g', { class: `layer-${layer}`, 'data-id': f.id });
    const rings = [...(f.rings || []), ...(f.circles || []).map(circleRing)];
    if (rings.length) g.append(svg('path', { d: ringPath(rings), 'fill-rule': 'evenodd', class: 'shape' }));
    if (f.line && f.line.length) {
      g.append(svg('path', { d: 'M' + f.line.map((p) => pixel(p).map((v) => v.toFixed(1)).join(' ')).join('L'), class: 'line' }));
    }
    for (const p of f.dots || []) {
      const [x, y] = pixel(p);
      g.append(svg('circle', { cx: x, cy: y, r: 5, class: 'vertex' }));
    }
    if (f.point) {
      const [x, y] = pixel(f.point);
      g.classList.add('marker', `status-${f.status || 'unknown'}`);
      g.setAttribute('data-label', f.label || '');
      g.append(svg('title', {}, document.createTextNode(f.label || '')), svg('circle', { cx: x, cy: y, r: 8, class: 'dot' }));
      if (f.label) g.append(svg('text', { x: x + 11, y: y + 4, class: 'label' }, document.createTextNode(f.label)));
    }
    if (f.title && !f.point) g.append(svg('title', {}, document.createTextNode(f.title)));
    return g;
  }

  // One group per layer: a layer that changes (the shape being drawn follows the pointer) is
  // drawn again alone; a change of the view draws everything.
  const groups = Object.fromEntries(ORDER.map((name) => [name, svg('g', { class: `layer ${name}` })]));
  const drawLayer = (name) => groups[name].replaceChildren(...(layers[name] || []).map((x) => feature(name, x)));

  function render() {
    const f = frame();
    surface.setAttribute('viewBox', `0 0 ${width} ${height}`);
    surface.setAttribute('width', width);
    surface.dataset.zoom = view.zoom;
    surface.dataset.left = f.left;
    surface.dataset.top = f.top;
    ORDER.forEach(drawLayer);
    surface.replaceChildren(svg('rect', { width, height, class: 'map-bg' }), ...tiles(), ...ORDER.map((name) => groups[name]));
  }

  /** Zooms by `steps` about a pixel (the centre by default), which stays where it is. */
  function zoomBy(steps, x = width / 2, y = height / 2) {
    const zoom = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, view.zoom + steps));
    if (zoom === view.zoom) return;
    const f = frame();
    const [wx, wy] = [(x + f.left) / scale(), (y + f.top) / scale()];
    const s = TILE * 2 ** zoom;
    view = { zoom, cx: wx - (x - width / 2) / s, cy: wy - (y - height / 2) / s };
    auto = false;
    render();
  }

  function panBy(dx, dy) {
    view = { ...view, cx: view.cx - dx / scale(), cy: Math.max(0, Math.min(1, view.cy - dy / scale())) };
    auto = false;
    render();
  }

  /** Frames the features given (by default those of `fitLayers`, else every layer). */
  function fit(features) {
    const list = features || (options.fitLayers ? options.fitLayers() : null) || ORDER.flatMap((n) => layers[n] || []);
    let pts = list.flatMap(placesOf).map(([lat, lon]) => world(lat, lon));
    if (!pts.length) pts = ORDER.flatMap((n) => layers[n] || []).flatMap(placesOf).map(([lat, lon]) => world(lat, lon));
    if (!pts.length) return render();
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const span = Math.max((x1 - x0) / width, (y1 - y0) / height, 1e-9) * 1.25;
    const zoom = Math.max(MIN_ZOOM, Math.min(options.maxFitZoom || 15, Math.floor(Math.log2(1 / (span * TILE)))));
    view = { zoom, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
    auto = true;
    render();
  }

  /** The pixel of a pointer event in the SVG's own units. */
  function local(ev) {
    const m = surface.getScreenCTM();
    if (!m) return [0, 0];
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
    return [p.x, p.y];
  }

  const tell = (type, [x, y]) => (options.onPointer ? options.onPointer({ type, place: at(x, y), pixel: [x, y] }) : false);
  let drag = null;
  surface.addEventListener('pointerdown', (ev) => {
    if (ev.button !== 0) return;
    surface.focus({ preventScroll: true });
    const p = local(ev);
    auto = false;
    if (surface.setPointerCapture) surface.setPointerCapture(ev.pointerId);
    drag = { start: p, last: p, moved: false, captured: !!tell('down', p) };
  });
  surface.addEventListener('pointermove', (ev) => {
    const p = local(ev);
    if (!drag) return tell('hover', p);
    if (Math.hypot(p[0] - drag.start[0], p[1] - drag.start[1]) > 4) drag.moved = true;
    if (drag.captured) tell('drag', p);
    else if (drag.moved) panBy(p[0] - drag.last[0], p[1] - drag.last[1]);
    drag.last = p;
  });
  const end = (ev) => {
    if (!drag) return;
    const p = local(ev);
    const d = drag;
    drag = null;
    if (!d.moved) tell('click', p);
    else if (d.captured) tell('dragend', p);
  };
  surface.addEventListener('pointerup', end);
  surface.addEventListener('pointercancel', () => (drag = null));
  // A wheel notch is about 100 pixels of delta; a touchpad sends many small ones, which add up.
  let wheel = 0;
  surface.addEventListener(
    'wheel',
    (ev) => {
      ev.preventDefault();
      wheel += ev.deltaMode === 0 ? ev.deltaY : ev.deltaY * 40;
      if (Math.abs(wheel) < 90) return;
      const [x, y] = local(ev);
      zoomBy(wheel < 0 ? 1 : -1, x, y);
      wheel = 0;
    },
    { passive: false },
  );
  surface.addEventListener('keydown', (ev) => {
    const step = 64;
    const pans = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (pans[ev.key]) panBy(...pans[ev.key]);
    else if (ev.key === '+' || ev.key === '=') zoomBy(1);
    else if (ev.key === '-' || ev.key === '_') zoomBy(-1);
    else if (ev.key === '0') fit();
    else if (!(options.onKey && options.onKey(ev.key))) return;
    ev.preventDefault();
  });

  // The SVG is as many units wide as it is pixels, so that a pixel is a known place; it
  // follows the width of its column.
  const observer = new ResizeObserver(() => {
    if (!surface.isConnected) return observer.disconnect();
    const w = Math.round(surface.parentElement.clientWidth);
    if (w > 0 && w !== width) {
      width = w;
      if (auto) fit();
      else render();
    }
  });
  observer.observe(figure);
  render();

  return {
    element: figure,
    /** Replaces a layer's features and redraws. */
    set(layer, features) {
      layers[layer] = features;
      drawLayer(layer);
    },
    fit,
    pixel,
    at,
    render,
    zoomBy,
    panBy,
  };
}

/**
 * A read-only map of points (sirens, displays): `points` are `{ lat, lon, label, status }`,
 * `status` one of `ok`, `warning`, `failed` or `unknown` (its colour). `config` is the public
 * configuration (`tileUrl`, `tileAttribution`). Fills `container` and gives the map.
 */
export function pointsMap(container, config, points, label = t('pointsMapLabel')) {
  const map = createMap({
    tileUrl: config && config.tileUrl,
    tileAttribution: config && config.tileAttribution,
    label,
    height: 360,
    maxFitZoom: 14,
    // Nothing is drawn here, so only the keys that move the map are explained.
    keysHint: 'mapKeysView',
    legend: ['ok', 'warning', 'failed', 'unknown'].map((s) => [`swatch-status-${s}`, t(`pointStatus_${s}`)]),
  });
  container.replaceChildren(map.element);
  map.set(
    'points',
    points.map((p) => ({ point: [p.lat, p.lon], label: p.label, status: p.status })),
  );
  map.fit();
  return map;
}
