// The management screens, each with the roles that may open it: the navigation shows a screen
// only to those roles, matching what the server allows (`dispatcher/src/http/*.rs`).

import { areasScreen } from './areas.js';
import { auditScreen } from './audit.js';
import { devicesScreen } from './devices.js';
import { residentsScreen } from './residents.js';
import { templatesScreen } from './templates.js';
import { usersScreen } from './users.js';

const EVERYONE = ['author', 'approver', 'operator', 'admin', 'auditor'];

export const SCREENS = [
  // GET /api/v1/devices: operators, auditors and administrators.
  { path: 'devices', word: 'navDevices', roles: ['operator', 'auditor', 'admin'], show: devicesScreen },
  // GET /api/v1/residents/stats: every staff role (counts only).
  { path: 'residents', word: 'navResidents', roles: EVERYONE, show: residentsScreen },
  { path: 'templates', word: 'navTemplates', roles: EVERYONE, show: templatesScreen },
  { path: 'areas', word: 'navAreas', roles: EVERYONE, show: areasScreen },
  // Users and tokens: administrators; approvers see the tokens, to confirm new ones.
  { path: 'users', word: 'navUsers', roles: ['admin', 'approver'], show: usersScreen },
  // The audit log: auditors and administrators.
  { path: 'audit', word: 'navAudit', roles: ['auditor', 'admin'], show: auditScreen },
];

/** The screens the signed-in user may open. */
export function screensFor(app) {
  return SCREENS.filter((s) => s.roles.some((r) => app.can(r)));
}
