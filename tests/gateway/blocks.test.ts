import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SessionUpdate } from '../../src/shared/live';
import { blockedOperatorMessage } from '../../src/shared/messages';
import { createTestGateway, snapshot, type TestGateway } from '../support/gatewayApp';
import { startTestSession } from '../support/liveSession';

/**
 * Drop, "Hold on!" and the Blocked users report over HTTP, against a real
 * database (SQLite or PostgreSQL) and a LiveHub with test-driven live sessions.
 */
let gw: TestGateway;
let ids: { admin: number; ana: number; bia: number; olga: number };
let tokens: { admin: string; ana: string; bia: string; olga: string };

beforeEach(async () => {
  gw = await createTestGateway();
  ids = {
    admin: await gw.addUser('admin', 'System Administrator'),
    ana: await gw.addUser('ana', 'PAM Auditor'),
    // PAM Administrators lose Livestream here: bia may drop but not watch or block.
    bia: await gw.addUser('bia', 'PAM Administrator'),
    olga: await gw.addUser('olga', 'Operator'),
  };
  await gw.store.users.revoke('PAM Administrator', 'PAM.SessionManagement.Livestream');
  tokens = {
    admin: await gw.login('admin'),
    ana: await gw.login('ana'),
    bia: await gw.login('bia'),
    olga: await gw.login('olga'),
  };
});

afterEach(async () => {
  await gw.close();
});

const interactivity = (id: number, blocked: unknown, token: string | undefined) =>
  gw.request({ method: 'PUT', url: `/api/v1/sessions/${id}/interactivity`, payload: { blocked }, token });

const events = async (type: string) => (await gw.store.events.list({ type: type as never }, 0, 100)).items;

