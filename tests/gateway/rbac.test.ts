import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EventType } from '../../src/shared/events';
import type { Permission, Role } from '../../src/shared/permissions';
import type { SessionAction } from '../../src/shared/policy';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { TestLiveSession } from '../support/liveSession';

/**
 * The access rules as a table: every kind of caller against every route. Each profile gets its own
 * database, because role permissions are gateway-wide.
 */
interface Profile {
  name: string;
  role: Role | null;
  revoke?: Permission[];
  /** Listed as auditor of finished A, live L and prevent-purged P (not of B). */
  auditsA?: boolean;
}

const ALL: Permission[] = [
  'PAM.SessionManagement.Livestream',
  'PAM.SessionManagement.Recording',
  'PAM.SessionManagement.Drop',
  'PAM.SessionManagement.PreventPurge',
  'PAM.SessionManagement.Auditors',
  'PAM.SessionManagement.Logs',
];

const PROFILES: Profile[] = [
  { name: 'anonymous', role: null },
  { name: 'sysadmin', role: 'System Administrator' },
  { name: 'pamadmin', role: 'PAM Administrator' },
  { name: 'auditor', role: 'PAM Auditor' },
  { name: 'auditorNoLogs', role: 'PAM Auditor', revoke: ['PAM.SessionManagement.Logs'] },
  { name: 'scoped', role: 'PAM Auditor', revoke: ALL, auditsA: true },
  { name: 'operator', role: 'Operator' },
  { name: 'operatorListed', role: 'Operator', auditsA: true },
];

interface World {
  gw: TestGateway;
  token: string | undefined;
  /**
   * finished A (audited by the scoped profile), finished B (not), live L (audited), finished P
   * (prevent-purge set), live D (not audited; dropped by the drop case). L and D are connected
   * to the LiveHub.
   */
  ids: { A: number; B: number; L: number; P: number; D: number };
  pickable: number;
  /** An active interactivity block (on B). */
  blockId: number;
}

interface Case {
  name: string;
  run(w: World): Promise<{ statusCode: number; body: string }>;
  /** Expected status per profile name. */
  expect: Record<string, number>;
  /** The "(attempted)" event a 403 must log. */
  attempted?: EventType;
}

const anon401 = { anonymous: 401 };
const operators403 = { operator: 403, operatorListed: 403 };
const everyoneAudit = (status: number) => ({
  sysadmin: status,
  pamadmin: status,
  auditor: status,
  auditorNoLogs: status,
});

