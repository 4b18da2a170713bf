import { afterEach, describe, expect, test } from 'vitest';
import { LIVE_CLOSE } from '../../src/shared/live';
import { createListeningGateway, type ListeningGateway } from '../support/liveGateway';
import { startTestSession, type TestLiveSession } from '../support/liveSession';
import { waitFor } from '../support/wait';
import type { TestSocket } from '../support/wsClient';

/**
 * The Live Stream and session-updates WebSockets over a real HTTPS listener, with live sessions
 * driven by the test (the SSH proxy's own end-to-end test covers a real session).
 */
let gw: ListeningGateway;
const sockets: TestSocket[] = [];
let now = 0;

async function setup(options: Parameters<typeof createListeningGateway>[0] = {}) {
  gw = await createListeningGateway(options);
  const ids = {
    ana: await gw.addUser('ana', 'PAM Auditor'),
    bia: await gw.addUser('bia', 'PAM Administrator'),
    scoped: await gw.addUser('scoped', 'PAM Auditor'),
    olga: await gw.addUser('olga', 'Operator'),
  };
  const tokens = { ana: await gw.login('ana'), bia: await gw.login('bia'), olga: await gw.login('olga') };
  return { ids, tokens };
}

function track(socket: TestSocket): TestSocket {
  sockets.push(socket);
  return socket;
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await gw.close();
});

/**
 * Resolves once the gateway streams the session to a viewer (it has asked for the screen). The socket
 * opens before that: the ticket, the login and the permission are checked on the open socket.
 */
const viewerAttached = (live: TestLiveSession) =>
  waitFor(() => gw.services.viewers.count(live.sessionId) > 0, `a viewer of session ${live.sessionId}`);

const liveStreamEvents = async () => (await gw.store.events.list({ type: 'Live Stream' }, 0, 100)).items;