describe('PUT /sessions/:id/interactivity', () => {
  test('blocks and releases the operator input, with records and events', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const updates: SessionUpdate[] = [];
    gw.liveHub.on('update', (u) => updates.push(u));

    const blocked = await interactivity(live.sessionId, true, tokens.ana);
    expect(blocked.statusCode, blocked.body).toBe(200);
    expect(blocked.json()).toMatchObject({ id: live.sessionId, status: 'live', blocked: true });
    expect(live.blockCalls).toEqual([{ blocked: true, by: 'ana' }]);
    expect(live.type('rm -rf /tmp/x\r')).toBe(false);
    expect(updates).toContainEqual({ type: 'session', sessionId: live.sessionId, change: 'updated' });
    const [event] = await events('Interactivity blocked');
    expect(event).toMatchObject({ sessionId: live.sessionId, actor: { login: 'ana' } });

    const active = (
      await gw.request({ method: 'GET', url: '/api/v1/blocks?status=active', token: tokens.ana })
    ).json();
    expect(active.items).toHaveLength(1);
    expect(active.items[0]).toMatchObject({
      sessionId: live.sessionId,
      blockedUser: { id: ids.olga, login: 'olga', name: 'olga name' },
      author: { id: ids.ana, login: 'ana' },
      releasedAt: null,
      releaser: null,
    });
    expect(Date.parse(active.items[0].blockedAt)).toBeGreaterThan(Date.now() - 60_000);

    const again = await interactivity(live.sessionId, true, tokens.admin);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_BLOCKED');
    expect(await gw.store.blocks.list()).toHaveLength(1);

    const released = await interactivity(live.sessionId, false, tokens.admin);
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().blocked).toBe(false);
    expect(live.blocked).toBe(false);
    expect(live.type('ls\r')).toBe(true);
    expect((await events('Interactivity unlocked'))[0]).toMatchObject({
      sessionId: live.sessionId,
      actor: { login: 'admin' },
    });

    const notBlocked = await interactivity(live.sessionId, false, tokens.admin);
    expect(notBlocked.statusCode).toBe(409);
    expect(notBlocked.json().error.code).toBe('NOT_BLOCKED');

    const report = (
      await gw.request({ method: 'GET', url: '/api/v1/blocks?status=released', token: tokens.ana })
    ).json();
    expect(report.items).toHaveLength(1);
    expect(report.items[0]).toMatchObject({ releaser: { login: 'admin' } });
    expect(report.items[0].releasedAt).not.toBeNull();
    expect(
      (await gw.request({ method: 'GET', url: '/api/v1/blocks?status=active', token: tokens.ana })).json(),
    ).toEqual({
      items: [],
    });
  });

  test('a permissionless caller gets 403 and an "(attempted)" event; nothing else changes', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const res = await interactivity(live.sessionId, true, tokens.bia);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Missing permission PAM.SessionManagement.Livestream');
    const [attempt] = await events('Interactivity blocked (attempted)');
    expect(attempt).toMatchObject({ sessionId: live.sessionId, actor: { login: 'bia' } });
    expect(attempt!.note).toContain('Missing permission PAM.SessionManagement.Livestream');
    expect(live.blockCalls).toEqual([]);
    expect(await gw.store.blocks.list()).toEqual([]);

    expect((await interactivity(live.sessionId, false, tokens.bia)).statusCode).toBe(403);
    expect(await events('Interactivity unlocked (attempted)')).toHaveLength(1);

    // Operators are outside the audit area altogether; their attempt is evidence too.
    const operator = await interactivity(live.sessionId, true, tokens.olga);
    expect(operator.statusCode).toBe(403);
    expect((await events('Interactivity blocked (attempted)')).map((e) => e.actor?.login)).toEqual([
      'olga',
      'bia',
    ]);

    // An unknown session is logged without a session; anonymous callers are not logged at all.
    expect((await interactivity(999_999, true, tokens.olga)).statusCode).toBe(403);
    expect((await events('Interactivity blocked (attempted)'))[0]).toMatchObject({ sessionId: null });
    const before = await snapshot(gw);
    expect((await interactivity(live.sessionId, true, undefined)).statusCode).toBe(401);
    expect(await snapshot(gw)).toEqual(before);
  });

  test('bad input is a 400 and changes nothing', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const before = await snapshot(gw);
    for (const payload of [
      {},
      { blocked: 'yes' },
      { blocked: 1 },
      { blocked: true, extra: 1 },
      { blocked: null },
    ]) {
      const res = await gw.request({
        method: 'PUT',
        url: `/api/v1/sessions/${live.sessionId}/interactivity`,
        payload,
        token: tokens.ana,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION');
    }
    for (const url of ['/api/v1/blocks?status=bogus', '/api/v1/blocks?x=1']) {
      expect((await gw.request({ method: 'GET', url, token: tokens.ana })).statusCode).toBe(400);
    }
    for (const id of ['abc', '0', '-1', '1.5', '9'.repeat(30)]) {
      const res = await gw.request({
        method: 'POST',
        url: `/api/v1/blocks/${id}/release`,
        token: tokens.ana,
      });
      expect(res.statusCode, id).toBe(400);
    }
    expect(await snapshot(gw)).toEqual(before);
    expect(live.blockCalls).toEqual([]);
  });
});

