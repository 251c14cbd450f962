// Drawn shapes as text, CAP's way: a polygon as `lat,lon lat,lon …` and a circle as
// `lat,lon radius-km`. Parses what an author types or pastes, saying clearly what is wrong
// (a message key of words-map.js and its values), and writes a shape back as text.

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** One `lat,lon` pair, or the message key of what is wrong with it. */
function pair(text) {
  const parts = text.split(',');
  if (parts.length !== 2 || !parts.every((p) => NUMBER.test(p))) return { error: 'coordsNotPair', values: { text } };
  const [lat, lon] = parts.map(Number);
  if (lat < -90 || lat > 90) return { error: 'coordsLatRange', values: { text } };
  if (lon < -180 || lon > 180) return { error: 'coordsLonRange', values: { text } };
  return { point: [lat, lon] };
}

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

/** A polygon (`{ type: 'polygon', points }`, not closed) or a circle from text, or an error. */
export function parseShape(text) {
  // "48.1, 17.0" is read as "48.1,17.0": a space after the comma is a common way to write it.
  const tokens = text.trim().replace(/\s*,\s*/g, ',').split(/\s+/).filter(Boolean);
  if (!tokens.length) return { error: 'coordsEmpty', values: {} };
  if (tokens.length === 2 && NUMBER.test(tokens[1])) {
    const c = pair(tokens[0]);
    if (c.error) return c;
    const radiusKm = Number(tokens[1]);
    if (!(radiusKm > 0)) return { error: 'coordsRadius', values: { text: tokens[1] } };
    return { shape: { type: 'circle', center: c.point, radiusKm } };
  }
  const points = [];
  for (const token of tokens) {
    const p = pair(token);
    if (p.error) return p;
    points.push(p.point);
  }
  if (points.length > 1 && same(points[0], points[points.length - 1])) points.pop();
  const distinct = points.filter((p, i) => points.findIndex((q) => same(p, q)) === i);
  if (distinct.length < 3) return { error: 'coordsTooFew', values: { n: distinct.length } };
  return { shape: { type: 'polygon', points } };
}

/** A shape as CAP text: a polygon closed (first point repeated), a circle with its radius. */
export function shapeText(s) {
  const p = ([lat, lon]) => `${lat},${lon}`;
  return s.type === 'polygon' ? [...s.points, s.points[0]].map(p).join(' ') : `${p(s.center)} ${s.radiusKm}`;
}
