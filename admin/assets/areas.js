// The named areas screen: each area with its size and number of polygons, and for
// administrators a GeoJSON FeatureCollection uploaded from a file (areas of the same name are
// replaced; what the server refuses is shown for the feature at fault), and deleting.

import { api } from './api.js';
import { field, fill, h } from './dom.js';
import { t } from './words.js';
import { askFirst, emptyRow, errorLine, fileText, num, statusLine, table } from './manage.js';

/** The feature a problem's field points at (`/features/3/...`), named from the file. */
function featureOf(problem, text) {
  const m = /^\/features\/(\d+)/.exec(problem.field || '');
  if (!m) return null;
  const i = Number(m[1]);
  let name = '';
  try {
    name = JSON.parse(text).features[i].properties.name || '';
  } catch {
    name = '';
  }
  return t('arFeature', { n: i + 1, name });
}

function uploadForm(reload) {
  const file = h('input', { id: 'area-file', type: 'file', accept: '.geojson,.json,application/geo+json,application/json' });
  const error = errorLine('area-error');
  const result = h('div', { id: 'area-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    { id: 'area-upload', class: 'panel', novalidate: true },
    h('h2', { text: t('arUpload') }),
    h('p', { class: 'hint', text: t('arUploadHint') }),
    field(t('arFile'), file),
    error,
    h('button', { type: 'submit', class: 'primary', id: 'area-submit', text: t('arUploadButton') }),
    result,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    fill(result);
    error.textContent = '';
    const text = await fileText(file);
    if (text === null) {
      error.textContent = t('arChooseFile');
      return;
    }
    try {
      const r = await api('POST', '/api/v1/areas', text, 'application/geo+json');
      fill(
        result,
        h('p', { class: 'ok', id: 'area-imported', text: t('arImported', { names: r.areas.map((a) => a.name).join(', ') }) }),
        r.warnings.length > 0 && h('ul', { class: 'refusals' }, r.warnings.map((w) => h('li', { class: 'warning', text: w }))),
      );
      file.value = '';
      await reload();
    } catch (p) {
      const where = featureOf(p, text);
      error.textContent = where ? `${where}: ${p.message}` : p.message;
    }
  });
  return form;
}

export async function areasScreen(main, app) {
  const admin = app.can('admin');
  const status = statusLine('ar-status');
  const error = errorLine('ar-list-error');
  const heads = ['arName', 'arSize', 'arPolygons', 'arGeocodes', 'mActions'];
  const { el, body } = table('areas', t('arTitle'), heads, ['arSize', 'arPolygons']);
  const reload = async () => {
    const list = await api('GET', '/api/v1/areas');
    status.textContent = t('arCount', { n: list.length });
    if (!list.length) return fill(body, emptyRow(heads.length, t('arEmpty')));
    fill(
      body,
      list.map((a) => {
        const cell = h('td', { class: 'row-actions' });
        if (admin)
          cell.append(
            askFirst(cell, 'arDelete', a.name, async () => {
              await api('DELETE', `/api/v1/areas/${a.id}`);
              status.textContent = t('arDeleted', { name: a.name });
              await reload();
            }, (p) => (error.textContent = p.message)),
          );
        return h(
          'tr',
          { 'data-id': a.id, 'data-name': a.name },
          h('th', { scope: 'row', text: a.name }),
          h('td', { class: 'num', text: t('arKm2', { n: num(a.areaKm2, 1) }) }),
          h('td', { class: 'num', text: num(a.polygons) }),
          h('td', { text: a.geocodes.map((g) => `${g.valueName} ${g.value}`).join(', ') }),
          cell,
        );
      }),
    );
  };
  fill(main, h('h1', { text: t('arTitle') }), status, error, h('div', { class: 'scroll' }, el), admin && uploadForm(reload));
  await reload();
}