describe('Live Stream socket', () => {
  test('a late joiner gets the current screen first, then output, state changes and the end', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    live.output('$ echo before\r\nbefore\r\n$ ');
    live.resize(100, 30);

    const viewer = track(await gw.watch(live.sessionId, tokens.ana));
    const snapshot = await viewer.nextJson();
    expect(snapshot).toEqual({
      type: 'snapshot',
      cols: 100,
      rows: 30,
      screen: '$ echo before\r\nbefore\r\n$ ',
      blocked: false,
      startedAt: live.startedAt.toISOString(),
    });
    expect(await liveStreamEvents()).toMatchObject([{ sessionId: live.sessionId, actor: { login: 'ana' } }]);

    live.output('uname\r\n');
    live.output(Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff])); // colour + a byte that is not UTF-8
    expect((await viewer.next()).kind === 'binary').toBe(true);
    const raw = await viewer.next();
    expect(raw).toEqual({ kind: 'binary', data: Buffer.from([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xff]) });

    live.resize(120, 40);
    expect(await viewer.nextJson()).toEqual({ type: 'resize', cols: 120, rows: 40 });

    const block = await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${live.sessionId}/interactivity`,
      payload: { blocked: true },
      token: tokens.ana,
    });
    expect(block.statusCode).toBe(200);
    expect(await viewer.nextJson()).toMatchObject({ type: 'interactivity', blocked: true, by: 'ana' });

    const drop = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/drop`,
      token: tokens.bia,
    });
    expect(drop.statusCode).toBe(200);
    expect(await viewer.nextJson()).toMatchObject({ type: 'ended', reason: 'dropped', message: null });
    expect(await viewer.closed).toEqual({ code: 1000, reason: 'Session ended' });
  });

  test('several viewers watch one session at once, each start is an event', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const first = track(await gw.watch(live.sessionId, tokens.ana));
    expect((await first.nextJson()).type).toBe('snapshot');
    live.output('one ');
    const second = track(await gw.watch(live.sessionId, tokens.bia));
    expect(await second.nextJson()).toMatchObject({ type: 'snapshot', screen: 'one ' });
    live.output('two');
    expect(await first.readUntil('one two')).toBe('one two');
    expect(await second.readUntil('two')).toBe('two');
    expect((await liveStreamEvents()).map((e) => e.actor?.login)).toEqual(['bia', 'ana']);

    // One viewer leaving does not disturb the other.
    first.close();
    await first.closed;
    live.output(' three');
    expect(await second.readUntil('three')).toBe(' three');
    await live.end('terminated');
    expect(await second.nextJson()).toMatchObject({ type: 'ended', reason: 'terminated' });
  });

  test('a snapshot that answers late still comes first; output from meanwhile follows it', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    live.output('A');
    live.snapshotDelayMs = 150;
    const viewer = track(await gw.watch(live.sessionId, tokens.ana));
    await viewerAttached(live);
    live.output('B');
    live.resize(90, 20);
    expect(await viewer.nextJson()).toMatchObject({ type: 'snapshot', screen: 'A', cols: 80 });
    expect(await viewer.next()).toEqual({ kind: 'binary', data: Buffer.from('B') });
    expect(await viewer.nextJson()).toEqual({ type: 'resize', cols: 90, rows: 20 });
  });

  test('a session that ends before the snapshot could be read still tells the viewer how it ended', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    live.snapshotDelayMs = 100;
    live.snapshotFails = true;
    const viewer = track(await gw.watch(live.sessionId, tokens.ana));
    await viewerAttached(live);
    await live.end('failed', 'Connection to the target lost');
    expect(await viewer.nextJson()).toMatchObject({
      type: 'ended',
      reason: 'failed',
      message: 'Connection to the target lost',
    });
    expect((await viewer.closed).code).toBe(1000);
  });

  test('tickets are single use, expire after 30 s and belong to one session', async () => {
    now = Date.now();
    const { ids, tokens } = await setup({ clock: () => now });
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const other = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const ticketFor = async (id: number) =>
      (
        await gw.request({ method: 'POST', url: `/api/v1/sessions/${id}/live-ticket`, token: tokens.ana })
      ).json().ticket as string;
    const open = (id: number, query: string) => track(gw.socket(`/api/v1/sessions/${id}/live${query}`));
    const expectBadTicket = async (socket: TestSocket) => {
      const closed = await socket.closed;
      expect(closed.code).toBe(LIVE_CLOSE.badTicket);
      expect(closed.reason).toMatch(/ticket/);
    };

    const ticket = await ticketFor(live.sessionId);
    const ok = open(live.sessionId, `?ticket=${ticket}`);
    expect((await ok.nextJson()).type).toBe('snapshot');
    await expectBadTicket(open(live.sessionId, `?ticket=${ticket}`)); // used

    const wrong = await ticketFor(other.sessionId);
    await expectBadTicket(open(live.sessionId, `?ticket=${wrong}`));
    await expectBadTicket(open(other.sessionId, `?ticket=${wrong}`)); // burned by the wrong try

    const late = await ticketFor(live.sessionId);
    now += 30_001;
    await expectBadTicket(open(live.sessionId, `?ticket=${late}`));

    await expectBadTicket(open(live.sessionId, ''));
    await expectBadTicket(open(live.sessionId, '?ticket=not-a-ticket'));
    expect(await liveStreamEvents()).toHaveLength(1);
  });

  test('the decision is taken again when the ticket is redeemed', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const ticket = async (token: string) =>
      (
        await gw.request({ method: 'POST', url: `/api/v1/sessions/${live.sessionId}/live-ticket`, token })
      ).json().ticket as string;
    const url = (t: string) => `/api/v1/sessions/${live.sessionId}/live?ticket=${t}`;

    const revoked = await ticket(tokens.ana);
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Livestream');
    const forbidden = await track(gw.socket(url(revoked))).closed;
    expect(forbidden).toEqual({
      code: LIVE_CLOSE.forbidden,
      reason: 'Missing permission PAM.SessionManagement.Livestream',
    });
    await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Livestream');

    const loggedOut = await ticket(tokens.ana);
    await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token: tokens.ana });
    expect((await track(gw.socket(url(loggedOut))).closed).code).toBe(LIVE_CLOSE.badTicket);

    const ended = await ticket(tokens.bia);
    await live.end('terminated');
    const notLive = await track(gw.socket(url(ended))).closed;
    expect(notLive.code).toBe(LIVE_CLOSE.notLive);
    expect(await liveStreamEvents()).toEqual([]);
  });

  test('viewers are read-only: their messages are ignored, a flood closes the socket', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const viewer = track(await gw.watch(live.sessionId, tokens.ana));
    await viewer.nextJson();
    viewer.ws.send('ls\r');
    live.output('still here');
    expect(await viewer.readUntil('still here')).toBe('still here');
    expect(live.accepted).toEqual([]);
    for (let i = 0; i < 50; i++) viewer.ws.send(`keystroke ${i}`);
    expect((await viewer.closed).code).toBe(1008);
    expect(live.accepted).toEqual([]);
  });

  /** Emits `total` bytes in 64 KiB chunks, one every `everyMs`; returns the longest emit() call. */
  async function emitPaced(live: TestLiveSession, total: number, everyMs: number): Promise<number> {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let longest = 0;
    for (let sent = 0; sent < total; sent += chunk.length) {
      live.screen = ''; // the test session's screen is not what is measured here
      const t = performance.now();
      live.output(chunk);
      longest = Math.max(longest, performance.now() - t);
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return longest;
  }

  test('a slow viewer never slows the session: it is resynced with a fresh snapshot, others get every byte', async () => {
    const { ids, tokens } = await setup({
      viewerLimits: { maxBufferedBytes: 256 * 1024, resumeBelowBytes: 16 * 1024, maxBehindMs: 60_000 },
    });
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const fast = track(await gw.watch(live.sessionId, tokens.ana));
    const slow = track(await gw.watch(live.sessionId, tokens.bia));
    await fast.nextJson();
    await slow.nextJson();
    slow.ws.pause(); // stops reading: the kernel buffers, then the gateway's buffer for it fill up

    const total = 16 * 1024 * 1024;
    const longestEmit = await emitPaced(live, total, 1);
    live.output('THE END');
    // Handing output to viewers never waits for a socket.
    expect(longestEmit).toBeLessThan(50);
    let fastBytes = 0;
    while (fastBytes < total + 7) {
      const m = await fast.next(20_000);
      expect(m.kind).toBe('binary');
      if (m.kind === 'binary') fastBytes += m.data.length;
    }
    expect(fastBytes).toBe(total + 7);

    slow.ws.resume();
    let slowBytes = 0;
    let resync: Record<string, unknown> | null = null;
    while (resync === null) {
      const m = await slow.next(20_000);
      if (m.kind === 'binary') slowBytes += m.data.length;
      else if (m.json.type === 'snapshot') resync = m.json;
    }
    // The screen as it was when the viewer caught up (the test session resets it per chunk).
    expect(resync).toMatchObject({ type: 'snapshot', cols: 80, rows: 24 });
    expect(resync.screen).toMatch(/^a*(THE END)?$/);
    live.output('after resync');
    const rest = await slow.readUntil('after resync');
    expect(slowBytes + Buffer.byteLength(rest)).toBeLessThan(total);
    expect(rest.endsWith('after resync')).toBe(true);
  }, 60_000);

  test('a viewer that stays behind is closed with 1013', async () => {
    const { ids, tokens } = await setup({
      viewerLimits: {
        maxBufferedBytes: 64 * 1024,
        resumeBelowBytes: 1024,
        maxBehindMs: 300,
        drainCheckMs: 20,
      },
    });
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const slow = track(await gw.watch(live.sessionId, tokens.ana));
    await slow.nextJson();
    slow.ws.pause();
    // Keep output flowing for longer than maxBehindMs after the buffers are full.
    await emitPaced(live, 32 * 1024 * 1024, 2);
    slow.ws.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/too slow/);
  }, 60_000);

  test('a plain GET is refused: the endpoint is a WebSocket', async () => {
    const { ids, tokens } = await setup();
    const live = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const res = await gw.request({
      method: 'GET',
      url: `/api/v1/sessions/${live.sessionId}/live`,
      token: tokens.ana,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('WEBSOCKET_REQUIRED');
  });
});

