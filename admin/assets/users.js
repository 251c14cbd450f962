// The users and tokens screen, for administrators: every account with its roles, second
// factor and last sign-in; adding one (its generated password shown once), changing roles,
// disabling and resetting the second factor; API tokens listed, created (the value shown
// once) and revoked.

import { api } from './api.js';
import { field, fill, h, select, when } from './dom.js';
import { t } from './words.js';
import { ago, askFirst, emptyRow, errorLine, secretOnce, statusLine, table } from './manage.js';

const ROLES = ['author', 'approver', 'operator', 'admin', 'auditor'];
const SCOPES = ['alerts', 'cap', 'templates', 'areas', 'users', 'tokens', 'audit', 'metrics', 'webhooks', 'feeds', '*'];

function checks(name, values, chosen, label) {
  return h(
    'fieldset',
    { class: 'checks' },
    h('legend', { text: label }),
    values.map((v) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name, value: v, checked: chosen.includes(v) }),
        t(`role_${v}`) || (v === '*' ? t('usAllScopes') : v),
      ),
    ),
  );
}

const checked = (root, name) => [...root.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);

function userState(u) {
  if (u.disabled) return h('span', { class: 'badge dev-offline', text: t('usDisabled') });
  if (u.mustChangePassword) return h('span', { class: 'badge', text: t('usMustChange') });
  return h('span', { class: 'badge dev-online', text: t('usActive') });
}

function usersPart(app, shown) {
  const status = statusLine('us-status');
  const error = errorLine('us-error');
  const heads = ['usUsername', 'usDisplayName', 'usRoles', 'usTotp', 'usState', 'usLastSignIn', 'mActions'];
  const { el, body } = table('users', t('usTitle'), heads);
  const fail = (p) => (error.textContent = p.message);

  const change = async (u, body, said) => {
    await api('PATCH', `/api/v1/users/${u.id}`, body);
    status.textContent = said;
    await load();
  };

  const editRoles = (u, row) => {
    const cell = h('td', { colspan: String(heads.length) });
    const form = h(
      'form',
      { class: 'inline-form', 'data-user': u.username },
      checks('role', ROLES, u.roles, t('usRolesOf', { name: u.username })),
      h('button', { type: 'submit', class: 'primary small', text: t('mSave') }),
      h('button', { type: 'button', class: 'small', text: t('mCancel'), onclick: () => load() }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await change(u, { roles: checked(form, 'role') }, t('usRolesChanged', { name: u.username }));
      } catch (p) {
        fail(p);
      }
    });
    row.after(h('tr', { class: 'editing' }, fill(cell, form)));
    form.querySelector('input').focus();
  };

  const actions = (u, row) => {
    const cell = h('td', { class: 'row-actions' });
    const self = u.id === app.me.userId;
    fill(
      cell,
      h('button', { type: 'button', class: 'small', text: t('usEditRoles'), 'aria-label': t('usEditRolesOf', { name: u.username }), onclick: () => editRoles(u, row) }),
      !self &&
        !u.disabled &&
        askFirst(cell, 'usDisable', u.username, () => change(u, { disabled: true }, t('usDisabledSaid', { name: u.username })), fail),
      !self &&
        u.disabled &&
        h('button', {
          type: 'button',
          class: 'small',
          text: t('usEnable'),
          'aria-label': t('usEnableNamed', { name: u.username }),
          onclick: () => change(u, { disabled: false }, t('usEnabled', { name: u.username })).catch(fail),
        }),
      u.totpEnabled &&
        askFirst(cell, 'usResetTotp', u.username, () => change(u, { resetTotp: true }, t('usResetDone', { name: u.username })), fail, false),
    );
    return cell;
  };

  async function load() {
    const users = await api('GET', '/api/v1/users');
    if (!users.length) return fill(body, emptyRow(heads.length, t('usEmpty')));
    fill(
      body,
      users.map((u) => {
        const row = h(
          'tr',
          { 'data-id': u.id, 'data-name': u.username },
          h('th', { scope: 'row', text: u.username }),
          h('td', { text: u.displayName }),
          h('td', { text: u.roles.map((r) => t(`role_${r}`) || r).join(', ') }),
          h('td', { text: u.totpEnabled ? t('usTotpOn') : t('usTotpOff') }),
          h('td', {}, userState(u)),
          h('td', {}, ago(u.lastSignInMs)),
        );
        row.append(actions(u, row));
        return row;
      }),
    );
  }

  const username = h('input', { id: 'us-new-username', required: true, autocomplete: 'off', pattern: '[a-z0-9._-]{2,64}' });
  const display = h('input', { id: 'us-new-display', required: true, maxlength: '100' });
  const addError = errorLine('us-add-error');
  const secret = h('div', { id: 'us-secret', 'aria-live': 'polite' });
  const add = h(
    'form',
    { id: 'user-add', class: 'panel', novalidate: true },
    h('h2', { text: t('usAdd') }),
    h('div', { class: 'grid' }, field(t('usUsername'), username, t('usUsernameHint')), field(t('usDisplayName'), display)),
    checks('new-role', ROLES, [], t('usRoles')),
    addError,
    h('button', { type: 'submit', class: 'primary', id: 'us-add-submit', text: t('usAddButton') }),
    secret,
  );
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    addError.textContent = '';
    fill(secret);
    try {
      const made = await api('POST', '/api/v1/users', {
        username: username.value.trim(),
        displayName: display.value.trim(),
        roles: checked(add, 'new-role'),
      });
      fill(secret, secretOnce('us-password', t('usPasswordOf', { name: made.user.username }), made.password, t('usPasswordWarning')));
      username.value = '';
      display.value = '';
      await load();
      secret.querySelector('input').focus();
    } catch (p) {
      addError.textContent = p.message;
    }
  });
  fill(shown, h('h2', { text: t('usTitle') }), status, error, h('div', { class: 'scroll' }, el), add);
  return load();
}

