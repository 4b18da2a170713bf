import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SessionEvent, SessionLogs } from '../../src/shared/api';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let admin: string;
let operatorId: number;
let adminId: number;
/** finished F (audited by the scoped auditor), finished G (not), live L. */
let ids: { F: number; G: number; L: number };
const base = Date.parse('2025-06-01T09:00:00Z');

beforeAll(async () => {
  gw = await createTestGateway();
  adminId = await gw.addUser('root.admin', 'System Administrator');
  await gw.addUser('ana', 'PAM Auditor');
  const scopedId = await gw.addUser('sami', 'PAM Auditor');
  for (const p of await gw.store.users.permissionsOf('PAM Auditor'))
    await gw.store.users.revoke('PAM Auditor', p);
  operatorId = await gw.addUser('olga', 'Operator');
  admin = await gw.login('root.admin');
  const insert = (s: ReturnType<typeof finishedSession>, hash: string) =>
    gw.store.sessions.insert({ ...s, userId: operatorId, hash, startedAt: Number(s.startedAt) });
  ids = {
    F: await insert(finishedSession('olga', base, { originIp: '10.1.2.3' }), 'hash-f'),
    G: await insert(finishedSession('olga', base + 3_600_000), 'hash-g'),
    L: await insert(liveSession('olga', base + 7_200_000), 'hash-l'),
  };
  await gw.store.auditors.replace(ids.F, [scopedId], adminId, base);
  const event = (sessionId: number, type: 'Started' | 'Terminated', at: number) =>
    gw.store.events.append({ type, at, actorId: operatorId, originIp: '10.1.2.3', sessionId, note: type });
  await event(ids.F, 'Started', base);
  await event(ids.G, 'Started', base + 3_600_000);
  await event(ids.L, 'Started', base + 7_200_000);
  await event(ids.F, 'Terminated', base + 600_000);
  await gw.store.sessionCommands.addMany([
    { sessionId: ids.F, at: base + 5_000, offsetMs: 5_000, command: 'uptime' },
    { sessionId: ids.F, at: base + 125_000, offsetMs: 125_000, command: 'ls -la /etc' },
    { sessionId: ids.G, at: base + 3_601_000, offsetMs: 1_000, command: 'whoami' },
  ]);
});

afterAll(async () => {
  await gw.close();
});

const get = (url: string, token = admin) => gw.request({ method: 'GET', url, token });
const logViewerEvents = async (sessionId: number) =>
  (await gw.store.events.list({ sessionId, type: 'Log viewer' }, 0, 100)).total;

describe('session events', () => {
  test('a finished session: its own events, oldest first', async () => {
    const res = await get(`/api/v1/sessions/${ids.F}/events`);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as SessionEvent[];
    expect(items.map((e) => e.type)).toEqual(['Started', 'Terminated']);
    expect(items[0]).toEqual({
      at: new Date(base).toISOString(),
      type: 'Started',
      actor: { id: operatorId, login: 'olga', name: 'olga name' },
      originIp: '10.1.2.3',
      note: 'Started',
    });
  });

  test('a live session too', async () => {
    const res = await get(`/api/v1/sessions/${ids.L}/events`);
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json().items as SessionEvent[]).map((e) => e.type)).toEqual(['Started']);
  });

  test('an unknown session is a 404', async () => {
    expect((await get('/api/v1/sessions/999999/events')).statusCode).toBe(404);
  });
});

