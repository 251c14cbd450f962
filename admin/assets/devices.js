// The devices screen: sirens and displays with their state, last poll, faults, power and the
// last siren test's answer; filters; registering a device (its secret shown once), rotating a
// secret and revoking, for operators. The map above the list is drawn by `drawMap`.

import { api } from './api.js';
import { field, fill, h, select } from './dom.js';
import { t } from './words.js';
import { ago, askFirst, emptyRow, errorLine, ms, secretOnce, statusLine, table } from './manage.js';
import { pointsMap } from './map.js';

const HEADS = ['dvName', 'dvKind', 'dvGroups', 'dvState', 'dvLastPoll', 'dvProblems', 'dvPower', 'dvLastTest', 'mActions'];

/** A device's colour on the map: green when online and well, amber with faults or while
 * never seen, red when offline; revoked devices are left off. */
function mapStatus(d) {
  if (d.state === 'offline') return 'failed';
  if (d.state === 'online') return d.problems.length ? 'warning' : 'ok';
  return d.state === 'never-seen' ? 'warning' : 'unknown';
}

/** The map of the devices (the public configuration's tiles, else the named areas' outlines). */
async function drawMap(box, devices) {
  const config = await api('GET', '/api/v1/public/config').catch(() => ({}));
  const points = devices
    .filter((d) => d.state !== 'revoked')
    .map((d) => ({ lat: d.lat, lon: d.lon, label: `${d.name} (${t(`dvState_${d.state.replace('-', '_')}`)})`, status: mapStatus(d) }));
  pointsMap(box, config, points, t('dvMapLabel'));
}

/** Each siren's answer to the newest run of any siren test: device id → answer and time. */
async function lastTests() {
  const answers = new Map();
  const schedules = await api('GET', '/api/v1/siren-tests');
  for (const s of schedules) {
    const runs = await api('GET', `/api/v1/siren-tests/${s.id}/runs`);
    if (!runs.length) continue;
    const report = await api('GET', `/api/v1/siren-tests/runs/${runs[0].id}`);
    const at = ms(report.run.startedAt);
    for (const a of report.sirens) {
      const known = answers.get(a.device);
      if (!known || known.at < at) answers.set(a.device, { answer: a.answer, reason: a.reason, at, name: s.name });
    }
  }
  return answers;
}

function stateBadge(d) {
  return h('span', { class: `badge dev-${d.state}`, 'data-state': d.state, text: t(`dvState_${d.state.replace('-', '_')}`) || d.state });
}

function power(health) {
  if (!health) return '';
  const parts = [];
  if (health.mains === true) parts.push(t('dvMains'));
  if (health.mains === false) parts.push(t('dvOnBattery'));
  if (typeof health.battery === 'number') parts.push(t('dvBattery', { n: health.battery }));
  return parts.join(', ');
}

function problemText(p) {
  if (p.startsWith('fault:')) return t('dvFault', { code: p.slice(6) });
  return t(`dvProblem_${p}`) || p;
}

function testCell(test) {
  if (!test) return h('span', { class: 'muted', text: t('dvNoTest') });
  const cls = test.answer === 'completed' ? 'ok' : test.answer === 'failed' || test.answer === 'none' ? 'error' : '';
  return h(
    'span',
    {},
    h('span', { class: cls, text: t(`dvAnswer_${test.answer}`) || test.answer }),
    test.reason ? ` (${test.reason})` : '',
    ' · ',
    ago(test.at),
  );
}

function registerForm(onDone) {
  const kind = select([['siren', t('dvKind_siren')], ['display', t('dvKind_display')]], 'siren', { id: 'dv-kind' });
  const name = h('input', { id: 'dv-name', required: true, maxlength: '200' });
  const lat = h('input', { id: 'dv-lat', type: 'number', step: 'any', min: '-90', max: '90', required: true });
  const lon = h('input', { id: 'dv-lon', type: 'number', step: 'any', min: '-180', max: '180', required: true });
  const groups = h('input', { id: 'dv-groups' });
  const caps = ['tones', 'voice', 'text'].map((c) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'capability', value: c }), t(`dvCap_${c}`)),
  );
  const error = errorLine('dv-error');
  const form = h(
    'form',
    { id: 'device-register', class: 'panel', novalidate: true },
    h('h2', { text: t('dvRegister') }),
    h(
      'div',
      { class: 'grid' },
      field(t('dvKind'), kind),
      field(t('dvName'), name),
      field(t('dvLat'), lat, t('dvLatHint')),
      field(t('dvLon'), lon, t('dvLonHint')),
      field(t('dvGroups'), groups, t('dvGroupsHint')),
    ),
    h('fieldset', {}, h('legend', { text: t('dvCapabilities') }), caps),
    error,
    h('button', { type: 'submit', class: 'primary', id: 'dv-submit', text: t('dvRegisterButton') }),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const body = {
      kind: kind.value,
      name: name.value.trim(),
      lat: Number(lat.value),
      lon: Number(lon.value),
      groups: groups.value.split(',').map((g) => g.trim()).filter(Boolean),
      capabilities: [...form.querySelectorAll('input[name=capability]:checked')].map((c) => c.value),
    };
    if (!body.name || lat.value === '' || lon.value === '') {
      error.textContent = t('dvMissing');
      return;
    }
    try {
      const made = await api('POST', '/api/v1/devices', body);
      form.reset();
      onDone(made);
    } catch (p) {
      error.textContent = p.message;
    }
  });
  return form;
}

