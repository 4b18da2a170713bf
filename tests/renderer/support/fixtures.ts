import type { Me, Session, UserSummary } from '../../../src/shared/api';
import type { AuthState, GatewayProfile } from '../../../src/shared/ipc';
import { allowedActions, type Principal } from '../../../src/shared/policy';

export const PIN_A = Array.from({ length: 32 }, (_, i) =>
  (i * 7).toString(16).padStart(2, '0').toUpperCase(),
).join(':');
export const PIN_B = Array.from({ length: 32 }, (_, i) =>
  (255 - i).toString(16).padStart(2, '0').toUpperCase(),
).join(':');

export const profile: GatewayProfile = {
  id: 'p1',
  name: 'Production',
  url: 'https://127.0.0.1:8443',
  fingerprint: PIN_A,
  lastLogin: 'ana',
};

export const auditorMe: Me = {
  id: 2,
  login: 'ana',
  name: 'Ana Auditor',
  roles: ['PAM Administrator'],
  permissions: [
    'PAM.SessionManagement.Livestream',
    'PAM.SessionManagement.Recording',
    'PAM.SessionManagement.Drop',
    'PAM.SessionManagement.PreventPurge',
    'PAM.SessionManagement.Auditors',
    'PAM.SessionManagement.Logs',
  ],
};

export const authState: AuthState = {
  profileId: profile.id,
  user: auditorMe,
  expiresAt: '2030-01-01T00:00:00.000Z',
};

export const users: UserSummary[] = [
  { id: 2, login: 'ana', name: 'Ana Auditor', roles: ['PAM Administrator'] },
  { id: 3, login: 'bruno', name: 'Bruno Souza', roles: ['PAM Auditor'] },
  { id: 4, login: 'carla', name: 'Carla Lima', roles: ['System Administrator'] },
  { id: 5, login: 'otto', name: 'Otto Operator', roles: ['Operator'] },
];

/** A session as the gateway returns it; allowedActions come from the real shared policy. */
export function makeSession(
  id: number,
  overrides: Partial<Session> = {},
  principal: Principal = auditorMe,
): Session {
  const status = overrides.status ?? (id % 3 === 0 ? 'live' : 'finished');
  const startedAt = new Date(Date.UTC(2025, 0, 1, 8, 0, 0) + id * 60_000).toISOString();
  const base: Session = {
    id,
    hash: `${id.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`,
    user: {
      id: 10 + (id % 2),
      login: id % 2 ? 'ops.bob' : 'ops.alice',
      name: id % 2 ? 'Bob Ops' : 'Alice Ops',
    },
    originIp: `10.0.0.${id % 250}`,
    credential: 'root',
    device: `db-${id}.internal`,
    protocol: id % 2 ? 'ssh' : 'rdp',
    proxy: 'vigil',
    status,
    startedAt,
    endedAt: status === 'live' ? null : new Date(Date.parse(startedAt) + 3_723_000).toISOString(),
    durationMs: status === 'live' ? null : 3_723_000,
    blocked: false,
    reason: null,
    errorMessage: null,
    preventPurge: null,
    recording: null,
    allowedActions: allowedActions(principal, { status, isAuditor: false, isOperator: false }),
  };
  return { ...base, ...overrides };
}