describe('session updates socket', () => {
  test('pushes started, updated and finished for the sessions the caller may see', async () => {
    const { ids, tokens } = await setup();
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });
    const ana = track(gw.socket('/api/v1/sessions/updates', auth(tokens.ana)));
    const scopedToken = await gw.login('scoped');
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Recording');
    await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Livestream');
    // With no permission left, PAM Auditors see only the sessions they audit (★ scoped access).
    const scoped = track(gw.socket('/api/v1/sessions/updates', auth(scopedToken)));
    const bia = track(gw.socket('/api/v1/sessions/updates', auth(tokens.bia)));
    await Promise.all([ana.opened, scoped.opened, bia.opened]);

    const hidden = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const audited = await startTestSession(gw.store, gw.liveHub, ids.olga);
    await gw.store.auditors.replace(audited.sessionId, [ids.scoped], null, Date.now());
    gw.liveHub.notify(audited.sessionId, 'updated');
    await gw.request({
      method: 'PUT',
      url: `/api/v1/sessions/${hidden.sessionId}/interactivity`,
      payload: { blocked: true },
      token: tokens.bia,
    });
    await hidden.end('terminated');

    const expected = [
      { sessionId: hidden.sessionId, change: 'started' },
      { sessionId: audited.sessionId, change: 'started' },
      { sessionId: audited.sessionId, change: 'updated' },
      { sessionId: hidden.sessionId, change: 'updated' },
      // The block holds every live session of olga's, so her other session changes too.
      { sessionId: audited.sessionId, change: 'updated' },
      { sessionId: hidden.sessionId, change: 'finished' },
    ].map((u) => ({ type: 'session', ...u }));
    for (const u of expected) expect(await bia.nextJson()).toEqual(u);
    // ana's role lost every permission after the socket opened: she now sees only what she audits.
    // Who may see an update is decided when it is delivered: by then she may already audit the
    // session whose start it announces, so that start may come too; the hidden session never does.
    const seen: unknown[] = [];
    while (seen.filter((u) => (u as { change: string }).change === 'updated').length < 2)
      seen.push(await scoped.nextJson());
    expect(seen.filter((u) => (u as { change: string }).change !== 'started')).toEqual(
      ['auditors', 'block'].map(() => ({ type: 'session', sessionId: audited.sessionId, change: 'updated' })),
    );
    expect(seen.every((u) => (u as { sessionId: number }).sessionId === audited.sessionId)).toBe(true);
    // A later change both may see comes next: nothing of the hidden session was sent before it.
    await gw.store.auditors.replace(audited.sessionId, [ids.scoped, ids.ana], null, Date.now());
    gw.liveHub.notify(audited.sessionId, 'updated');
    const later = { type: 'session', sessionId: audited.sessionId, change: 'updated' };
    expect(await scoped.nextJson()).toEqual(later);
    expect(await ana.nextJson()).toEqual(later);
  });

  test('needs a bearer token of the audit area; a logout closes it', async () => {
    const { ids, tokens } = await setup();
    expect(await track(gw.socket('/api/v1/sessions/updates')).refused).toBe(401);
    expect(await track(gw.socket('/api/v1/sessions/updates', { authorization: 'Bearer nope' })).refused).toBe(
      401,
    );
    expect(
      await track(gw.socket('/api/v1/sessions/updates', { authorization: `Bearer ${tokens.olga}` })).refused,
    ).toBe(403);
    const plain = await gw.request({ method: 'GET', url: '/api/v1/sessions/updates', token: tokens.ana });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.code).toBe('WEBSOCKET_REQUIRED');

    const ana = track(gw.socket('/api/v1/sessions/updates', { authorization: `Bearer ${tokens.ana}` }));
    await ana.opened;
    await gw.request({ method: 'POST', url: '/api/v1/auth/logout', token: tokens.ana });
    await startTestSession(gw.store, gw.liveHub, ids.olga);
    expect((await ana.closed).code).toBe(LIVE_CLOSE.badTicket);
  });
});

describe('shutdown', () => {
  test('closing the app closes open sockets instead of hanging', async () => {
    const { ids, tokens } = await setup();
    const live: TestLiveSession = await startTestSession(gw.store, gw.liveHub, ids.olga);
    const viewer = track(await gw.watch(live.sessionId, tokens.ana));
    await viewer.nextJson();
    const updates = track(gw.socket('/api/v1/sessions/updates', { authorization: `Bearer ${tokens.ana}` }));
    await updates.opened;
    // A hang here would outlive the test's timeout: close must end the sockets, not wait for them.
    await gw.app.close();
    expect((await viewer.closed).code).toBe(1001);
    expect((await updates.closed).code).toBe(1001);
  });
});
