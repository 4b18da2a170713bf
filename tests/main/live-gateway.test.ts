import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpcChannel, IpcEventName, IpcEvents } from '../../src/shared/ipc';
import { LIVE_CLOSE } from '../../src/shared/live';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import {
  finishedSession,
  liveSession,
  seedDataDir,
  startGatewayProcess,
  withDataDir,
  type GatewayProcess,
} from '../support/gateway';
import { waitFor } from '../support/wait';
import { type Pushed, NoSecrets, value } from './helpers/services';

const CAROL_PASSWORD = 'carol-password-1';

/**
 * The desktop app's Live Stream, Hold on!, Drop and Blocked users calls against a REAL gateway
 * process, for everything that needs no SSH session (the SSH flow is in live-ssh.test.ts).
 */
describe('live, blocks and session updates against a real gateway process', () => {
  let gateway: GatewayProcess;
  let dir: string;
  let services: MainServices;
  let pushed: Pushed[];
  let profileId: string;
  let ids: { finished: number; staleLive: number };
  let users: Record<string, number>;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => services.handlers[channel](...args);
  const of = <E extends IpcEventName>(event: E): IpcEvents[E][] =>
    pushed.filter((p) => p.event === event).map((p) => p.payload as IpcEvents[E]);
  const login = (username: string, password: string) =>
    call('auth:login', { profileId, username, password, remember: false });

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    const seeded = await seedDataDir(gateway.dataDir, {
      users: [{ login: 'carol', name: 'Carol Auditor', role: 'PAM Auditor', password: CAROL_PASSWORD }],
      sessions: [
        finishedSession('op1', '2026-01-01T10:00:00Z'),
        // A row the database calls live with no proxy behind it (as after a crash, before recovery).
        liveSession('op1', '2026-01-02T10:00:00Z'),
      ],
    });
    users = seeded.users;
    ids = { finished: seeded.sessionIds[0]!, staleLive: seeded.sessionIds[1]! };
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-it-'));
    services = createMainServices({
      userDataDir: dir,
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: (event, payload) => pushed.push({ event, payload } as Pushed),
      appInfo: { version: '0.0.0-test', platform: 'linux', host: 'bridge' },
    });
    pushed = [];
    profileId = value(await call('profiles:save', { name: 'Gateway', url: gateway.url })).id;
    value(
      await call('profiles:trustCertificate', { profileId: profileId, fingerprint: gateway.fingerprint }),
    );
  });

  afterAll(async () => {
    services?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    pushed = [];
  });

  describe('as admin', () => {
    beforeAll(async () => {
      value(await login('admin', gateway.adminPassword));
      await waitFor(() => services.updates.connected, 'the session-updates socket');
    });

    it('keeps the session-updates socket open with the login token', () => {
      expect(services.updates.connected).toBe(true);
    });

    it('a live row with no proxy behind it: the stream closes with "not live", drop and block are refused', async () => {
      const { streamId } = value(await call('live:open', ids.staleLive));
      await waitFor(() => of('live:closed').length === 1, 'the stream to close');
      expect(of('live:closed')[0]).toMatchObject({ streamId, code: LIVE_CLOSE.notLive });
      expect(of('live:message')).toEqual([]);
      expect(await call('sessions:drop', ids.staleLive)).toMatchObject({
        ok: false,
        error: { code: 'NOT_CONNECTED' },
      });
      expect(
        await call('sessions:setInteractivity', { sessionId: ids.staleLive, blocked: true }),
      ).toMatchObject({ ok: false, error: { code: 'NOT_CONNECTED' } });
      expect(value(await call('auth:state'))).not.toBeNull();
    });

    it('refuses a Live Stream of a finished session without logging out', async () => {
      const result = await call('live:open', ids.finished);
      expect(result.ok).toBe(false);
      expect(services.live.size).toBe(0);
      expect(of('auth:expired')).toEqual([]);
    });

    it('lists and releases blocks; the release is pushed as a session update', async () => {
      const block = await withDataDir(gateway.dataDir, (store) =>
        store.blocks.create({
          sessionId: ids.finished,
          blockedUserId: users.op1!,
          authorId: users.carol!,
          at: Date.parse('2026-01-01T10:05:00Z'),
        }),
      );
      expect(block).not.toBeNull();
      const active = value(await call('blocks:list', { status: 'active' }));
      expect(active).toEqual([
        {
          id: block!.id,
          sessionId: ids.finished,
          blockedUser: { id: users.op1, login: 'op1', name: 'op1' },
          author: { id: users.carol, login: 'carol', name: 'Carol Auditor' },
          blockedAt: '2026-01-01T10:05:00.000Z',
          releasedAt: null,
          releaser: null,
        },
      ]);
      expect(value(await call('sessions:get', ids.finished)).blocked).toBe(true);

      const released = value(await call('blocks:release', block!.id));
      expect(released).toMatchObject({ id: block!.id, releaser: { login: 'admin' } });
      expect(released.releasedAt).not.toBeNull();
      await waitFor(() => of('sessions:changed').length > 0, 'the pushed update');
      expect(of('sessions:changed')).toContainEqual({
        type: 'session',
        sessionId: ids.finished,
        change: 'updated',
      });
      expect(value(await call('blocks:list', { status: 'active' }))).toEqual([]);
      expect(value(await call('blocks:list', { status: 'released' })).map((b) => b.id)).toEqual([block!.id]);
      expect(value(await call('blocks:list', {})).map((b) => b.id)).toEqual([block!.id]);
      expect(value(await call('sessions:get', ids.finished)).blocked).toBe(false);
      expect(await call('blocks:release', block!.id)).toMatchObject({
        ok: false,
        error: { code: 'NOT_BLOCKED' },
      });
    });

    it('logout closes the updates socket', async () => {
      value(await call('auth:logout'));
      await waitFor(() => !services.updates.connected, 'the socket to close');
    });
  });

  describe('as a PAM Auditor (Livestream, no Drop)', () => {
    beforeAll(async () => {
      value(await login('carol', CAROL_PASSWORD));
    });
    afterAll(async () => {
      await call('auth:logout');
    });

    it('is refused Drop by the gateway with a reason', async () => {
      expect(await call('sessions:drop', ids.staleLive)).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN', message: expect.stringContaining('PAM.SessionManagement.Drop') },
      });
    });
  });
});
