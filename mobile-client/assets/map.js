// A simple map: the area's outline drawn in SVG in Web Mercator, over tiles from the
// configured tile server when there is one, else over a plain background (outline only).
// Also the point picker of the sign-up form, which uses the same projection backwards.

import { el } from './dom.js';

const TILE = 256;
const WIDTH = 640;

function world(lon, lat) {
  const s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
  return [(lon + 180) / 360, 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)];
}

function lonLat(x, y) {
  const n = Math.PI - 2 * Math.PI * y;
  return [x * 360 - 180, (180 / Math.PI) * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)))];
}

/** A circle as a ring of 48 points ([lon, lat]). */
function circleRing(c) {
  const [lon, lat] = c.center;
  const dLat = c.radiusKm / 111.32;
  const dLon = dLat / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  const ring = [];
  for (let k = 0; k <= 48; k++) {
    const a = (k / 48) * 2 * Math.PI;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}

/** Every ring of GeoJSON MultiPolygons and CAP circles, as [lon, lat] lists. */
export function ringsOf(shapes) {
  const rings = [];
  for (const s of shapes) {
    for (const poly of (s.geometry && s.geometry.coordinates) || []) rings.push(poly[0]);
    for (const c of s.circles || []) rings.push(circleRing(c));
  }
  return rings;
}

/** The zoom, pixel frame and projection that fit the rings into WIDTH pixels. */
function frame(rings) {
  const pts = rings.flat().map(([lon, lat]) => world(lon, lat));
  let [x0, y0, x1, y1] = [1, 1, 0, 0];
  for (const [x, y] of pts) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  const span = Math.max(x1 - x0, y1 - y0, 1e-5) * 1.3;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const zoom = Math.max(1, Math.min(17, Math.floor(Math.log2(WIDTH / (span * TILE)))));
  const scale = TILE * 2 ** zoom;
  const w = WIDTH;
  const h = Math.round(Math.min(WIDTH, Math.max(WIDTH * 0.6, ((y1 - y0) * 1.3 * scale) || WIDTH * 0.6)));
  const left = cx * scale - w / 2;
  const top = cy * scale - h / 2;
  const px = ([lon, lat]) => {
    const [x, y] = world(lon, lat);
    return [x * scale - left, y * scale - top];
  };
  const back = (x, y) => lonLat((x + left) / scale, (y + top) / scale);
  return { zoom, left, top, w, h, px, back };
}

function tiles(f, template) {
  const out = [];
  const n = 2 ** f.zoom;
  const [tx0, ty0] = [Math.floor(f.left / TILE), Math.floor(f.top / TILE)];
  const [tx1, ty1] = [Math.floor((f.left + f.w) / TILE), Math.floor((f.top + f.h) / TILE)];
  for (let ty = Math.max(0, ty0); ty <= Math.min(n - 1, ty1); ty++) {
    for (let tx = tx0; tx <= tx1; tx++) {
      const x = ((tx % n) + n) % n;
      const href = template.replace('{z}', f.zoom).replace('{x}', x).replace('{y}', ty).replace('{s}', 'a');
      const at = { href, x: tx * TILE - f.left, y: ty * TILE - f.top, width: TILE, height: TILE };
      out.push(el('svg:image', at));
    }
  }
  return out;
}

function path(f, rings) {
  const d = rings
    .map((r) => 'M' + r.map((p) => f.px(p).map((v) => v.toFixed(1)).join(' ')).join('L') + 'Z')
    .join('');
  return el('svg:path', { d, class: 'area', 'fill-rule': 'evenodd' });
}

function svg(f, label, config, rings) {
  const s = el('svg:svg', { viewBox: `0 0 ${f.w} ${f.h}`, role: 'img', 'aria-label': label, class: 'map-svg' });
  s.append(el('svg:rect', { width: f.w, height: f.h, class: 'map-bg' }));
  if (config.tileUrl) s.append(...tiles(f, config.tileUrl));
  s.append(path(f, rings));
  return s;
}

function caption(config, outlineText) {
  const text = config.tileUrl ? config.tileAttribution || '' : outlineText;
  return text ? el('figcaption', { class: 'map-note', text }) : null;
}

/** A figure showing the shapes, or null when they have none. */
export function areaMap(shapes, config, label, outlineText) {
  const rings = ringsOf(shapes);
  if (!rings.length) return null;
  const f = frame(rings);
  return el('figure', { class: 'map', 'data-tiles': config.tileUrl ? 'yes' : 'no' }, svg(f, label, config, rings), caption(config, outlineText));
}

/** A map of the named areas on which a tap picks a point: onPick(lat, lon). */
export function pointPicker(shapes, config, label, onPick) {
  const rings = ringsOf(shapes);
  if (!rings.length) return null;
  const f = frame(rings);
  const s = svg(f, label, config, rings);
  const marker = el('svg:circle', { r: 9, class: 'marker', visibility: 'hidden' });
  s.append(marker);
  s.addEventListener('click', (ev) => {
    const m = s.getScreenCTM();
    if (!m) return;
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
    const [lon, lat] = f.back(p.x, p.y);
    onPick(Math.round(lat * 1e5) / 1e5, Math.round(lon * 1e5) / 1e5);
  });
  const mark = (lat, lon) => {
    const [x, y] = f.px([lon, lat]);
    marker.setAttribute('cx', x);
    marker.setAttribute('cy', y);
    marker.setAttribute('visibility', 'visible');
  };
  return { element: el('figure', { class: 'map picker' }, s, caption(config, '')), mark };
}
