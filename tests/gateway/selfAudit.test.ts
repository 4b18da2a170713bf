import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { EventType } from '../../src/shared/events';
import { OWN_SESSION_REASON } from '../../src/shared/policy';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { startTestSession } from '../support/liveSession';

/**
 * Nobody audits their own session: an operator who also holds an audit role may not watch, block
 * or release, exempt from purging or pick the auditors of a session they opened. And the Auditors
 * permission alone does not let a user list themselves as an auditor (it would open logs and video).
 */
let gw: TestGateway;
let ids: { sam: number; ana: number; aud: number; olga: number };
let tokens: { sam: string; ana: string; aud: string };

beforeEach(async () => {
  gw = await createTestGateway();
  ids = {
    // A System Administrator holds every permission, and opens sessions as an operator too.
    sam: await gw.addUser('sam', 'System Administrator'),
    ana: await gw.addUser('ana', 'PAM Auditor'),
    aud: await gw.addUser('aud', 'PAM Administrator'),
    olga: await gw.addUser('olga', 'Operator'),
  };
  // aud keeps only the Auditors permission.
  for (const p of await gw.store.users.permissionsOf('PAM Administrator'))
    if (p !== 'PAM.SessionManagement.Auditors') await gw.store.users.revoke('PAM Administrator', p);
  tokens = { sam: await gw.login('sam'), ana: await gw.login('ana'), aud: await gw.login('aud') };
});

afterEach(async () => {
  await gw.close();
});

const attempts = async (type: EventType) => (await gw.store.events.list({ type }, 0, 100)).items;

describe('an auditor on their own session', () => {
  test('is not offered, and refused, the audit actions, each refusal logged', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.sam);
    const url = `/api/v1/sessions/${live.sessionId}`;

    const own = (await gw.request({ method: 'GET', url, token: tokens.sam })).json();
    expect(own.allowedActions).toEqual(['drop']);
    const other = (await gw.request({ method: 'GET', url, token: tokens.ana })).json();
    expect(other.allowedActions).toEqual(['liveStream', 'interactivity']);

    const refusals: [string, Promise<{ statusCode: number; json(): unknown }>, EventType][] = [
      [
        'live ticket',
        gw.request({ method: 'POST', url: `${url}/live-ticket`, token: tokens.sam }),
        'Live Stream (attempted)',
      ],
      [
        'block',
        gw.request({
          method: 'PUT',
          url: `${url}/interactivity`,
          payload: { blocked: true },
          token: tokens.sam,
        }),
        'Interactivity blocked (attempted)',
      ],
      [
        'prevent purge',
        gw.request({
          method: 'PUT',
          url: `${url}/prevent-purge`,
          payload: { justification: 'Keep my own session' },
          token: tokens.sam,
        }),
        'Prevent purge set (attempted)',
      ],
      [
        'auditors',
        gw.request({
          method: 'PUT',
          url: `${url}/auditors`,
          payload: { userIds: [ids.ana] },
          token: tokens.sam,
        }),
        'Auditors changed (attempted)',
      ],
    ];
    for (const [what, pending, type] of refusals) {
      const res = await pending;
      expect(res.statusCode, what).toBe(403);
      expect(res.json(), what).toEqual({ error: { code: 'FORBIDDEN', message: OWN_SESSION_REASON } });
      expect(await attempts(type), what).toMatchObject([
        { actor: { login: 'sam' }, sessionId: live.sessionId, note: `Refused: ${OWN_SESSION_REASON}` },
      ]);
    }
    expect(live.blockCalls).toEqual([]);
    expect(await gw.store.auditors.list(live.sessionId)).toEqual([]);
    expect((await gw.store.sessions.get(live.sessionId, ids.sam))!.preventPurge).toBeNull();
  });

  test('cannot release a block of their own, from the viewer or from the report', async () => {
    const live = await startTestSession(gw.store, gw.liveHub, ids.sam);
    const url = `/api/v1/sessions/${live.sessionId}`;
    const blocked = await gw.request({
      method: 'PUT',
      url: `${url}/interactivity`,
      payload: { blocked: true },
      token: tokens.ana,
    });
    expect(blocked.statusCode).toBe(200);
    const block = (await gw.store.blocks.activeForSession(live.sessionId))!;

    const fromViewer = await gw.request({
      method: 'PUT',
      url: `${url}/interactivity`,
      payload: { blocked: false },
      token: tokens.sam,
    });
    expect(fromViewer.statusCode).toBe(403);
    const fromReport = await gw.request({
      method: 'POST',
      url: `/api/v1/blocks/${block.id}/release`,
      token: tokens.sam,
    });
    expect(fromReport.statusCode).toBe(403);
    expect(fromReport.json().error.message).toBe(OWN_SESSION_REASON);
    expect(await attempts('Interactivity unlocked (attempted)')).toMatchObject([
      { actor: { login: 'sam' }, sessionId: live.sessionId },
      { actor: { login: 'sam' }, sessionId: live.sessionId },
    ]);
    expect((await gw.store.blocks.get(block.id))!.releasedAt).toBeNull();
    expect(live.blocked).toBe(true);
  });

  test('cannot exempt their finished session from purging either', async () => {
    const id = await finishedTestSession(gw.store, ids.sam);
    const res = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${id}/prevent-purge`,
      payload: { justification: 'Keep my own session' },
      token: tokens.sam,
    });
    expect(res.statusCode).toBe(403);
    await gw.addUser('root', 'System Administrator');
    const byOther = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${id}/prevent-purge`,
      payload: { justification: 'Kept for the audit of Q3' },
      token: await gw.login('root'),
    });
    expect(byOther.statusCode, byOther.body).toBe(200);
  });
});

function finishedTestSession(store: TestGateway['store'], userId: number): Promise<number> {
  const startedAt = Date.now() - 60_000;
  return store.sessions.insert({
    hash: `done-${Math.random().toString(16).slice(2)}`,
    userId,
    originIp: '10.0.0.10',
    credential: 'root',
    device: 'web-001',
    protocol: 'ssh',
    proxy: 'SSH Proxy',
    status: 'finished',
    startedAt,
    endedAt: startedAt + 1000,
    durationMs: 1000,
  });
}

describe('listing oneself as an auditor', () => {
  test('the Auditors permission alone may list others, not oneself', async () => {
    const id = await finishedTestSession(gw.store, ids.olga);
    const url = `/api/v1/sessions/${id}/auditors`;
    const self = await gw.request({ method: 'PUT', url, payload: { userIds: [ids.aud] }, token: tokens.aud });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.message).toContain('Logs and Recording');
    expect(await attempts('Auditors changed (attempted)')).toMatchObject([
      { actor: { login: 'aud' }, sessionId: id },
    ]);
    expect(await gw.store.auditors.list(id)).toEqual([]);
    const seen = await gw.request({ method: 'GET', url: `/api/v1/sessions/${id}`, token: tokens.aud });
    expect(seen.json().allowedActions).toEqual(['configureAuditors']);

    const others = await gw.request({
      method: 'PUT',
      url,
      payload: { userIds: [ids.ana] },
      token: tokens.aud,
    });
    expect(others.statusCode, others.body).toBe(200);
  });

  test('a holder of Logs and Recording may list itself (it gains nothing)', async () => {
    const id = await finishedTestSession(gw.store, ids.olga);
    const res = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${id}/auditors`,
      payload: { userIds: [ids.sam] },
      token: tokens.sam,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().auditors).toMatchObject([{ login: 'sam' }]);
  });
});