describe('Blocked users report', () => {
  test('a block outlives its session and refuses the operator until released from the report', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await interactivity(live.sessionId, true, tokens.ana);
    await live.end('terminated');

    const session = (
      await gw.request({ method: 'GET', url: `/api/v1/sessions/${live.sessionId}`, token: tokens.ana })
    ).json();
    expect(session).toMatchObject({ status: 'finished', blocked: true });
    const active = await gw.store.blocks.activeBlockForUser(ids.olga);
    expect(active).toMatchObject({ author: { login: 'ana', name: 'ana name' }, sessionId: live.sessionId });
    expect(blockedOperatorMessage(active!.author.login, new Date(active!.blockedAt))).toMatch(
      /^Error\. User has been prevented to start sessions by ana on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    // The session is finished: PUT /interactivity no longer applies, the report does.
    expect((await interactivity(live.sessionId, false, tokens.ana)).statusCode).toBe(409);

    const updates: SessionUpdate[] = [];
    gw.liveHub.on('update', (u) => updates.push(u));
    const release = await gw.request({
      method: 'POST',
      url: `/api/v1/blocks/${active!.id}/release`,
      token: tokens.admin,
    });
    expect(release.statusCode, release.body).toBe(200);
    expect(release.json()).toMatchObject({
      id: active!.id,
      releaser: { login: 'admin' },
      author: { login: 'ana' },
    });
    expect(await gw.store.blocks.activeBlockForUser(ids.olga)).toBeNull();
    expect(updates).toEqual([{ type: 'session', sessionId: live.sessionId, change: 'updated' }]);
    expect((await events('Interactivity unlocked'))[0]).toMatchObject({
      sessionId: live.sessionId,
      actor: { login: 'admin' },
    });
    const after = (
      await gw.request({ method: 'GET', url: `/api/v1/sessions/${live.sessionId}`, token: tokens.ana })
    ).json();
    expect(after.blocked).toBe(false);

    const twice = await gw.request({
      method: 'POST',
      url: `/api/v1/blocks/${active!.id}/release`,
      token: tokens.admin,
    });
    expect(twice.statusCode).toBe(409);
    const unknown = await gw.request({
      method: 'POST',
      url: '/api/v1/blocks/4242/release',
      token: tokens.admin,
    });
    expect(unknown.statusCode).toBe(404);
  });

  test('releasing from the report while the session is live gives the input back', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await interactivity(live.sessionId, true, tokens.ana);
    const [block] = await gw.store.blocks.list('active');
    const res = await gw.request({
      method: 'POST',
      url: `/api/v1/blocks/${block!.id}/release`,
      token: tokens.ana,
    });
    expect(res.statusCode).toBe(200);
    expect(live.blocked).toBe(false);
    expect(live.blockCalls).toEqual([
      { blocked: true, by: 'ana' },
      { blocked: false, by: 'ana' },
    ]);
    expect((await interactivity(live.sessionId, false, tokens.ana)).statusCode).toBe(409);
  });

  test('the report needs Livestream; a refused release is an "(attempted)" event of its session', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await interactivity(live.sessionId, true, tokens.ana);
    const [block] = await gw.store.blocks.list('active');
    expect((await gw.request({ method: 'GET', url: '/api/v1/blocks', token: tokens.bia })).statusCode).toBe(
      403,
    );
    expect((await gw.request({ method: 'GET', url: '/api/v1/blocks', token: tokens.olga })).statusCode).toBe(
      403,
    );
    expect((await gw.request({ method: 'GET', url: '/api/v1/blocks' })).statusCode).toBe(401);
    const res = await gw.request({
      method: 'POST',
      url: `/api/v1/blocks/${block!.id}/release`,
      token: tokens.bia,
    });
    expect(res.statusCode).toBe(403);
    expect(await events('Interactivity unlocked (attempted)')).toMatchObject([
      { sessionId: live.sessionId, actor: { login: 'bia' } },
    ]);
    expect((await gw.store.blocks.get(block!.id))?.releasedAt).toBeNull();
    expect(live.blocked).toBe(true);
  });

  test('the report lists newest first and filters by status', async () => {
    const a = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const b = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await interactivity(a.sessionId, true, tokens.ana);
    await interactivity(b.sessionId, true, tokens.ana);
    await interactivity(a.sessionId, false, tokens.ana);
    const all = (await gw.request({ method: 'GET', url: '/api/v1/blocks', token: tokens.ana })).json();
    expect(all.items.map((x: { sessionId: number }) => x.sessionId)).toEqual([b.sessionId, a.sessionId]);
    const active = (
      await gw.request({ method: 'GET', url: '/api/v1/blocks?status=active', token: tokens.ana })
    ).json();
    expect(active.items.map((x: { sessionId: number }) => x.sessionId)).toEqual([b.sessionId]);
    // Two blocks of one operator: the oldest active one is the one named in the refusal.
    expect((await gw.store.blocks.activeBlockForUser(ids.olga))?.sessionId).toBe(b.sessionId);
  });
});