function tokensPart(app, shown) {
  const status = statusLine('tk-status');
  const error = errorLine('tk-error');
  const heads = ['tkName', 'tkPrefix', 'tkRole', 'tkScopes', 'tkCreated', 'tkExpires', 'tkLastUsed', 'tkConfirmedAt', 'mActions'];
  const { el, body } = table('tokens', t('tkTitle'), heads);

  async function load() {
    const tokens = await api('GET', '/api/v1/tokens');
    if (!tokens.length) return fill(body, emptyRow(heads.length, t('tkEmpty')));
    fill(
      body,
      tokens.map((k) => {
        const cell = h('td', { class: 'row-actions' });
        if (k.revokedMs) cell.append(h('span', { class: 'muted', text: t('tkRevokedAt', { when: when(k.revokedMs) }) }));
        else if (!k.confirmedMs && app.can('approver'))
          // A token made in the app waits for a second person: an approver who did not make it.
          cell.append(
            h('button', {
              type: 'button',
              class: 'primary',
              'data-action': 'confirm',
              text: t('tkConfirm'),
              'aria-label': t('tkConfirmNamed', { name: k.name }),
              onclick: async () => {
                try {
                  await api('POST', `/api/v1/tokens/${k.id}/confirm`);
                  status.textContent = t('tkConfirmed', { name: k.name });
                  await load();
                } catch (p) {
                  error.textContent = p.message;
                }
              },
            }),
          );
        if (!k.revokedMs && app.can('admin'))
          cell.append(
            askFirst(cell, 'tkRevoke', k.name, async () => {
              await api('DELETE', `/api/v1/tokens/${k.id}`);
              status.textContent = t('tkRevoked', { name: k.name });
              await load();
            }, (p) => (error.textContent = p.message)),
          );
        return h(
          'tr',
          { 'data-id': k.id, 'data-name': k.name, 'data-revoked': k.revokedMs ? 'yes' : 'no' },
          h('th', { scope: 'row', text: k.name }),
          h('td', {}, h('code', { text: `${k.prefix}…` })),
          h('td', { text: t(`role_${k.role}`) || k.role }),
          h('td', { text: k.scopes.join(', ') }),
          h('td', { text: when(k.createdMs) }),
          h('td', { text: k.expiresMs ? when(k.expiresMs) : t('tkNever') }),
          h('td', {}, ago(k.lastUsedMs)),
          h('td', { class: k.confirmedMs ? '' : 'warning', text: k.confirmedMs ? when(k.confirmedMs) : t('tkAwaiting') }),
          cell,
        );
      }),
    );
  }

  const name = h('input', { id: 'tk-name', required: true });
  const role = select(ROLES.map((r) => [r, t(`role_${r}`)]), 'author', { id: 'tk-role' });
  const days = h('input', { id: 'tk-days', type: 'number', min: '1', max: '3650', value: '365' });
  const createError = errorLine('tk-create-error');
  const secret = h('div', { id: 'tk-secret', 'aria-live': 'polite' });
  const create = h(
    'form',
    { id: 'token-create', class: 'panel', novalidate: true },
    h('h2', { text: t('tkCreate') }),
    h('div', { class: 'grid' }, field(t('tkName'), name, t('tkNameHint')), field(t('tkRole'), role), field(t('tkDays'), days, t('tkDaysHint'))),
    checks('scope', SCOPES, [], t('tkScopes')),
    createError,
    h('button', { type: 'submit', class: 'primary', id: 'tk-submit', text: t('tkCreateButton') }),
    secret,
  );
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    createError.textContent = '';
    fill(secret);
    try {
      const made = await api('POST', '/api/v1/tokens', {
        name: name.value.trim(),
        role: role.value,
        scopes: checked(create, 'scope'),
        expiresDays: days.value ? Number(days.value) : null,
      });
      fill(secret, secretOnce('token-value', t('tkValueOf', { name: made.token.name }), made.value, t('tkValueWarning')));
      name.value = '';
      await load();
      secret.querySelector('input').focus();
    } catch (p) {
      createError.textContent = p.message;
    }
  });
  const admin = app.can('admin');
  fill(shown, h('h2', { text: t('tkTitle') }), h('p', { class: 'hint', text: t('tkHint') }), status, error, h('div', { class: 'scroll' }, el), admin ? create : null);
  return load();
}

export async function usersScreen(main, app) {
  const users = h('section', { id: 'users-part' });
  const tokens = h('section', { id: 'tokens-part' });
  fill(main, h('h1', { text: t('usScreenTitle') }), app.can('admin') ? users : null, tokens);
  // Approvers see the tokens only, to confirm the ones an administrator made.
  await Promise.all([app.can('admin') ? usersPart(app, users) : null, tokensPart(app, tokens)]);
}
