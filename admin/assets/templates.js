// The templates screen: the list (name, description, languages, event), one template's texts,
// "New alert from this template" for authors, and for authors and administrators a form per
// language to change the name, description, event, headline, description and instruction,
// and deleting with a confirmation.

import { api } from './api.js';
import { field, fill, h } from './dom.js';
import { t } from './words.js';
import { askFirst, emptyRow, errorLine, statusLine, table } from './manage.js';

const TEXTS = [
  ['event', 'input'],
  ['headline', 'input'],
  ['description', 'textarea'],
  ['instruction', 'textarea'],
];

const languages = (tp) => (tp.content.infos || []).map((i) => i.language || '—').join(', ');

const editor = (app) => app.can('author') || app.can('admin');

export async function templatesScreen(main, app, id) {
  if (id) return templateScreen(main, app, id);
  const status = statusLine('tp-status');
  const error = errorLine('tp-error');
  const heads = ['tpName', 'tpDescription', 'tpLanguages', 'tpEvent', 'mActions'];
  const { el, body } = table('templates', t('tpTitle'), heads);
  fill(
    main,
    h('h1', { text: t('tpTitle') }),
    h('p', { class: 'hint', text: t('tpHint') }),
    status,
    error,
    h('div', { class: 'scroll' }, el),
  );
  const load = async () => {
    const list = await api('GET', '/api/v1/templates');
    if (!list.length) return fill(body, emptyRow(heads.length, t('tpEmpty')));
    fill(
      body,
      list.map((tp) => {
        const cell = h('td', { class: 'row-actions' });
        fill(
          cell,
          app.can('author') &&
            h('a', { class: 'button small', href: `#/compose?template=${tp.id}`, text: t('tpNewAlert'), 'aria-label': t('tpNewAlertNamed', { name: tp.name }) }),
          editor(app) &&
            askFirst(cell, 'tpDelete', tp.name, async () => {
              await api('DELETE', `/api/v1/templates/${tp.id}`);
              status.textContent = t('tpDeleted', { name: tp.name });
              await load();
            }, (p) => (error.textContent = p.message)),
        );
        return h(
          'tr',
          { 'data-id': tp.id, 'data-name': tp.name },
          h('th', { scope: 'row' }, h('a', { href: `#/templates/${tp.id}`, text: tp.name })),
          h('td', { text: tp.description }),
          h('td', { text: languages(tp) }),
          h('td', { text: (tp.content.infos || [])[0]?.event || '' }),
          cell,
        );
      }),
    );
  };
  await load();
}

/** One template: its texts, and the form that changes them for those who may. */
async function templateScreen(main, app, id) {
  const tp = await api('GET', `/api/v1/templates/${id}`);
  const may = editor(app);
  const error = errorLine('tp-edit-error');
  const status = statusLine('tp-edit-status');
  const name = h('input', { id: 'tp-name', value: tp.name, required: true, maxlength: '100', readonly: !may });
  const description = h('input', { id: 'tp-description', value: tp.description, readonly: !may });
  const columns = (tp.content.infos || []).map((info, i) =>
    h(
      'fieldset',
      { 'data-language': info.language || '' },
      h('legend', { text: t('tpLanguage', { lang: info.language || '—' }) }),
      TEXTS.map(([key, tag]) =>
        field(
          t(`tpText_${key}`),
          h(tag, { id: `tp-${i}-${key}`, 'data-info': i, 'data-key': key, value: info[key] || '', readonly: !may, rows: tag === 'textarea' ? '4' : undefined }),
        ),
      ),
    ),
  );
  const form = h(
    'form',
    { id: 'template-edit', novalidate: true },
    h('div', { class: 'grid' }, field(t('tpName'), name), field(t('tpDescription'), description)),
    h('p', { class: 'hint', text: tp.placeholders.length ? t('tpPlaceholders', { list: tp.placeholders.join(', ') }) : t('tpNoPlaceholders') }),
    h('div', { class: 'languages' }, columns),
    error,
    status,
    may && h('button', { type: 'submit', class: 'primary', id: 'tp-save', text: t('mSave') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const content = structuredClone(tp.content);
    for (const input of form.querySelectorAll('[data-key]')) {
      const info = content.infos[Number(input.dataset.info)];
      const value = input.value.trim();
      if (value) info[input.dataset.key] = value;
      else delete info[input.dataset.key];
    }
    try {
      const saved = await api('PUT', `/api/v1/templates/${tp.id}`, {
        name: name.value.trim(),
        description: description.value.trim(),
        content,
      });
      Object.assign(tp, saved);
      status.textContent = t('tpSaved', { name: saved.name });
    } catch (p) {
      error.textContent = p.message;
    }
  });
  fill(
    main,
    h('p', {}, h('a', { href: '#/templates', text: t('tpBack') })),
    h('h1', { text: t('tpOne', { name: tp.name }) }),
    app.can('author') && h('p', {}, h('a', { class: 'button', href: `#/compose?template=${tp.id}`, id: 'tp-new-alert', text: t('tpNewAlert') })),
    form,
  );
}
