import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC_CHANNELS, type IpcChannel } from '../../src/shared/ipc';
import {
  DirectorySaveTarget,
  KeytarSecretStore,
  createHandlers,
  createMainServices,
  type MainServices,
} from '../../src/main/services';

const appInfo = { version: '9.9.9', platform: 'linux', host: 'bridge' } as const;

describe('IPC handlers (boundary validation, Result wrapping)', () => {
  let dir: string;
  let services: MainServices;
  let logged: unknown[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-handlers-'));
    logged = [];
    services = createMainServices({
      userDataDir: dir,
      secrets: new KeytarSecretStore(),
      saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
      events: () => undefined,
      appInfo,
      timeoutMs: 2_000,
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const call = (channel: IpcChannel, ...args: unknown[]) => services.handlers[channel](...args);

  it('has exactly one handler per channel of the contract', () => {
    expect(Object.keys(services.handlers).sort()).toEqual([...IPC_CHANNELS].sort());
    for (const channel of IPC_CHANNELS) expect(typeof services.handlers[channel]).toBe('function');
  });

  it('answers app:info and an empty profile list', async () => {
    expect(await call('app:info')).toEqual({ ok: true, value: appInfo });
    expect(await call('profiles:list')).toEqual({ ok: true, value: [] });
    expect(await call('auth:state')).toEqual({ ok: true, value: null });
    expect(await call('auth:logout')).toEqual({ ok: true, value: null });
  });

  const badPayloads: [IpcChannel, unknown[]][] = [
    ['sessions:list', [{ pageSize: 'x' }]],
    ['sessions:list', [{ pageSize: 501 }]],
    ['sessions:list', [{ page: -1 }]],
    ['sessions:list', [{ page: 1e12 }]],
    ['sessions:list', [{ from: 'yesterday' }]],
    ['sessions:list', [{ protocol: 'telnet' }]],
    ['sessions:list', [{ user: 'x'.repeat(100_000) }]],
    ['sessions:list', [{ "'; DROP TABLE sessions; --": 1 }]],
    ['sessions:list', [null]],
    ['sessions:list', []],
    ['sessions:get', [-1]],
    ['sessions:get', [1.5]],
    ['sessions:get', ['1']],
    ['sessions:get', [2 ** 60]],
    ['sessions:exportCsv', ['all']],
    ['sessions:setPreventPurge', [{ sessionId: 1 }]],
    ['sessions:setPreventPurge', [{ sessionId: 1, justification: 'x'.repeat(100_001) }]],
    ['sessions:clearPreventPurge', [{ sessionId: '1', justification: 'a valid justification' }]],
    ['sessions:setAuditors', [{ sessionId: 1, userIds: [0] }]],
    ['sessions:setAuditors', [{ sessionId: 1, userIds: Array.from({ length: 201 }, (_, i) => i + 1) }]],
    ['sessions:getAuditors', [{}]],
    ['profiles:save', [{ name: 1, url: 'https://a.example' }]],
    ['profiles:save', [{ name: 'a', url: 'https://a.example', fingerprint: 'AA' }]],
    ['profiles:remove', ['']],
    ['profiles:forgetCertificate', [42]],
    ['auth:login', [{ profileId: 'p', username: 'admin', remember: false }]],
    ['auth:login', [{ profileId: 'p', username: '', password: 'x', remember: false }]],
    ['auth:login', [{ profileId: 'p', username: 'a', password: 'x', remember: 'yes' }]],
    ['auth:resume', [undefined]],
    ['app:info', ['extra']],
    ['users:list', [1, 2]],
    ['logs:get', [0]],
    ['logs:get', ['42']],
    ['logs:get', [{ sessionId: 42 }]],
    ['logs:text', [{ sessionId: 42 }]],
    ['logs:text', [{ sessionId: -1, offset: 0 }]],
    ['logs:text', [{ sessionId: 42, offset: -200 }]],
    ['logs:text', [{ sessionId: 42, offset: 0, limit: 1001 }]],
    ['logs:text', [{ sessionId: 42, offset: 0, page: 2 }]],
    ['logs:search', [{ sessionId: 42, q: '' }]],
    ['logs:search', [{ sessionId: 42, q: 'x'.repeat(201) }]],
    ['logs:search', [{ sessionId: 42.5, q: 'ls' }]],
    ['logs:search', [{ q: 'ls' }]],
  ];

  it.each(badPayloads)('%s %j -> VALIDATION, never a throw', async (channel, args) => {
    const result = await call(channel, ...args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('VALIDATION');
      expect(result.error.message.length).toBeLessThan(300);
    }
    expect(await call('profiles:list')).toEqual({ ok: true, value: [] });
  });

  it('refuses a bad session id for the logs with an error naming it', async () => {
    const result = await call('logs:search', { sessionId: 'all', q: 'passwd' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: expect.stringMatching(/^Invalid logs:search payload: sessionId /),
      },
    });
  });

  it('applies the justification rule before calling the gateway', async () => {
    const result = await call('sessions:setPreventPurge', { sessionId: 1, justification: '  short ' });
    expect(result).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: 'The justification needs at least 10 characters' },
    });
  });

  it('answers NOT_LOGGED_IN for session calls before login', async () => {
    for (const [channel, arg] of [
      ['sessions:list', {}],
      ['sessions:get', 1],
      ['sessions:getAuditors', 1],
      ['users:list', undefined],
      ['logs:get', 1],
      ['logs:text', { sessionId: 1, offset: 200 }],
      ['logs:search', { sessionId: 1, q: 'rm -rf' }],
    ] as const) {
      const result = await call(channel, ...(arg === undefined ? [] : [arg]));
      expect(result).toMatchObject({ ok: false, error: { code: 'NOT_LOGGED_IN' } });
    }
  });

  it('saves, lists and removes profiles, refusing non-https URLs with a clear message', async () => {
    expect(await call('profiles:save', { name: 'Prod', url: 'http://gw.example' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('https://') },
    });
    const saved = await call('profiles:save', { name: 'Prod', url: 'https://gw.example:8443' });
    expect(saved).toMatchObject({ ok: true, value: { name: 'Prod', url: 'https://gw.example:8443' } });
    const id = saved.ok ? (saved.value as { id: string }).id : '';
    expect(await call('profiles:list')).toMatchObject({ ok: true, value: [{ id }] });
    expect(await call('profiles:forgetCertificate', id)).toMatchObject({
      ok: true,
      value: { fingerprint: null },
    });
    expect(await call('profiles:remove', id)).toEqual({ ok: true, value: null });
    expect(await call('profiles:remove', id)).toMatchObject({
      ok: false,
      error: { code: 'PROFILE_NOT_FOUND' },
    });
  });

  it('answers NETWORK when the gateway cannot be reached', async () => {
    const saved = await call('profiles:save', { name: 'Gone', url: 'https://127.0.0.1:1' });
    const id = saved.ok ? (saved.value as { id: string }).id : '';
    const result = await call('auth:login', { profileId: id, username: 'a', password: 'b', remember: false });
    expect(result).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
  });

  it('turns unexpected failures into INTERNAL and reports them, without throwing', async () => {
    writeFileSync(join(dir, 'profiles.json'), 'garbage');
    const handlers = createHandlers({
      ...services,
      appInfo,
      logError: (_channel, error) => logged.push(error),
    });
    const result = await handlers['profiles:list']();
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringMatching(/not valid JSON/) },
    });
    expect(logged).toHaveLength(1);
  });
});