describe('POST /sessions/:id/drop', () => {
  test('ends the session and answers with it finished', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const res = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/drop`,
      token: tokens.bia,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: live.sessionId, status: 'finished' });
    expect(res.json().endedAt).not.toBeNull();
    expect(live.droppedBy).toBe('bia');
    expect(gw.liveHub.get(live.sessionId)).toBeUndefined();
    expect(await events('Drop session')).toMatchObject([
      { sessionId: live.sessionId, actor: { login: 'bia' } },
    ]);

    // Whoever lists it later learns who ended it, not just that it finished.
    const listed = (await gw.request({ method: 'GET', url: '/api/v1/sessions', token: tokens.admin })).json();
    expect(listed.items.find((s: { id: number }) => s.id === live.sessionId).endReason).toEqual({
      kind: 'dropped',
      by: { id: ids.bia, login: 'bia', name: expect.any(String) },
    });

    const again = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/drop`,
      token: tokens.bia,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('INVALID_STATE');
  });

  test('needs the Drop permission', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const res = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/drop`,
      token: tokens.ana,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toBe('Missing permission PAM.SessionManagement.Drop');
    expect(live.droppedBy).toBeNull();
  });
});

describe('live rows the gateway is not connected to, and finished sessions', () => {
  test('a stale live row is a 409 with a clear message and nothing changes', async () => {
    const id = await gw.store.sessions.insert({
      hash: 'stale-1',
      userId: ids.olga,
      originIp: '10.0.0.1',
      credential: 'root',
      device: 'web-001',
      protocol: 'ssh',
      proxy: 'SSH Proxy',
      status: 'live',
      startedAt: Date.now() - 60_000,
    });
    const before = await snapshot(gw);
    const drop = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${id}/drop`,
      token: tokens.admin,
    });
    expect(drop.statusCode).toBe(409);
    expect(drop.json().error).toEqual({
      code: 'NOT_CONNECTED',
      message: expect.stringMatching(/marked live but is not connected to this gateway.*cannot be dropped/),
    });
    const block = await interactivity(id, true, tokens.admin);
    expect(block.statusCode).toBe(409);
    expect(block.json().error.code).toBe('NOT_CONNECTED');
    expect(await snapshot(gw)).toEqual(before);
  });

  test('finished sessions cannot be dropped, blocked or watched', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await live.end('terminated');
    const calls = [
      { method: 'POST' as const, url: `/api/v1/sessions/${live.sessionId}/drop` },
      { method: 'POST' as const, url: `/api/v1/sessions/${live.sessionId}/live-ticket` },
      {
        method: 'PUT' as const,
        url: `/api/v1/sessions/${live.sessionId}/interactivity`,
        payload: { blocked: true },
      },
    ];
    for (const call of calls) {
      const res = await gw.request({ ...call, token: tokens.admin });
      expect(res.statusCode, call.url).toBe(409);
      expect(res.json().error).toEqual({
        code: 'INVALID_STATE',
        message: 'Only possible while the session is live',
      });
    }
  });
});

describe('POST /sessions/:id/live-ticket', () => {
  test('issues a 30 s ticket to Livestream holders only', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const res = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/live-ticket`,
      token: tokens.ana,
    });
    expect(res.statusCode).toBe(200);
    const { ticket, expiresAt } = res.json();
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(25_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
    const refused = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/live-ticket`,
      token: tokens.bia,
    });
    expect(refused.statusCode).toBe(403);
  });
});

describe('session-row changes reach the LiveHub', () => {
  test('prevent purge and auditors notify "updated"', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const updates: SessionUpdate[] = [];
    gw.liveHub.on('update', (u) => updates.push(u));
    const url = `/api/v1/sessions/${live.sessionId}`;
    const justification = { justification: 'Kept for the audit of Q3' };
    expect(
      (
        await gw.request({
          method: 'PUT',
          url: `${url}/prevent-purge`,
          payload: justification,
          token: tokens.admin,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await gw.request({
          method: 'DELETE',
          url: `${url}/prevent-purge`,
          payload: justification,
          token: tokens.admin,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await gw.request({
          method: 'PUT',
          url: `${url}/auditors`,
          payload: { userIds: [ids.ana] },
          token: tokens.admin,
        })
      ).statusCode,
    ).toBe(200);
    expect(updates).toEqual(Array(3).fill({ type: 'session', sessionId: live.sessionId, change: 'updated' }));
  });
});
