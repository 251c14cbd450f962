// Drawing the alert's own area in the editor: polygons (click the corners; click the first
// corner or press Enter to close, Backspace takes back the last, Escape cancels) and circles
// (click the centre, then click or drag out the radius, or type it in km), or the same typed
// or pasted as coordinates. The shapes become one CAP area in every info block, named in
// each block's language (areaDesc); the named areas ticked for the alert are on the same map.

import { field, fill, h } from './dom.js';
import { t } from './words.js';
import { WORDS_MAP } from './words-map.js';
import { createMap, distanceKm } from './map.js';
import { parseShape, shapeText } from './shapes.js';

/** Whether a CAP area of an info block is a drawn one: shapes and no geocode. */
const isDrawn = (a) => ((a.polygons || []).length || (a.circles || []).length) && !(a.geocodes || []).length;

/** The drawn shapes and their name stored in an info block (its first drawn area's name). */
function stored(info) {
  const drawn = ((info && info.areas) || []).filter(isDrawn);
  const shapes = drawn.flatMap((a) => [
    ...(a.polygons || []).map((ring) => ({ type: 'polygon', points: ring.slice(0, -1) })),
    ...(a.circles || []).map((c) => ({ type: 'circle', center: c.center, radiusKm: c.radiusKm })),
  ]);
  return { shapes, name: drawn.length ? drawn[0].areaDesc : '' };
}

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;
const rounded = ([lat, lon]) => [round(lat, 5), round(lon, 5)];

/** The map feature of a shape. */
const featureOf = (s, i) =>
  s.type === 'polygon' ? { id: i, rings: [[...s.points, s.points[0]]], title: shapeText(s) } : { id: i, circles: [s], title: shapeText(s) };

/**
 * The drawing panel. `infos` are the info blocks (the first has what was drawn before), `outlines`
 * the named areas' outlines (`/api/v1/public/areas`), `config` the public configuration (tiles)
 * and `onChange` runs after every change of the shapes or their name.
 */