export async function devicesScreen(main, app) {
  const operator = app.can('operator') || app.can('admin');
  const title = h('h1', { text: t('dvTitle') });
  const map = h('div', { id: 'devices-map', class: 'map-box' });
  const kind = select(
    [['', t('mAll')], ['siren', t('dvKind_siren')], ['display', t('dvKind_display')]],
    '',
    { id: 'dv-filter-kind' },
  );
  const health = select(
    [
      ['', t('mAll')],
      ['problems', t('dvNeedsAttention')],
      ['online', t('dvState_online')],
      ['offline', t('dvState_offline')],
      ['never-seen', t('dvState_never_seen')],
      ['revoked', t('dvState_revoked')],
    ],
    '',
    { id: 'dv-filter-health' },
  );
  const secret = h('div', { id: 'dv-secret', 'aria-live': 'polite' });
  const status = statusLine('dv-status');
  const error = errorLine('dv-list-error');
  const { el, body } = table('devices', t('dvTitle'), HEADS);
  let devices = [];
  let tests = new Map();

  const showSecret = (d, value) =>
    fill(secret, secretOnce('dv-secret-value', t('dvSecretOf', { name: d.name }), value, t('dvSecretWarning')));

  const actions = (d) => {
    const cell = h('td', { class: 'row-actions' });
    if (!operator || d.state === 'revoked') return cell;
    const fail = (p) => (error.textContent = p.message);
    const rotate = askFirst(cell, 'dvRotate', d.name, async () => {
      const r = await api('POST', `/api/v1/devices/${d.id}/rotate`);
      showSecret(d, r.secret);
      await load();
    }, fail, false);
    const revoke = askFirst(cell, 'dvRevoke', d.name, async () => {
      await api('DELETE', `/api/v1/devices/${d.id}`);
      status.textContent = t('dvRevoked', { name: d.name });
      await load();
    }, fail);
    return fill(cell, rotate, revoke);
  };

  const draw = () => {
    const shown = devices.filter(
      (d) =>
        (!kind.value || d.kind === kind.value) &&
        (!health.value || (health.value === 'problems' ? d.problems.length > 0 : d.state === health.value)),
    );
    status.textContent = t('dvShown', { n: shown.length, all: devices.length });
    if (!shown.length) return fill(body, emptyRow(HEADS.length, t('dvEmpty')));
    fill(
      body,
      shown.map((d) =>
        h(
          'tr',
          { 'data-id': d.id, 'data-name': d.name, 'data-state': d.state },
          h('th', { scope: 'row', text: d.name }),
          h('td', { text: t(`dvKind_${d.kind}`) || d.kind }),
          h('td', { text: d.groups.join(', ') }),
          h('td', {}, stateBadge(d)),
          h('td', {}, ago(ms(d.lastSeen))),
          h('td', { class: d.problems.length ? 'error' : '' , text: d.problems.map(problemText).join(', ') }),
          h('td', { text: power(d.health) }),
          h('td', {}, d.kind === 'siren' ? testCell(tests.get(d.id)) : ''),
          actions(d),
        ),
      ),
    );
  };

  async function load() {
    [devices, tests] = await Promise.all([api('GET', '/api/v1/devices'), lastTests()]);
    draw();
    await drawMap(map, devices);
  }

  kind.addEventListener('change', draw);
  health.addEventListener('change', draw);
  fill(
    main,
    title,
    map,
    h('div', { class: 'filters' }, field(t('dvKind'), kind), field(t('dvHealth'), health)),
    secret,
    status,
    error,
    h('div', { class: 'scroll' }, el),
    operator &&
      registerForm(async (made) => {
        showSecret(made.device, made.secret);
        await load();
        secret.querySelector('input').focus();
      }),
  );
  await load();
}