const CASES: Case[] = [
  {
    name: 'GET /me',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/me', token: w.token }),
    expect: { ...anon401, ...everyoneAudit(200), scoped: 200, operator: 200, operatorListed: 200 },
  },
  {
    name: 'GET /sessions',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/sessions', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
  },
  {
    name: 'GET /sessions/export.csv',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/sessions/export.csv', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
  },
  {
    name: 'GET /sessions/:A (audited by scoped)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
  },
  {
    name: 'GET /sessions/:B (not audited by scoped)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.B}`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 404 },
  },
  {
    name: 'GET /sessions/:unknown',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/sessions/999999', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(404), scoped: 404 },
  },
  {
    name: 'GET /sessions/:A/events',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/events`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 200 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:L/events (live)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/events`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 200 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:B/events (not audited by scoped)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.B}/events`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 404 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:A/logs',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/logs`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 200 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:L/logs (live)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/logs`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(409), auditorNoLogs: 403, scoped: 409 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:B/logs (not audited by scoped)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.B}/logs`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 404 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:A/logs/text',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/logs/text`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 200 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:L/logs/text (live)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/logs/text`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(409), auditorNoLogs: 403, scoped: 409 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:B/logs/text (not audited by scoped)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.B}/logs/text`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 404 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:A/logs/search',
    run: (w) =>
      w.gw.request({
        method: 'GET',
        url: `/api/v1/sessions/${w.ids.A}/logs/search?q=session`,
        token: w.token,
      }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 200 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:L/logs/search (live)',
    run: (w) =>
      w.gw.request({
        method: 'GET',
        url: `/api/v1/sessions/${w.ids.L}/logs/search?q=session`,
        token: w.token,
      }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(409), auditorNoLogs: 403, scoped: 409 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'GET /sessions/:B/logs/search (not audited by scoped)',
    run: (w) =>
      w.gw.request({
        method: 'GET',
        url: `/api/v1/sessions/${w.ids.B}/logs/search?q=session`,
        token: w.token,
      }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), auditorNoLogs: 403, scoped: 404 },
    attempted: 'Log viewer (attempted)',
  },
  {
    name: 'PUT /sessions/:A/prevent-purge',
    run: (w) =>
      w.gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${w.ids.A}/prevent-purge`,
        payload: { justification: 'Legal hold for case 42' },
        token: w.token,
      }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'PUT /sessions/:B/prevent-purge',
    run: (w) =>
      w.gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${w.ids.B}/prevent-purge`,
        payload: { justification: 'Legal hold for case 42' },
        token: w.token,
      }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 404,
    },
  },
  {
    name: 'DELETE /sessions/:P/prevent-purge',
    run: (w) =>
      w.gw.request({
        method: 'DELETE',
        url: `/api/v1/sessions/${w.ids.P}/prevent-purge`,
        payload: { justification: 'Legal hold lifted today' },
        token: w.token,
      }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'GET /sessions/:A/auditors',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/auditors`, token: w.token }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'PUT /sessions/:B/auditors',
    run: (w) =>
      w.gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${w.ids.B}/auditors`,
        payload: { userIds: [w.pickable] },
        token: w.token,
      }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 404,
    },
  },
  {
    name: 'GET /users',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/users', token: w.token }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'GET /audit/events',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/audit/events', token: w.token }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 200,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'GET /audit/verify',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/audit/verify', token: w.token }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 200,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'POST /audit/proof',
    run: (w) =>
      w.gw.request({
        method: 'POST',
        url: '/api/v1/audit/proof',
        payload: { sessionIds: [w.ids.A] },
        token: w.token,
      }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 200,
      auditorNoLogs: 403,
      scoped: 403,
    },
  },
  {
    name: 'GET /gateway/signing-key',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/gateway/signing-key', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
  },
  {
    name: 'GET /sessions/:A/recording/manifest',
    run: (w) =>
      w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/recording/manifest`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
  },
  {
    name: 'GET /sessions/:L/recording/manifest (live)',
    run: (w) =>
      w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/recording/manifest`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(409), scoped: 409 },
  },
  {
    name: 'GET /sessions/:B/recording/manifest (not audited by scoped)',
    run: (w) =>
      w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.B}/recording/manifest`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(404), scoped: 404 },
  },
  {
    name: 'GET /sessions/:A/recording',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}/recording`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 200 },
    attempted: 'Video Download (attempted)',
  },
  {
    name: 'GET /sessions/:L/recording (live)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/recording`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(409), scoped: 409 },
    attempted: 'Video Download (attempted)',
  },
  {
    name: 'POST /sessions/:A/plays',
    run: (w) =>
      w.gw.request({ method: 'POST', url: `/api/v1/sessions/${w.ids.A}/plays`, payload: {}, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(204), scoped: 204 },
  },
  {
    name: 'POST /sessions/:B/plays (not audited by scoped)',
    run: (w) =>
      w.gw.request({ method: 'POST', url: `/api/v1/sessions/${w.ids.B}/plays`, payload: {}, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(204), scoped: 404 },
  },
  {
    name: 'GET /openapi.json (public)',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/openapi.json', token: w.token }),
    expect: {
      ...anon401,
      anonymous: 200,
      ...everyoneAudit(200),
      scoped: 200,
      operator: 200,
      operatorListed: 200,
    },
  },
  {
    name: 'POST /auth/logout (fresh token)',
    run: async (w) => {
      const token = w.token === undefined ? undefined : await w.gw.login('subject');
      return w.gw.request({ method: 'POST', url: '/api/v1/auth/logout', token });
    },
    expect: { ...anon401, ...everyoneAudit(204), scoped: 204, operator: 204, operatorListed: 204 },
  },
  {
    name: 'POST /sessions/:L/live-ticket',
    run: (w) =>
      w.gw.request({ method: 'POST', url: `/api/v1/sessions/${w.ids.L}/live-ticket`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 403 },
  },
  {
    // Only a WebSocket upgrade with a ticket gets further (tests/gateway/liveSocket.test.ts).
    name: 'GET /sessions/:L/live (plain HTTP)',
    run: (w) => w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}/live`, token: w.token }),
    expect: { anonymous: 400, ...everyoneAudit(400), scoped: 400, operator: 400, operatorListed: 400 },
  },
  {
    name: 'GET /sessions/updates (plain HTTP)',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/sessions/updates', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(400), scoped: 400 },
  },
  {
    name: 'PUT /sessions/:L/interactivity (block)',
    run: (w) =>
      w.gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${w.ids.L}/interactivity`,
        payload: { blocked: true },
        token: w.token,
      }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 403 },
    attempted: 'Interactivity blocked (attempted)',
  },
  {
    name: 'PUT /sessions/:L/interactivity (release)',
    run: (w) =>
      w.gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${w.ids.L}/interactivity`,
        payload: { blocked: false },
        token: w.token,
      }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 403 },
    attempted: 'Interactivity unlocked (attempted)',
  },
  {
    name: 'GET /blocks',
    run: (w) => w.gw.request({ method: 'GET', url: '/api/v1/blocks?status=active', token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 403 },
  },
  {
    name: 'POST /blocks/:id/release',
    run: (w) => w.gw.request({ method: 'POST', url: `/api/v1/blocks/${w.blockId}/release`, token: w.token }),
    expect: { ...anon401, ...operators403, ...everyoneAudit(200), scoped: 403 },
    attempted: 'Interactivity unlocked (attempted)',
  },
  {
    name: 'POST /sessions/:D/drop',
    run: (w) => w.gw.request({ method: 'POST', url: `/api/v1/sessions/${w.ids.D}/drop`, token: w.token }),
    expect: {
      ...anon401,
      ...operators403,
      sysadmin: 200,
      pamadmin: 200,
      auditor: 403,
      auditorNoLogs: 403,
      scoped: 404,
    },
  },
];

/**
 * allowedActions per profile for finished A and live L (what the UI may offer). Only the profiles
 * that reach the audit area are listed; the others are held to 401/403 by the matrix above.
 */
const ACTIONS: Record<string, { A: SessionAction[]; L: SessionAction[] }> = {
  sysadmin: {
    A: ['logs', 'video', 'preventPurge', 'configureAuditors'],
    L: ['liveStream', 'interactivity', 'drop', 'preventPurge', 'configureAuditors'],
  },
  pamadmin: {
    A: ['logs', 'video', 'preventPurge', 'configureAuditors'],
    L: ['liveStream', 'interactivity', 'drop', 'preventPurge', 'configureAuditors'],
  },
  auditor: { A: ['logs', 'video'], L: ['liveStream', 'interactivity'] },
  auditorNoLogs: { A: ['video'], L: ['liveStream', 'interactivity'] },
  scoped: { A: ['logs', 'video'], L: [] },
};

async function world(profile: Profile): Promise<World> {
  const gw = await createTestGateway();
  for (const permission of profile.revoke ?? []) await gw.store.users.revoke(profile.role!, permission);
  const subjectId = profile.role === null ? null : await gw.addUser('subject', profile.role);
  const owner = await gw.addUser('operator1', 'Operator');
  const admin = await gw.addUser('boss', 'System Administrator');
  const pickable = await gw.addUser('pickable', 'PAM Auditor');
  const insert = (s: ReturnType<typeof finishedSession>) =>
    gw.store.sessions.insert({
      ...s,
      userId: owner,
      hash: `h${Math.random().toString(16).slice(2)}`,
      startedAt: Number(s.startedAt),
    });
  const ids = {
    A: await insert(finishedSession('operator1', Date.parse('2025-03-01T10:00:00Z'))),
    B: await insert(finishedSession('operator1', Date.parse('2025-03-02T10:00:00Z'))),
    L: await insert(liveSession('operator1', Date.parse('2025-03-03T10:00:00Z'))),
    P: await insert(finishedSession('operator1', Date.parse('2025-03-04T10:00:00Z'))),
    D: await insert(liveSession('operator1', Date.parse('2025-03-05T10:00:00Z'))),
  };
  // A's recording is on disk (B's is not: its manifest and file are 404 for everyone).
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
  const recording = (await gw.store.sessions.get(ids.A, owner))!.recording!;
  writeFileSync(join(gw.dir, recording.path!), Buffer.alloc(12_345));
  for (const id of [ids.L, ids.D]) gw.liveHub.add(new TestLiveSession(id, owner, new Date(), gw.store));
  const blockId = (await gw.store.blocks.create({
    sessionId: ids.B,
    blockedUserId: owner,
    authorId: admin,
    at: Date.now(),
  }))!.id;
  await gw.store.sessions.setPreventPurge(ids.P, 'Kept for the annual audit', admin, Date.now());
  if (profile.auditsA === true && subjectId !== null) {
    await gw.store.auditors.replace(ids.A, [subjectId], admin, Date.now());
    await gw.store.auditors.replace(ids.L, [subjectId], admin, Date.now());
    await gw.store.auditors.replace(ids.P, [subjectId], admin, Date.now());
  }
  const token = profile.role === null ? undefined : await gw.login('subject');
  return { gw, token, ids, pickable, blockId };
}

describe.each(PROFILES)('RBAC matrix: $name', (profile) => {
  let w: World;
  beforeAll(async () => {
    w = await world(profile);
  });
  afterAll(async () => {
    await w.gw.close();
  });

  test.each(CASES)('$name', async (c) => {
    const expected = c.expect[profile.name];
    expect(expected, `matrix entry for ${profile.name}`).toBeDefined();
    const attempts = async () =>
      c.attempted === undefined ? 0 : (await w.gw.store.events.list({ type: c.attempted }, 0, 1)).total;
    const attemptsBefore = await attempts();
    const res = await c.run(w);
    expect(res.statusCode, res.body).toBe(expected);
    const logsAttempt = c.attempted !== undefined && expected === 403;
    expect((await attempts()) - attemptsBefore, `"${c.attempted}" events`).toBe(logsAttempt ? 1 : 0);
    if (expected! >= 400) {
      expect(JSON.parse(res.body)).toEqual({
        error: { code: expect.any(String), message: expect.any(String) },
      });
    }
    if (expected === 403 && profile.role !== null) expect(res.body).toMatch(/Missing permission|audit area/);
  });

  const actions = ACTIONS[profile.name];
  if (actions !== undefined) {
    test('allowedActions follow the shared policy', async () => {
      const a = await w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.A}`, token: w.token });
      expect(a.json().allowedActions).toEqual(actions.A);
      const l = await w.gw.request({ method: 'GET', url: `/api/v1/sessions/${w.ids.L}`, token: w.token });
      expect(l.statusCode).toBe(200);
      expect(l.json().allowedActions).toEqual(actions.L);
      const list = await w.gw.request({ method: 'GET', url: '/api/v1/sessions', token: w.token });
      const rowA = (list.json().items as { id: number; allowedActions: string[] }[]).find(
        (s) => s.id === w.ids.A,
      );
      expect(rowA?.allowedActions).toEqual(actions.A);
    });

    test('list visibility: all sessions, or only the audited ones', async () => {
      const res = await w.gw.request({ method: 'GET', url: '/api/v1/sessions', token: w.token });
      const ids = (res.json().items as { id: number }[]).map((s) => s.id).sort((x, y) => x - y);
      const expected =
        profile.name === 'scoped'
          ? [w.ids.A, w.ids.L, w.ids.P]
          : [w.ids.A, w.ids.B, w.ids.L, w.ids.P, w.ids.D];
      expect(ids).toEqual(expected.sort((x, y) => x - y));
      expect(res.json().total).toBe(expected.length);
      const csv = await w.gw.request({ method: 'GET', url: '/api/v1/sessions/export.csv', token: w.token });
      expect(csv.body.trim().split('\r\n')).toHaveLength(expected.length + 1);
    });
  }
});

