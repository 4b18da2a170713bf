import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IpcChannel } from '../../src/shared/ipc';
import {
  DirectorySaveTarget,
  KeytarSecretStore,
  createMainServices,
  type MainServices,
} from '../../src/main/services';

describe('IPC handlers of Live Stream, Hold on!, Drop and the Blocked users report', () => {
  let dir: string;
  let services: MainServices;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-handlers-'));
    services = createMainServices({
      userDataDir: dir,
      secrets: new KeytarSecretStore(),
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: () => undefined,
      appInfo: { version: '0.0.0-test', platform: 'linux', host: 'bridge' },
      timeoutMs: 2_000,
    });
  });
  afterEach(() => {
    services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (channel: IpcChannel, ...args: unknown[]) => services.handlers[channel](...args);

  const badPayloads: [IpcChannel, unknown[]][] = [
    ['sessions:drop', []],
    ['sessions:drop', ['1']],
    ['sessions:drop', [0]],
    ['sessions:drop', [1, 2]],
    ['sessions:setInteractivity', [{ sessionId: 1 }]],
    ['sessions:setInteractivity', [{ sessionId: 1, blocked: 'yes' }]],
    ['sessions:setInteractivity', [{ sessionId: 1, blocked: true, by: 'someone else' }]],
    ['sessions:setInteractivity', [true]],
    ['blocks:list', [{ status: 'all' }]],
    ['blocks:list', [{ status: 'active', page: 1 }]],
    ['blocks:list', [null]],
    ['blocks:release', [-3]],
    ['blocks:release', [{ id: 1 }]],
    ['live:open', [1.5]],
    ['live:open', [{ sessionId: 1 }]],
    ['live:open', [1, 'ticket']],
    ['live:close', ['']],
    ['live:close', ['x'.repeat(65)]],
    ['live:close', [42]],
  ];

  it.each(badPayloads)('%s %j -> VALIDATION', async (channel, args) => {
    const result = await call(channel, ...args);
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('answers NOT_LOGGED_IN before login, and opens no socket', async () => {
    for (const [channel, arg] of [
      ['sessions:drop', 1],
      ['sessions:setInteractivity', { sessionId: 1, blocked: true }],
      ['blocks:list', {}],
      ['blocks:list', { status: 'released' }],
      ['blocks:release', 1],
      ['live:open', 1],
    ] as const) {
      expect(await call(channel, arg)).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
    }
    expect(services.live.size).toBe(0);
    expect(services.updates.connected).toBe(false);
  });

  it('closing an unknown stream is harmless', async () => {
    expect(await call('live:close', 'no-such-stream')).toEqual({ ok: true, value: null });
  });
});
