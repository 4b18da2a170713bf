import { readFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { startBridgeHost, type BridgeHost } from '../../src/main/bridge/host';
import { DirectorySaveTarget, createMainServices } from '../../src/main/services';
import { createBridgeApi, type BridgeApi } from '../../src/renderer/src/bridge/transport';
import { BRIDGE_FILE_NAME_HEADER, BRIDGE_SECRET_HEADER, BRIDGE_UPLOAD_PATH } from '../../src/shared/bridge';
import type { DownloadStatus, IpcChannel, LibraryItem } from '../../src/shared/ipc';
import { finishedSession, seedDataDir, startGatewayProcess, type GatewayProcess } from '../support/gateway';
import { seedSessionLogs, writeRecording } from '../support/sessionLogsSeed';
import { waitFor } from '../support/wait';
import { NoSecrets, value } from './helpers/services';

const STARTED = Date.parse('2026-05-04T10:00:00Z');
const UPLOAD_CAP = 64 * 1024;

/**
 * The Library's details and imports as the renderer reaches them in a browser: the real bridge
 * host running the main-process services against a real gateway process, and files handed over
 * through the host's upload address with the renderer's own transport.
 */
describe('library details and file hand-over through the bridge host', () => {
  let gateway: GatewayProcess;
  let host: BridgeHost;
  let dir: string;
  let sessionId: number;
  let downloaded: LibraryItem;
  const apis: BridgeApi[] = [];
  const nodeFetch = globalThis.fetch;
  const nodeWebSocket = globalThis.WebSocket;

  const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) =>
    host.services.handlers[channel](...args);

  beforeAll(async () => {
    gateway = await startGatewayProcess();
    const recording = await writeRecording(
      gateway.dataDir,
      'details',
      Array.from({ length: 30 }, (_, i) => ({ atMs: i * 500, output: `line ${i}\r\n` })),
      { startedAt: new Date(STARTED) },
    );
    const seeded = await seedDataDir(gateway.dataDir, {
      sessions: [
        finishedSession('alice', STARTED, {
          device: 'db-7',
          credential: 'postgres',
          durationMs: recording.durationMs,
          endedAt: STARTED + recording.durationMs,
          recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
        }),
      ],
    });
    sessionId = seeded.sessionIds[0]!;
    await seedSessionLogs(gateway.dataDir, sessionId, STARTED, {
      commands: [{ offsetMs: 2_000, command: 'psql -c "drop table audit"' }],
      risky: [
        {
          offsetMs: 2_000,
          rule: 'destructive-sql',
          score: 90,
          criticality: 'critical',
          action: 'allow',
          command: 'psql -c "drop table audit"',
        },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'vigil-library-details-'));
    const rendererDir = join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Vigil</title>');
    host = await startBridgeHost({
      port: 0,
      userDataDir: join(dir, 'user'),
      rendererDir,
      secretStore: new NoSecrets(),
      gatewayUrl: gateway.url,
      maxUploadBytes: UPLOAD_CAP,
    });
    // A page sends its own origin with every request and socket; Node's clients send none.
    const origin = `http://127.0.0.1:${host.port}`;
    globalThis.fetch = (input, init) =>
      nodeFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), origin } });
    globalThis.WebSocket = class extends WebSocket {
      constructor(url: string, protocols: string[], options?: ClientOptions) {
        super(url, protocols, { ...options, origin });
        this.on('error', () => undefined);
      }
    } as unknown as typeof globalThis.WebSocket;

    const [profile] = value(await call('profiles:list'));
    const login = {
      profileId: profile!.id,
      username: 'admin',
      password: gateway.adminPassword,
      remember: false,
    };
    const first = await call('auth:login', login);
    if (!first.ok) {
      value(
        await call('profiles:trustCertificate', { profileId: profile!.id, fingerprint: gateway.fingerprint }),
      );
      value(await call('auth:login', login));
    }
    const key = value(await call('profiles:signingKey', profile!.id));
    value(await call('profiles:trustSigningKey', { profileId: profile!.id, keyId: key.keyId }));
    const started = value(await call('downloads:start', sessionId));
    let last: DownloadStatus | undefined;
    await waitFor(
      async () => {
        last = value(await call('downloads:list')).find((d) => d.downloadId === started.downloadId);
        return last?.state === 'done';
      },
      () => `the download to finish (last: ${JSON.stringify(last)})`,
      20_000,
    );
    downloaded = value(await call('library:list')).find((i) => i.sessionId === sessionId)!;
  }, 60_000);

  afterAll(async () => {
    globalThis.fetch = nodeFetch;
    globalThis.WebSocket = nodeWebSocket;
    for (const api of apis) api.close();
    await host?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const transport = (secret = host.secret) => {
    const api = createBridgeApi({ url: `ws://127.0.0.1:${host.port}/ipc`, secret });
    apis.push(api);
    return api;
  };

  it('shows a download with its manifest and the session, events and logs saved with it', async () => {
    const details = value(await call('library:details', downloaded.itemId));
    expect(details.item).toEqual(downloaded);
    expect(details.manifest).toMatchObject({
      sessionId,
      operator: 'alice',
      target: 'db-7',
      account: 'postgres',
      sha256: downloaded.sha256,
      size: downloaded.size,
      gatewayKeyId: downloaded.verification.keyId,
    });
    expect(details.snapshot?.session).toMatchObject({ id: sessionId, device: 'db-7' });
    expect(details.snapshot?.events?.length).toBeGreaterThan(0);
    expect(details.snapshot?.logs?.commands.map((c) => c.command)).toEqual(['psql -c "drop table audit"']);
    expect(details.snapshot?.logs?.riskyCommands).toMatchObject([{ rule: 'destructive-sql', score: 90 }]);
  });

  it('still shows an item whose manifest was altered into garbage, without a manifest', async () => {
    const manifestPath = join(host.services.library.itemDir(downloaded.itemId), 'manifest.json');
    const genuine = readFileSync(manifestPath);
    writeFileSync(manifestPath, '{ not json');
    try {
      const details = value(await call('library:details', downloaded.itemId));
      expect(details.manifest).toBeNull();
      expect(details.item.itemId).toBe(downloaded.itemId);
      expect(details.snapshot?.session.id).toBe(sessionId);
    } finally {
      writeFileSync(manifestPath, genuine);
    }
  });

  it('answers LIBRARY_ITEM_NOT_FOUND for an item that is not there and VALIDATION for a bad id', async () => {
    expect(await call('library:details', 's999-0000')).toMatchObject({
      ok: false,
      error: { code: 'LIBRARY_ITEM_NOT_FOUND' },
    });
    expect(await call('library:details', '../etc')).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
  });

  it('receives files from the page, keeps them privately, and imports from the paths it answered', async () => {
    const folder = host.services.library.itemDir(downloaded.itemId);
    const api = transport();
    const sent = async (file: string, name: string) =>
      value(await api.filePath(new File([readFileSync(join(folder, file))], name)));
    const recording = await sent('recording.vrec', 'session 7.vrec');
    const manifest = await sent('manifest.json', 'session-7.manifest.json');
    const signature = await sent('manifest.sig', 'session-7.manifest.sig');
    for (const path of [recording, manifest, signature])
      expect(path.startsWith(join(dir, 'user', 'uploads'))).toBe(true);
    expect(recording.endsWith('session_7.vrec')).toBe(true);
    expect(readFileSync(recording).equals(readFileSync(join(folder, 'recording.vrec')))).toBe(true);

    const imported = value(await api.invoke('library:import', { recording, manifest, signature }));
    expect(imported).toMatchObject({ imported: true, sessionId, hasSnapshot: false });
    expect(imported.verification.status).toBe('verified');
    const details = value(await call('library:details', imported.itemId));
    expect(details.snapshot).toBeNull();
    expect(details.manifest?.sha256).toBe(downloaded.sha256);
    value(await call('library:delete', imported.itemId));
  });

  it('refuses a hand-over without this run’s secret, from another origin, or above the size cap', async () => {
    expect(await transport('x'.repeat(43)).filePath(new File(['abc'], 'a.vrec'))).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    const url = `http://127.0.0.1:${host.port}${BRIDGE_UPLOAD_PATH}`;
    const foreign = await nodeFetch(url, {
      method: 'POST',
      headers: {
        origin: 'http://evil.example',
        [BRIDGE_SECRET_HEADER]: host.secret,
        [BRIDGE_FILE_NAME_HEADER]: 'a',
      },
      body: 'abc',
    });
    expect(foreign.status).toBe(403);
    const big = await transport().filePath(new File([new Uint8Array(UPLOAD_CAP + 1)], 'big.vrec'));
    expect(big).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(big.ok ? '' : big.error.message).toContain('larger than');
  });

  it('reveal in folder hands the recording’s path to the shell and answers it', async () => {
    const shown: string[] = [];
    const desktop = createMainServices({
      userDataDir: join(dir, 'user'),
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'exports')),
      events: () => undefined,
      appInfo: { version: '0', platform: 'linux', host: 'electron' },
      reveal: (path) => {
        shown.push(path);
      },
    });
    try {
      const { path } = value(await desktop.handlers['library:reveal'](downloaded.itemId));
      expect(shown).toEqual([path]);
      expect(path).toBe(join(host.services.library.itemDir(downloaded.itemId), 'recording.vrec'));
      expect(await desktop.handlers['library:reveal']('s1-nothing')).toMatchObject({ ok: false });
      expect(shown).toHaveLength(1);
    } finally {
      desktop.close();
    }
  });

  it('names a file by its base name only, so a sent name cannot climb out of the upload folder', async () => {
    const path = value(await transport().filePath(new File(['x'], '../../escape.pem')));
    expect(path.startsWith(join(dir, 'user', 'uploads'))).toBe(true);
    expect(path.endsWith('/escape.pem')).toBe(true);
  });
});