test('every profile that reaches the audit area has its allowedActions row', () => {
  const auditArea = PROFILES.filter((p) => p.role !== null && p.role !== 'Operator').map((p) => p.name);
  expect(Object.keys(ACTIONS).sort()).toEqual(auditArea.sort());
});

describe('state rules (409) come from the same policy', () => {
  test('clearing prevent-purge that is not set, or setting it twice, is a 409', async () => {
    const w = await world({ name: 'pamadmin', role: 'PAM Administrator' });
    try {
      const clear = await w.gw.request({
        method: 'DELETE',
        url: `/api/v1/sessions/${w.ids.A}/prevent-purge`,
        payload: { justification: 'Nothing to clear here' },
        token: w.token,
      });
      expect(clear.statusCode).toBe(409);
      expect(clear.json().error.code).toBe('CONFLICT');
      const set = () =>
        w.gw.request({
          method: 'PUT',
          url: `/api/v1/sessions/${w.ids.P}/prevent-purge`,
          payload: { justification: 'Legal hold for case 42' },
          token: w.token,
        });
      expect((await set()).statusCode).toBe(409);
    } finally {
      await w.gw.close();
    }
  });
});

/**
 * Routes added later are held to the same floor without editing this file: every
 * route documented as bearer-protected answers 401 to anonymous callers and 403 to Operators.
 * Routes without bearer auth must be listed here on purpose.
 */
