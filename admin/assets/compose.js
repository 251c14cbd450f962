// Starting an alert: from a template (its placeholders filled in) or from an earlier alert
// (`#/compose?template=ID` and `?from=ID` choose one),
// with the kind of message chosen explicitly (live, exercise or test: never a silent
// default), the named areas and how long it is valid. The server fills the template and
// makes the draft; the editor takes it from there.

import { api } from './api.js';
import { field, fill, h, select } from './dom.js';
import { t } from './words.js';

/** The radio group that makes the author choose live, exercise or test; `onchange(status)`. */
export function statusChooser(current, onchange) {
  const choices = ['Actual', 'Exercise', 'Test'].map((status) => {
    const input = h('input', {
      type: 'radio',
      name: 'status',
      value: status,
      id: `status-${status}`,
      checked: status === current,
      required: true,
      onchange: () => onchange(status),
    });
    return h(
      'label',
      { class: `choice status-${status}`, for: input.id },
      input,
      h('span', { class: 'choice-title', text: t(`status_${status}`) }),
      h('span', { class: 'choice-hint', text: t(`status_${status}_hint`) }),
    );
  });
  return h('fieldset', { class: 'status', id: 'status' }, h('legend', { text: t('statusLegend') }), choices);
}

/** The mode an alert status is shown in. */
export function modeOf(status) {
  return { Actual: 'live', Exercise: 'exercise', Test: 'test' }[status] || null;
}

/** Checkboxes of the named areas, `chosen` ticked. */
export function areaChooser(areas, chosen) {
  return h(
    'fieldset',
    { class: 'areas', id: 'areas' },
    h('legend', { text: t('areasLegend') }),
    areas.length
      ? areas.map((a) =>
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name: 'area', value: a.id, checked: chosen.includes(a.id) }),
            ` ${a.name} `,
            h('span', { class: 'hint', text: t('km2', { n: a.areaKm2.toFixed(1) }) }),
          ),
        )
      : h('p', { class: 'hint', text: t('noNamedAreas') }),
  );
}

/** The ids of the ticked areas in `root`. */
export function chosenAreas(root) {
  return [...root.querySelectorAll('input[name=area]:checked')].map((i) => Number(i.value));
}

export async function compose(main, app, params) {
  const [templates, areas, earlier] = await Promise.all([
    api('GET', '/api/v1/templates'),
    api('GET', '/api/v1/areas'),
    api('GET', '/api/v1/alerts?limit=50&msgType=Alert'),
  ]);
  const from = params.get('from');
  let status = null;
  const error = h('p', { class: 'error', role: 'alert', id: 'compose-error' });
  const placeholders = h('div', { class: 'placeholders', id: 'placeholders' });
  const areaBox = h('div', {}, areaChooser(areas, []));
  const source = select(
    [
      ['', t('chooseSource')],
      ...templates.map((tp) => [`t${tp.id}`, `${t('template')}: ${tp.name}`]),
      ...earlier.map((a) => [`a${a.id}`, `${t('earlierAlert')}: ${a.headline || a.id} (${t(`mode_${a.mode}`)})`]),
    ],
    from ? `a${from}` : params.get('template') ? `t${params.get('template')}` : '',
    { id: 'source', required: true },
  );
  const minutes = h('input', { id: 'expires-in', type: 'number', min: '5', max: '10080', value: '120', required: true });
  const chosenTemplate = () => templates.find((tp) => `t${tp.id}` === source.value);

  source.addEventListener('change', () => {
    const tp = chosenTemplate();
    fill(
      placeholders,
      tp && tp.description ? h('p', { class: 'hint', text: tp.description }) : null,
      (tp ? tp.placeholders : []).map((name) =>
        field(name, h('input', { name: 'placeholder', 'data-name': name, id: `ph-${name}`, required: true })),
      ),
    );
    fill(areaBox, areaChooser(areas, tp ? tp.content.areas || [] : []));
  });

  const form = h(
    'form',
    { id: 'compose', class: 'compose', novalidate: true },
    h('h1', { text: t('composeTitle') }),
    statusChooser(null, (s) => {
      status = s;
      app.mode(modeOf(s));
      create.textContent = t(`createDraft_${s}`);
      create.className = s === 'Actual' ? 'danger' : 'primary';
    }),
    field(t('startFrom'), source),
    placeholders,
    areaBox,
    field(t('validFor'), minutes, t('validForHint')),
    error,
  );
  const create = h('button', { class: 'primary', type: 'submit', id: 'create-draft', text: t('createDraft') });
  form.append(h('p', { class: 'actions' }, create));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!status) return explain(t('chooseStatus'), form.querySelector('#status-Actual'));
    if (!source.value) return explain(t('chooseSourceFirst'), source);
    const empty = [...placeholders.querySelectorAll('input')].find((i) => !i.value.trim());
    if (empty) return explain(t('fillPlaceholder', { name: empty.dataset.name }), empty);
    const body = { status, expiresInMinutes: Number(minutes.value) || 120 };
    const tp = chosenTemplate();
    if (tp) {
      body.template = tp.id;
      body.values = Object.fromEntries(
        [...placeholders.querySelectorAll('input')].map((i) => [i.dataset.name, i.value.trim()]),
      );
    } else {
      body.from = Number(source.value.slice(1));
    }
    const ticked = chosenAreas(areaBox);
    if (ticked.length) body.areas = ticked;
    create.disabled = true;
    try {
      const alert = await api('POST', '/api/v1/alerts', body);
      app.go(`#/alerts/${alert.id}`);
    } catch (p) {
      error.textContent = p.message;
    } finally {
      create.disabled = false;
    }
  });

  function explain(text, control) {
    error.textContent = text;
    if (control) control.focus();
  }

  fill(main, form);
  if (source.value) source.dispatchEvent(new Event('change'));
}