export function drawing({ infos, outlines, config, onChange }) {
  const shapes = stored(infos[0]).shapes;
  let ticked = [];
  let tool = null;
  let sketch = { points: [], center: null, radiusKm: 0, justPlaced: false };
  const status = h('p', { class: 'hint draw-status', id: 'draw-status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'drawn-shapes', id: 'drawn-shapes' });
  const outside = h('p', { class: 'warning', id: 'map-outside', hidden: true, text: t('mapOutsideTerritory') });
  // One name per language the alert had when opened; a language added later takes the first.
  const names = infos.map((info, i) => {
    const lang = info.language || '';
    const suggested = (WORDS_MAP[lang.slice(0, 2).toLowerCase()] || {}).drawnAreaDefault || t('drawnAreaDefault');
    const id = i ? `map-area-name-${i}` : 'map-area-name';
    const input = h('input', { id, lang: lang || undefined, value: stored(info).name || suggested, required: true, 'aria-required': 'true' });
    return { input, row: field(t('drawnName', { lang: lang || '?' }), input, i ? null : t('drawnNameHint')) };
  });
  const nameError = h('p', { class: 'error', id: 'map-area-name-error', role: 'alert' });
  const coords = h('input', { id: 'map-coords', autocomplete: 'off', spellcheck: 'false', class: 'coords' });
  const coordsError = h('p', { class: 'error', id: 'map-coords-error', role: 'alert' });
  const radius = h('input', { id: 'circle-radius', type: 'number', min: '0.01', step: '0.1', inputmode: 'decimal' });
  const radiusField = field(t('radiusKm'), radius, t('radiusHint'));
  radiusField.hidden = true;

  const map = createMap({
    tileUrl: config.tileUrl,
    tileAttribution: config.tileAttribution,
    label: t('mapLabel'),
    idPrefix: 'map',
    legend: [
      ['swatch-outline', t('legendOutline')],
      ['swatch-ticked', t('legendTicked')],
      ['swatch-drawn', t('legendDrawn')],
    ],
    fitLayers: () => [...tickedFeatures(), ...shapes.map(featureOf)],
    onPointer: pointer,
    onKey: key,
  });
  map.element.id = 'map';
  const outlineFeatures = outlines
    .filter((a) => a.geometry)
    .map((a) => ({ id: a.id, title: a.name, rings: a.geometry.coordinates.map((poly) => poly[0].map(([lon, lat]) => [lat, lon])) }));
  const tickedFeatures = () => outlineFeatures.filter((f) => ticked.includes(f.id));

  const toolButton = (kind) =>
    h('button', { type: 'button', id: `draw-${kind}`, 'aria-pressed': 'false', text: t(`draw_${kind}`), onclick: () => start(tool === kind ? null : kind) });
  const polygonButton = toolButton('polygon');
  const circleButton = toolButton('circle');
  const finishButton = h('button', { type: 'button', id: 'draw-finish', text: t('drawFinish'), hidden: true, onclick: () => finish() });
  const undoButton = h('button', { type: 'button', id: 'draw-undo', class: 'quiet', text: t('drawUndo'), hidden: true, onclick: () => undo() });
  const cancelButton = h('button', { type: 'button', id: 'draw-cancel', class: 'quiet', text: t('drawCancel'), hidden: true, onclick: () => start(null) });

  function redraw() {
    map.set('outline', outlineFeatures.filter((f) => !ticked.includes(f.id)));
    map.set('ticked', tickedFeatures());
    map.set('drawn', shapes.map(featureOf));
    drawSketch();
  }

  function drawSketch() {
    const features = [];
    if (tool === 'polygon' && sketch.points.length) features.push({ line: sketch.points, dots: sketch.points });
    if (tool === 'circle' && sketch.center) {
      features.push({ dots: [sketch.center], circles: sketch.radiusKm > 0 ? [{ center: sketch.center, radiusKm: sketch.radiusKm }] : [] });
    }
    map.set('sketch', features);
    say();
  }

  /** Says what the tool expects next (read out as it changes). */
  function say() {
    const n = sketch.points.length;
    if (tool === 'polygon') status.textContent = t(n >= 3 ? 'polygonClose' : 'polygonNext', { n });
    else if (tool === 'circle') status.textContent = t(sketch.center ? 'circleRadius' : 'circleCentre');
    else status.textContent = shapes.length ? t('shapesCount', { n: shapes.length }) : t('noShapes');
    finishButton.hidden = !(tool === 'polygon' ? n >= 3 : tool === 'circle' && sketch.center);
    undoButton.hidden = !(tool === 'polygon' && n > 0);
    cancelButton.hidden = !tool;
    radiusField.hidden = !(tool === 'circle' && sketch.center);
  }

  function start(kind) {
    tool = kind;
    sketch = { points: [], center: null, radiusKm: 0, justPlaced: false };
    radius.value = '';
    polygonButton.setAttribute('aria-pressed', String(kind === 'polygon'));
    circleButton.setAttribute('aria-pressed', String(kind === 'circle'));
    map.element.classList.toggle('drawing', !!kind);
    drawSketch();
  }

  function pointer({ type, place, pixel }) {
    if (tool === 'polygon' && type === 'click') {
      const first = sketch.points[0];
      if (sketch.points.length >= 3 && first) {
        const [x, y] = map.pixel(first);
        if (Math.hypot(x - pixel[0], y - pixel[1]) <= 10) return finish();
      }
      sketch.points.push(rounded(place));
      drawSketch();
    } else if (tool === 'circle') return circlePointer(type, rounded(place));
    return false;
  }

  /** Circle: a press places the centre (and a drag from it the radius); a later click the radius. */
  function circlePointer(type, place) {
    if (type === 'down' && !sketch.center) {
      sketch = { ...sketch, center: place, radiusKm: 0, justPlaced: true, typed: false };
      drawSketch();
      return true;
    }
    if (!sketch.center || type === 'down') return false;
    const r = round(distanceKm(sketch.center, place), 3);
    if (type === 'click' && sketch.justPlaced) {
      sketch.justPlaced = false;
    } else if (type === 'click' || type === 'dragend') {
      sketch.radiusKm = r;
      return finish();
    } else if (type === 'drag' || (type === 'hover' && !sketch.typed)) {
      sketch.radiusKm = r;
      radius.value = String(r);
      drawSketch();
    }
    return false;
  }

  function key(k) {
    if (!tool) return false;
    if (k === 'Enter') finish();
    else if (k === 'Backspace') undo();
    else if (k === 'Escape') start(null);
    else return false;
    return true;
  }

  function undo() {
    sketch.points.pop();
    drawSketch();
  }

  /** Closes the polygon or fixes the circle being drawn, and adds it. */
  function finish() {
    if (tool === 'polygon' && sketch.points.length >= 3) add({ type: 'polygon', points: sketch.points });
    else if (tool === 'circle' && sketch.center) {
      const r = sketch.radiusKm;
      if (!(r > 0)) {
        status.textContent = t('radiusNeeded');
        radius.focus();
        return true;
      }
      add({ type: 'circle', center: sketch.center, radiusKm: round(r, 3) });
    } else return true;
    start(null);
    return true;
  }

  function add(shape) {
    shapes.push(shape);
    changed();
  }

  /** Redraws the shapes and their list; tells the editor unless `tell` is false (at start). */
  function changed(tell = true) {
    redraw();
    fill(
      list,
      shapes.map((s, i) =>
        h(
          'li',
          { 'data-index': i },
          h('span', { text: t(s.type === 'polygon' ? 'shapePolygon' : 'shapeCircle', { n: s.points ? s.points.length : 0, r: s.radiusKm }) }),
          ' ',
          h('code', { text: shapeText(s) }),
          ' ',
          h('button', {
            type: 'button',
            class: 'quiet remove-shape',
            text: t('removeShape'),
            'aria-label': t('removeShapeN', { n: i + 1 }),
            onclick: () => {
              shapes.splice(i, 1);
              changed();
              (list.querySelector('.remove-shape') || coords).focus();
            },
          }),
        ),
      ),
    );
    if (tell) onChange();
  }

  function addTyped() {
    const parsed = parseShape(coords.value);
    coords.setAttribute('aria-invalid', String(!!parsed.error));
    coordsError.textContent = parsed.error ? t(parsed.error, parsed.values) : '';
    if (parsed.error) return coords.focus();
    coords.value = '';
    add(parsed.shape);
    // A typed shape may lie outside the view: frame the whole area so the author sees it.
    map.fit();
  }
  coords.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    addTyped();
  });
  radius.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    finish();
  });
  radius.addEventListener('input', () => {
    sketch.radiusKm = Number(radius.value) || 0;
    sketch.typed = true;
    drawSketch();
  });
  for (const { input } of names) {
    input.addEventListener('change', () => {
      nameError.textContent = '';
      if (shapes.length) onChange();
    });
  }

  const element = h(
    'fieldset',
    { class: 'map-area', id: 'map-area' },
    h('legend', { text: t('mapLegend') }),
    map.element,
    outside,
    h('div', { class: 'draw-tools', role: 'group', 'aria-label': t('drawTools') }, polygonButton, circleButton, finishButton, undoButton, cancelButton),
    status,
    radiusField,
    field(t('coordsLabel'), coords, t('coordsHint')),
    h('p', { class: 'actions' }, h('button', { type: 'button', id: 'map-coords-add', text: t('coordsAdd'), onclick: addTyped })),
    coordsError,
    names.map((n) => n.row),
    nameError,
    h('h3', { class: 'drawn-title', text: t('drawnShapes') }),
    list,
  );
  coords.setAttribute('aria-describedby', `${coords.getAttribute('aria-describedby')} map-coords-error`);
  changed(false);

  return {
    element,
    map,
    /** Shows the named areas now ticked. */
    tick(ids) {
      ticked = ids;
      redraw();
    },
    /** Writes the drawn area into every info block, replacing what was drawn before. */
    apply(content) {
      const empty = names.find((n) => !n.input.value.trim());
      if (shapes.length && empty) {
        nameError.textContent = t('drawnNameMissing');
        throw Object.assign(new Error(t('drawnNameMissing')), { findings: [], target: empty.input });
      }
      const area = {
        polygons: shapes.filter((s) => s.type === 'polygon').map((s) => [...s.points, s.points[0]]),
        circles: shapes.filter((s) => s.type === 'circle').map((s) => ({ center: s.center, radiusKm: s.radiusKm })),
      };
      if (!area.polygons.length) delete area.polygons;
      if (!area.circles.length) delete area.circles;
      content.infos.forEach((info, i) => {
        info.areas = (info.areas || []).filter((a) => !isDrawn(a));
        const named = names[i] || names[0];
        const areaDesc = named ? named.input.value.trim() : t('drawnAreaDefault');
        if (shapes.length) info.areas.unshift({ areaDesc, ...structuredClone(area) });
        if (!info.areas.length) delete info.areas;
      });
    },
    /** Shows whether the reach asks to confirm an area far beyond the territory. */
    reach(confirmations) {
      outside.hidden = !(confirmations || []).includes('outside-territory');
    },
  };
}