describe('every documented route: anonymous 401, Operator 403', () => {
  const PUBLIC = new Set(['POST /api/v1/auth/login']);
  /** WebSocket authenticated by a single-use Live Stream ticket instead of a bearer token. */
  const TICKET = new Set(['GET /api/v1/sessions/{id}/live']);
  /** Any logged-in user, Operators included. */
  const IDENTITY = new Set(['POST /api/v1/auth/logout', 'GET /api/v1/me']);

  interface JsonSchema {
    type?: string;
    properties?: Record<string, JsonSchema>;
    required?: string[];
    anyOf?: JsonSchema[];
    minimum?: number;
  }
  /** A body that passes the route's schema, so the answer shows authorization, not validation. */
  const sample = (schema: JsonSchema | undefined): unknown => {
    if (schema === undefined) return undefined;
    if (schema.anyOf !== undefined) return sample(schema.anyOf[0]);
    switch (schema.type) {
      case 'object':
        return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k])]));
      case 'string':
        return 'A justification that is long enough';
      case 'integer':
      case 'number':
        return Math.max(1, schema.minimum ?? 1);
      case 'boolean':
        return true;
      case 'array':
        return [];
      default:
        return null;
    }
  };

  test('holds for all routes in the OpenAPI document', async () => {
    const w = await world({ name: 'operator', role: 'Operator' });
    try {
      const doc = (await w.gw.request({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
        paths: Record<
          string,
          Record<
            string,
            {
              security?: unknown[];
              requestBody?: { content: Record<string, { schema: JsonSchema }> };
              parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
            }
          >
        >;
      };
      const failures: string[] = [];
      let checked = 0;
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const key = `${method.toUpperCase()} ${path}`;
          if (PUBLIC.has(key) || TICKET.has(key)) continue;
          if (operation.security === undefined) {
            failures.push(
              `${key}: no bearer security documented (add it, or list the route here on purpose)`,
            );
            continue;
          }
          // Required query parameters get a valid value too (e.g. a search's `q`).
          const query = (operation.parameters ?? [])
            .filter((p) => p.in === 'query' && p.required === true)
            .map((p) => `${p.name}=${encodeURIComponent(String(sample(p.schema)))}`)
            .join('&');
          const url = path.replace('{id}', String(w.ids.A)) + (query === '' ? '' : `?${query}`);
          const payload = sample(operation.requestBody?.content['application/json']?.schema);
          const send = (token?: string) =>
            w.gw.request({
              method: method.toUpperCase() as 'GET',
              url,
              token,
              ...(payload === undefined ? {} : { payload: payload as object }),
            });
          const anonymous = await send();
          if (anonymous.statusCode !== 401) failures.push(`${key}: anonymous got ${anonymous.statusCode}`);
          if (!IDENTITY.has(key)) {
            const operator = await send(w.token);
            if (operator.statusCode !== 403)
              failures.push(`${key}: Operator got ${operator.statusCode} ${operator.body.slice(0, 120)}`);
          }
          checked++;
        }
      }
      expect(failures).toEqual([]);
      // Some routes have several CASES; the public openapi.json and the ticket socket are not checked here.
      const matrixRoutes = new Set(
        CASES.map((c) =>
          c.name
            .split(' ')
            .slice(0, 2)
            .join(' ')
            .replace(/:[A-Za-z]+/g, '{id}'),
        ),
      );
      expect(checked).toBeGreaterThanOrEqual(matrixRoutes.size - 2);
    } finally {
      await w.gw.close();
    }
  });
});
