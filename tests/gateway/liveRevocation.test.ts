import { afterEach, describe, expect, test } from 'vitest';
import { LIVE_CLOSE } from '../../src/shared/live';
import { runGatewayCli } from '../support/gateway';
import { createListeningGateway, type ListeningGateway } from '../support/liveGateway';
import { startTestSession } from '../support/liveSession';
import type { TestSocket } from '../support/wsClient';

/**
 * Live streams follow the viewer's access as it is now, not as it was when the stream opened: a
 * logout or a permission revoked (by the CLI, another process) closes the open stream.
 */
let gw: ListeningGateway;
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await gw.close();
});

async function setup() {
  gw = await createListeningGateway();
  const ids = { ana: await gw.addUser('ana', 'PAM Auditor'), olga: await gw.addUser('olga', 'Operator') };
  const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
  const token = await gw.login('ana');
  const viewer = await gw.watch(live.sessionId, token);
  sockets.push(viewer);
  expect(await viewer.nextJson()).toMatchObject({ type: 'snapshot' });
  return { ids, live, token, viewer };
}

describe('an open Live Stream', () => {
  test("ends, with the update feed, when the viewer's token is revoked by a logout", async () => {
    const { token, viewer } = await setup();
    const updates = gw.socket('/api/v1/sessions/updates', { authorization: `Bearer ${token}` });
    sockets.push(updates);
    await updates.opened;
    const logout = await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token });
    expect(logout.statusCode).toBe(204);
    const ended = { code: LIVE_CLOSE.badTicket, reason: 'The login ended: log in again' };
    expect(await viewer.closed).toEqual(ended);
    // The list's update feed closes too, without waiting for a session to change.
    expect(await updates.closed).toEqual(ended);
  });

  test('ends when the viewer loses the Livestream permission through the CLI', async () => {
    const { live, viewer } = await setup();
    const revoked = await runGatewayCli([
      'role',
      'revoke',
      'PAM Auditor',
      'PAM.SessionManagement.Livestream',
      '--data',
      gw.dir,
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await viewer.closed).toEqual({
      code: LIVE_CLOSE.forbidden,
      reason: 'Missing permission PAM.SessionManagement.Livestream',
    });
    // The session itself goes on: only the viewer lost its right.
    expect(gw.liveHub.get(live.sessionId)).toBe(live);
  });
});

describe('"Hold on!"', () => {
  test('a block holds every live session of the operator, and its release frees them all', async () => {
    gw = await createListeningGateway();
    const olga = await gw.addUser('olga', 'Operator');
    const bob = await gw.addUser('bob', 'Operator');
    await gw.addUser('ana', 'PAM Auditor');
    const token = await gw.login('ana');
    const first = await startTestSession(gw.store, gw.liveHub, olga);
    const second = await startTestSession(gw.store, gw.liveHub, olga);
    const others = await startTestSession(gw.store, gw.liveHub, bob);

    const blocked = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${first.sessionId}/interactivity`,
      payload: { blocked: true },
      token,
    });
    expect(blocked.statusCode, blocked.body).toBe(200);
    expect(second.blocked).toBe(true);
    expect(second.type('rm -rf /\r')).toBe(false);
    expect(others.blocked).toBe(false);
    const row = await gw.request({ method: 'GET', url: `/api/v1/sessions/${second.sessionId}`, token });
    expect(row.json().blocked).toBe(true);

    // Released from the other session's viewer: the operator's block is released.
    const released = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${second.sessionId}/interactivity`,
      payload: { blocked: false },
      token,
    });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().blocked).toBe(false);
    expect(first.blocked).toBe(false);
    expect(second.blocked).toBe(false);
    expect(await gw.store.blocks.activeBlockForUser(olga)).toBeNull();
    expect((await gw.store.sessions.get(first.sessionId, olga))!.blocked).toBe(false);
  });
});
