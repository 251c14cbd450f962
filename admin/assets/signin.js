// Signing in: a password, then the code of the authenticator app when the account has a
// second factor (the API answers API-014 and the field appears).

import { api } from './api.js';
import { field, fill, h } from './dom.js';
import { t } from './words.js';

export function signIn(main, app, done) {
  const user = h('input', { id: 'signin-user', name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', {
    id: 'signin-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const code = h('input', {
    id: 'signin-totp',
    name: 'totp',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: '6',
  });
  const codeField = field(t('totpCode'), code, t('totpHint'));
  codeField.hidden = true;
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert' });
  const button = h('button', { id: 'signin-submit', class: 'primary', type: 'submit', text: t('signIn') });
  const form = h(
    'form',
    { id: 'signin', class: 'signin', novalidate: true },
    h('h1', { text: t('signInTitle') }),
    field(t('username'), user),
    field(t('password'), pass),
    codeField,
    error,
    button,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!user.value || !pass.value) {
      error.textContent = t('signInMissing');
      return;
    }
    const body = { username: user.value.trim(), password: pass.value };
    if (!codeField.hidden) body.totp = code.value.trim();
    button.disabled = true;
    try {
      done(await api('POST', '/api/v1/session', body));
    } catch (p) {
      if (p.code === 'API-014') {
        const first = codeField.hidden;
        codeField.hidden = false;
        error.textContent = first ? t('totpNeeded') : t('totpWrong');
        code.focus();
      } else if (p.code === 'API-010') {
        error.textContent = t('tooManyAttempts');
      } else if (p.status === 401) {
        error.textContent = codeField.hidden ? t('signInFailed') : t('signInFailedCode');
        pass.value = '';
        code.value = '';
        pass.focus();
      } else {
        error.textContent = p.message;
      }
    } finally {
      button.disabled = false;
    }
  });
  fill(main, form);
  user.focus();
}

/** The password change a new account (or a reset one) must make before anything else. */
export function changePassword(main, app, done) {
  const current = h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', minlength: '12', required: true });
  const error = h('p', { id: 'pw-error', class: 'error', role: 'alert' });
  const form = h(
    'form',
    { id: 'password-change', class: 'signin', novalidate: true },
    h('h1', { text: t('passwordTitle') }),
    h('p', { text: t('passwordWhy') }),
    field(t('passwordCurrent'), current),
    field(t('passwordNew'), next, t('passwordHint')),
    error,
    h('button', { class: 'primary', type: 'submit', id: 'pw-submit', text: t('passwordChange') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api('POST', '/api/v1/session/password', { currentPassword: current.value, newPassword: next.value });
      done(await api('GET', '/api/v1/session'));
    } catch (p) {
      error.textContent = p.message;
    }
  });
  fill(main, form);
  current.focus();
}

/**
 * Enrolling a second factor, which approvers and administrators must do before anything else
 * (`security.require_second_factor`): the secret to type into an authenticator app (or its
 * otpauth link, which a phone opens), then a code from the app. The code confirms the factor
 * and counts for this session.
 */
export function enrolSecondFactor(main, app, done) {
  const secret = h('code', { id: 'totp-secret' });
  const link = h('a', { id: 'totp-link', text: t('totpLink') });
  const code = h('input', { id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', required: true });
  const error = h('p', { id: 'totp-error', class: 'error', role: 'alert' });
  const form = h(
    'form',
    { id: 'totp-enrol', class: 'signin', novalidate: true },
    h('h1', { text: t('totpEnrolTitle') }),
    h('p', { text: t('totpEnrolWhy') }),
    h('p', {}, t('totpEnrolSecret'), ' ', secret, ' ', link),
    field(t('totpCode'), code, t('totpHint')),
    error,
    h('button', { class: 'primary', type: 'submit', id: 'totp-submit', text: t('totpEnrolButton') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      await api('POST', '/api/v1/session/totp/confirm', { code: code.value.trim() });
      done(await api('GET', '/api/v1/session'));
    } catch (p) {
      error.textContent = p.message;
    }
  });
  fill(main, form);
  api('POST', '/api/v1/session/totp', {}).then(
    (enrolment) => {
      secret.textContent = enrolment.secret;
      link.href = enrolment.otpauthUri;
      code.focus();
    },
    (p) => (error.textContent = p.message),
  );
}