describe('session logs', () => {
  test('a live session is a 409', async () => {
    const res = await get(`/api/v1/sessions/${ids.L}/logs`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('INVALID_STATE');
  });

  test('an unknown session is a 404', async () => {
    expect((await get('/api/v1/sessions/999999/logs')).statusCode).toBe(404);
  });

  test('session, user, events and typed commands; reading them is a "Log viewer" event', async () => {
    const before = await logViewerEvents(ids.F);
    const res = await get(`/api/v1/sessions/${ids.F}/logs`);
    expect(res.statusCode, res.body).toBe(200);
    const logs = res.json() as SessionLogs;
    expect(logs.session.id).toBe(ids.F);
    expect(logs.session.status).toBe('finished');
    expect(logs.session.endReason).toEqual({ kind: 'finished' });
    expect(logs.user).toEqual({ id: operatorId, login: 'olga', name: 'olga name', originIp: '10.1.2.3' });
    expect(logs.riskyCommands).toEqual([]);
    expect(logs.commands).toEqual([
      { at: new Date(base + 5_000).toISOString(), offsetMs: 5_000, minute: 0, command: 'uptime' },
      { at: new Date(base + 125_000).toISOString(), offsetMs: 125_000, minute: 2, command: 'ls -la /etc' },
    ]);
    expect(logs.events.slice(0, 2).map((e) => e.type)).toEqual(['Started', 'Terminated']);
    expect(await logViewerEvents(ids.F)).toBe(before + 1);
    const viewed = (await gw.store.events.list({ sessionId: ids.F, type: 'Log viewer' }, 0, 1)).items[0];
    expect(viewed?.actorId).toBe(adminId);
  });

  test('the "Log viewer" event then shows in the events', async () => {
    const res = await get(`/api/v1/sessions/${ids.F}/events`);
    const items = res.json().items as SessionEvent[];
    expect(items.at(-1)?.type).toBe('Log viewer');
    expect(items.at(-1)?.actor?.login).toBe('root.admin');
  });
});

describe('who may read them', () => {
  test('an auditor with the Logs permission reads any session', async () => {
    const ana = await gw.login('ana');
    // The scoped setup revoked every PAM Auditor permission: grant Logs back for this check.
    await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Logs');
    try {
      expect((await get(`/api/v1/sessions/${ids.G}/logs`, ana)).statusCode).toBe(200);
      expect((await get(`/api/v1/sessions/${ids.G}/events`, ana)).statusCode).toBe(200);
    } finally {
      await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
    }
  });

  test('an Operator is refused', async () => {
    const olga = await gw.login('olga');
    const res = await get(`/api/v1/sessions/${ids.F}/logs`, olga);
    expect(res.statusCode).toBe(403);
    expect((await get(`/api/v1/sessions/${ids.F}/events`, olga)).statusCode).toBe(403);
  });

  test('a refused read of the events leaves a "Log viewer (attempted)" event, as a refused read of the logs does', async () => {
    const olga = await gw.login('olga');
    const attempts = async () =>
      (await gw.store.events.list({ sessionId: ids.F, type: 'Log viewer (attempted)' }, 0, 100)).items;
    const before = (await attempts()).length;
    const events = await get(`/api/v1/sessions/${ids.F}/events`, olga);
    expect(events.statusCode).toBe(403);
    expect(await attempts()).toHaveLength(before + 1);
    expect((await attempts())[0]).toMatchObject({
      actorId: operatorId,
      sessionId: ids.F,
      note: expect.stringContaining(events.json().error.message),
    });
    expect((await get(`/api/v1/sessions/${ids.F}/logs`, olga)).statusCode).toBe(403);
    expect(await attempts()).toHaveLength(before + 2);
  });

  test("a scoped auditor reads the logs of the session they audit, not another's", async () => {
    const sami = await gw.login('sami');
    const before = await logViewerEvents(ids.F);
    expect((await get(`/api/v1/sessions/${ids.F}/logs`, sami)).statusCode).toBe(200);
    expect((await get(`/api/v1/sessions/${ids.F}/events`, sami)).statusCode).toBe(200);
    expect(await logViewerEvents(ids.F)).toBe(before + 1);
    expect((await get(`/api/v1/sessions/${ids.G}/logs`, sami)).statusCode).toBe(404);
    expect((await get(`/api/v1/sessions/${ids.G}/events`, sami)).statusCode).toBe(404);
  });

  test('a scoped auditor who sees every session (another permission) is refused the others', async () => {
    const sami = await gw.login('sami');
    await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Livestream');
    try {
      expect((await get(`/api/v1/sessions/${ids.F}/logs`, sami)).statusCode).toBe(200);
      const logs = await get(`/api/v1/sessions/${ids.G}/logs`, sami);
      expect(logs.statusCode).toBe(403);
      expect(logs.json().error.message).toMatch(/Missing permission PAM.SessionManagement.Logs/);
      expect((await get(`/api/v1/sessions/${ids.G}/events`, sami)).statusCode).toBe(403);
    } finally {
      await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Livestream');
    }
  });
});
