import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpcChannel, IpcEventName, IpcEvents, LiveStreamHandle } from '../../src/shared/ipc';
import { LIVE_CLOSE } from '../../src/shared/live';
import {
  DirectorySaveTarget,
  createMainServices,
  type MainServices,
  type SecretStore,
} from '../../src/main/services';
import { GatewayClient } from '../../src/main/services/gateway-client';
import { openGatewaySocket } from '../../src/main/services/gateway-socket';
import { LiveGatewayServer, sendSnapshot } from './helpers/live-gateway';
import { makeIdentity, type TlsIdentity } from './helpers/tls-server';
import { waitFor } from '../support/wait';
import { type Pushed, value } from './helpers/services';

class MemorySecrets implements SecretStore {
  private readonly entries = new Map<string, string>();
  async get(account: string) {
    return this.entries.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.entries.set(account, secret);
  }
  async delete(account: string) {
    return this.entries.delete(account);
  }
}

describe('live streams and session updates over pinned WebSockets (real TLS WebSocket server)', () => {
  let identity: TlsIdentity;
  let other: TlsIdentity;
  let server: LiveGatewayServer;
  let dir: string;
  let services: MainServices;
  let pushed: Pushed[];
  let profileId: string;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);
  const of = <E extends IpcEventName>(event: E): IpcEvents[E][] =>
    pushed.filter((p) => p.event === event).map((p) => p.payload as IpcEvents[E]);
  const outputOf = (streamId: string) =>
    Buffer.concat(
      of('live:output')
        .filter((o) => o.streamId === streamId)
        .map((o) => Buffer.from(o.data, 'base64')),
    );

  async function setUp(options: { autoPong?: boolean; heartbeatMs?: number } = {}) {
    server = await new LiveGatewayServer(identity, { autoPong: options.autoPong }).start();
    // Each test's services push into its own array: a previous test's sockets closing late must
    // not show up here.
    const log: Pushed[] = [];
    pushed = log;
    services = createMainServices({
      userDataDir: dir,
      secrets: new MemorySecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: (event, payload) => log.push({ event, payload } as Pushed),
      appInfo: { version: '0.0.0-test', platform: 'linux', host: 'bridge' },
      timeoutMs: 3_000,
      heartbeatMs: options.heartbeatMs,
    });
    profileId = value(await call('profiles:save', { name: 'Test', url: server.url })).id;
    value(
      await call('profiles:trustCertificate', { profileId: profileId, fingerprint: identity.fingerprint }),
    );
    value(await call('auth:login', { profileId, username: 'ana', password: 'pw', remember: false }));
    await waitFor(() => server.updateSockets.length === 1, 'the session-updates socket');
  }

  beforeAll(async () => {
    [identity, other] = await Promise.all([makeIdentity(), makeIdentity()]);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
  });

  afterEach(async () => {
    services?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('live:open', () => {
    beforeEach(() => setUp());

    it('takes the ticket with the token, connects with the ticket only, and hands the renderer a stream id', async () => {
      const handle = value(await call('live:open', 7)) as LiveStreamHandle;
      expect(Object.keys(handle).sort()).toEqual(['sessionId', 'streamId']);
      expect(handle.sessionId).toBe(7);
      expect(server.ticketRequests).toEqual([{ sessionId: 7, authorization: `Bearer ${server.token}` }]);
      const upgrade = server.upgrades.find((u) => u.path === '/api/v1/sessions/7/live');
      expect(upgrade?.authorization).toBeUndefined();
      expect(upgrade?.query.get('ticket')).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(pushed)).not.toContain(upgrade?.query.get('ticket'));
      expect(JSON.stringify(pushed)).not.toContain(server.token);
      await waitFor(() => of('live:message').length === 1, 'the snapshot');
      expect(of('live:message')[0]).toEqual({
        streamId: handle.streamId,
        message: expect.objectContaining({ type: 'snapshot', cols: 80, rows: 24, blocked: false }),
      });
    });

    it('relays binary output as base64 and JSON frames as messages, in the order sent, then the end', async () => {
      server.onViewer = ({ ws }) => {
        sendSnapshot(ws);
        ws.send(Buffer.from('ls -la\r\n'));
        ws.send(Buffer.from([0xe2, 0x94]));
        ws.send(Buffer.from([0x80, 0x20, 0xff]));
        ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
        ws.send(Buffer.from('total 0\r\n'));
        ws.send(JSON.stringify({ type: 'bogus', x: 1 }));
        ws.send('not json');
        ws.send(
          JSON.stringify({
            type: 'interactivity',
            blocked: true,
            by: 'Ana Auditor',
            at: '2026-01-01T10:01:00.000Z',
          }),
        );
        ws.send(
          JSON.stringify({
            type: 'ended',
            reason: 'dropped',
            at: '2026-01-01T10:02:00.000Z',
            message: 'You have been disconnected',
          }),
        );
        ws.close(1000, 'Session ended');
      };
      const { streamId } = value(await call('live:open', 3));
      await waitFor(() => of('live:closed').length === 1, 'the close');
      const order = pushed
        .filter((p) => p.event === 'live:message' || p.event === 'live:output')
        .map((p) => (p.event === 'live:message' ? p.payload.message.type : 'output'));
      expect(order).toEqual(['snapshot', 'output', 'resize', 'output', 'interactivity', 'ended']);
      // Raw bytes survive as they are, even a UTF-8 character split across two frames.
      expect(outputOf(streamId)).toEqual(
        Buffer.concat([
          Buffer.from('ls -la\r\n'),
          Buffer.from([0xe2, 0x94, 0x80, 0x20, 0xff]),
          Buffer.from('total 0\r\n'),
        ]),
      );
      expect(of('live:closed')).toEqual([{ streamId, code: 1000, reason: 'Session ended' }]);
      expect(services.live.size).toBe(0);
    });

    it('loses no frame that arrived together with the upgrade answer', async () => {
      server.sendWithUpgrade = true;
      server.onViewer = ({ ws }) => {
        sendSnapshot(ws);
        ws.send(Buffer.from('first bytes'));
      };
      const { streamId } = value(await call('live:open', 2));
      await waitFor(() => outputOf(streamId).length === 11, 'the output');
      expect(of('live:message').map((m) => m.message.type)).toEqual(['snapshot']);
      expect(outputOf(streamId).toString()).toBe('first bytes');
    });

    it('sends nothing on the socket: the viewer is read-only', async () => {
      const { streamId } = value(await call('live:open', 1));
      await waitFor(() => server.viewers.length === 1, 'the viewer');
      // The close comes after anything the viewer sent on the same socket.
      value(await call('live:close', streamId));
      await waitFor(() => server.viewers[0]!.ws.readyState === 3, 'the viewer to close');
      expect(server.viewers[0]!.received).toEqual([]);
    });

    it('live:close closes that stream only; closing it again is harmless', async () => {
      const first = value(await call('live:open', 1));
      const second = value(await call('live:open', 2));
      value(await call('live:close', first.streamId));
      await waitFor(() => of('live:closed').length === 1, 'the first close');
      expect(of('live:closed')).toEqual([{ streamId: first.streamId, code: 1000, reason: 'Viewer closed' }]);
      expect(server.viewers.map((v) => v.ws.readyState)).toEqual([3, 1]);
      expect(await call('live:close', first.streamId)).toEqual({ ok: true, value: null });
      expect(services.live.size).toBe(1);
      expect(second.streamId).not.toBe(first.streamId);
    });

    it('closes every stream and the updates socket on logout', async () => {
      const streams = [value(await call('live:open', 1)), value(await call('live:open', 2))];
      await waitFor(() => server.viewers.length === 2, 'both viewers');
      value(await call('auth:logout'));
      await waitFor(() => of('live:closed').length === 2, 'both closes');
      expect(
        of('live:closed')
          .map((c) => c.streamId)
          .sort(),
      ).toEqual(streams.map((s) => s.streamId).sort());
      expect(server.viewers.every((v) => v.ws.readyState === 3)).toBe(true);
      await waitFor(() => server.updateSockets[0]?.readyState === 3, 'the updates socket to close');
      // Nothing is left to reopen it.
      expect(services.updates.active).toBe(false);
      expect(server.updateSockets).toHaveLength(1);
      expect(await call('live:open', 1)).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
    });

    it('a used ticket is refused by the gateway and reported as a close with its code', async () => {
      const ticketOnce = server.tickets;
      server.onViewer = ({ ws }) => sendSnapshot(ws);
      const original = ticketOnce.set.bind(ticketOnce);
      // The gateway forgets the ticket before the viewer uses it, as after a replay.
      ticketOnce.set = (ticket: string, sessionId: number) => {
        original(ticket, sessionId);
        ticketOnce.delete(ticket);
        return ticketOnce;
      };
      const { streamId } = value(await call('live:open', 5));
      await waitFor(() => of('live:closed').length === 1, 'the refusal');
      expect(of('live:closed')[0]).toEqual({
        streamId,
        code: LIVE_CLOSE.badTicket,
        reason: 'Invalid or used ticket',
      });
      expect(of('live:message')).toEqual([]);
    });

    it('a refused upgrade is an error of the stream, not of the login', async () => {
      server.refuseUpgrade = (seen) =>
        seen.path.endsWith('/live')
          ? { status: 403, code: 'FORBIDDEN', message: 'Missing permission' }
          : null;
      expect(await call('live:open', 4)).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'Missing permission' },
      });
      expect(value(await call('auth:state'))).toMatchObject({ profileId });
      expect(of('auth:expired')).toEqual([]);
      expect(services.live.size).toBe(0);
    });

    it('an expired token on the ticket request ends the login', async () => {
      server.token = 'rotated';
      expect(await call('live:open', 4)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(of('auth:expired')).toEqual([{ profileId }]);
      expect(value(await call('auth:state'))).toBeNull();
    });

    it('refuses more streams than the limit', async () => {
      for (let i = 1; i <= 8; i += 1) value(await call('live:open', i));
      expect(await call('live:open', 9)).toMatchObject({ ok: false, error: { code: 'LIVE_STREAM_LIMIT' } });
    });

    it('coalesces bursts of output without losing or reordering a byte', async () => {
      const chunks = Array.from({ length: 2000 }, (_, i) => Buffer.from(`line ${i}\r\n`));
      server.onViewer = ({ ws }) => {
        sendSnapshot(ws);
        for (const chunk of chunks) ws.send(chunk);
        ws.close(1000, 'done');
      };
      const { streamId } = value(await call('live:open', 1));
      await waitFor(() => of('live:closed').length === 1, 'the close');
      expect(outputOf(streamId).equals(Buffer.concat(chunks))).toBe(true);
      expect(of('live:output').length).toBeLessThan(chunks.length / 10);
    });
  });

  describe('dead peers', () => {
    beforeEach(() => setUp({ autoPong: false, heartbeatMs: 100 }));

    it('drops a live socket whose gateway stopped answering pings', async () => {
      const { streamId } = value(await call('live:open', 1));
      await waitFor(() => of('live:closed').length >= 1, 'the heartbeat to give up', 3_000);
      expect(of('live:closed').find((c) => c.streamId === streamId)).toMatchObject({ code: 1006 });
    });
  });

  describe('session updates', () => {
    beforeEach(() => setUp());

    it('opens the updates socket with the token after login and relays valid updates only', async () => {
      const upgrade = server.upgrades.find((u) => u.path === '/api/v1/sessions/updates');
      expect(upgrade?.authorization).toBe(`Bearer ${server.token}`);
      const ws = server.updateSockets[0]!;
      ws.send(JSON.stringify({ type: 'session', sessionId: 12, change: 'started' }));
      ws.send(JSON.stringify({ type: 'session', sessionId: 'x', change: 'started' }));
      ws.send('{');
      ws.send(Buffer.from([1, 2, 3]));
      ws.send(JSON.stringify({ type: 'session', sessionId: 12, change: 'finished' }));
      // Frames arrive in order: once this last one is relayed, none of the invalid ones was.
      ws.send(JSON.stringify({ type: 'session', sessionId: 13, change: 'updated' }));
      await waitFor(() => of('sessions:changed').some((u) => u.sessionId === 13), 'the last update');
      expect(of('sessions:changed')).toEqual([
        { type: 'session', sessionId: 12, change: 'started' },
        { type: 'session', sessionId: 12, change: 'finished' },
        { type: 'session', sessionId: 13, change: 'updated' },
      ]);
    });

    it('reconnects after the gateway drops the socket, while logged in', async () => {
      server.updateSockets[0]!.terminate();
      await waitFor(() => server.updateSockets.length === 2, 'the reconnect', 5_000);
      // The server sees the socket before the client's 'open' event has run.
      await waitFor(() => services.updates.connected, 'the client to see the reconnect');
      server.updateSockets[1]!.send(JSON.stringify({ type: 'session', sessionId: 1, change: 'updated' }));
      await waitFor(() => of('sessions:changed').length === 1, 'an update on the new socket');
    });

    it('stops when the token is refused, and the login ends', async () => {
      server.token = 'rotated';
      server.updateSockets[0]!.terminate();
      await waitFor(() => of('auth:expired').length === 1, 'the expiry');
      // Nothing is left to reopen it: no retry is waiting.
      await waitFor(() => !services.updates.active, 'the updates socket to stop');
      expect(services.updates.connected).toBe(false);
    });

    it('a new login replaces the socket of the previous one', async () => {
      value(await call('auth:login', { profileId, username: 'ana', password: 'pw', remember: false }));
      await waitFor(() => server.updateSockets.length === 2, 'the new socket');
      await waitFor(() => server.updateSockets[0]!.readyState === 3, 'the old socket to close');
      expect(server.updateSockets[1]!.readyState).toBe(1);
    });
  });

  describe('certificate pinning on the sockets', () => {
    beforeEach(() => setUp());

    it('refuses a socket to a gateway with another certificate before the upgrade is sent', async () => {
      const changed = await new LiveGatewayServer(other).start();
      try {
        const alarms: unknown[] = [];
        const client = new GatewayClient({
          profileId: 'p',
          url: changed.url,
          events: (event, payload) => alarms.push({ event, payload }),
          pin: { current: () => identity.fingerprint },
        });
        const attempt = openGatewaySocket(client, '/api/v1/sessions/updates', {
          token: 'secret',
          maxPayload: 1024,
        });
        await expect(attempt).rejects.toMatchObject({ code: 'CERTIFICATE_CHANGED' });
        expect(changed.tcpConnections).toBe(1);
        expect(changed.upgrades).toEqual([]);
        expect(alarms).toEqual([
          {
            event: 'cert:alarm',
            payload: { profileId: 'p', expected: identity.fingerprint, actual: other.fingerprint },
          },
        ]);
      } finally {
        await changed.stop();
      }
    });

    it('stops reconnecting the updates socket after one alarm when the certificate changed', async () => {
      const port = Number(new URL(server.url).port);
      await server.stop();
      server = new LiveGatewayServer(other);
      await server.start(port);
      await waitFor(() => of('cert:alarm').length === 1, 'the alarm', 5_000);
      await waitFor(() => !services.updates.active, 'the updates socket to give up');
      expect(of('cert:alarm')).toHaveLength(1);
      expect(server.upgrades).toEqual([]);
      expect(await call('live:open', 1)).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_CHANGED' } });
      expect(server.ticketRequests).toEqual([]);
    });
  });
});
