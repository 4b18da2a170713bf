import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CertificateAlarm } from '../../src/shared/ipc';
import { CONTENT_SECURITY_POLICY } from '../../src/main/csp';
import { KeytarSecretStore } from '../../src/main/services';
import { startBridgeHost, type BridgeHost } from '../../src/main/bridge/host';
import { createBridgeApi, type BridgeApi } from '../../src/renderer/src/bridge/transport';
import { RecordingTlsServer, makeIdentity } from './helpers/tls-server';

function connect(url: string, origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<unknown> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
}

async function request(ws: WebSocket, message: unknown): Promise<unknown> {
  const answer = nextMessage(ws);
  ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  return answer;
}

describe('browser bridge host', () => {
  let dir: string;
  let host: BridgeHost;
  let ipcUrl: string;
  const sockets: WebSocket[] = [];
  const apis: BridgeApi[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-bridge-'));
    const rendererDir = join(dir, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Vigil</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside the renderer');
    host = await startBridgeHost({
      port: 0,
      userDataDir: join(dir, 'user'),
      downloadsDir: join(dir, 'downloads'),
      rendererDir,
      secretStore: new KeytarSecretStore(),
      gatewayUrl: 'https://127.0.0.1:8443',
    });
    ipcUrl = `ws://127.0.0.1:${host.port}/ipc`;
  });

  afterEach(async () => {
    for (const api of apis.splice(0)) api.close();
    for (const ws of sockets.splice(0)) ws.terminate();
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (origin?: string) => {
    const ws = await connect(ipcUrl, origin);
    sockets.push(ws);
    return ws;
  };

  it('listens on 127.0.0.1 only', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
  });

  it('serves the renderer with the same CSP as the desktop app', async () => {
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Vigil</title>');
    const script = await fetch(new URL('assets/app.js', host.url));
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(new URL('sessions', host.url))).status).toBe(200);
    expect((await fetch(new URL('assets/missing.js', host.url))).status).toBe(404);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await fetch(`${host.url.slice(0, -1)}${path}`);
      expect(await response.text()).not.toContain('outside the renderer');
    }
  });

  it('answers app:info and profiles:list over /ipc', async () => {
    const ws = await open();
    expect(await request(ws, { id: 1, channel: 'app:info', args: [] })).toEqual({
      id: 1,
      result: {
        ok: true,
        value: { version: expect.any(String), platform: process.platform, host: 'bridge' },
      },
    });
    expect(await request(ws, { id: 2, channel: 'profiles:list', args: [] })).toEqual({
      id: 2,
      result: {
        ok: true,
        value: [
          {
            id: expect.any(String),
            name: 'Local gateway',
            url: 'https://127.0.0.1:8443',
            fingerprint: null,
            lastLogin: null,
          },
        ],
      },
    });
  });

  it('rejects unknown channels and malformed requests', async () => {
    const ws = await open();
    expect(await request(ws, { id: 3, channel: 'fs:readFile', args: ['/etc/passwd'] })).toEqual({
      id: 3,
      result: { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown IPC channel "fs:readFile"' } },
    });
    expect(await request(ws, { id: 4, channel: 'toString', args: [] })).toMatchObject({
      id: 4,
      result: { ok: false, error: { code: 'UNKNOWN_CHANNEL' } },
    });
    expect(await request(ws, 'not json')).toMatchObject({
      id: null,
      result: { ok: false, error: { code: 'VALIDATION' } },
    });
    expect(await request(ws, { channel: 'app:info' })).toMatchObject({ id: null, result: { ok: false } });
    expect(await request(ws, { id: 5, channel: 'app:info', args: 'x' })).toMatchObject({
      id: 5,
      result: { ok: false, error: { code: 'VALIDATION' } },
    });
    expect(await request(ws, { id: 6, channel: 'sessions:get', args: ['1; DROP TABLE'] })).toMatchObject({
      id: 6,
      result: { ok: false, error: { code: 'VALIDATION' } },
    });
  });

  it('refuses sockets opened by pages of other origins', async () => {
    await expect(connect(ipcUrl, 'https://evil.example')).rejects.toThrow(/403/);
    await expect(connect(`ws://127.0.0.1:${host.port}/other`)).rejects.toThrow(/403/);
    await expect(open(`http://127.0.0.1:${host.port}`)).resolves.toBeInstanceOf(WebSocket);
  });

  describe('renderer transport (createBridgeApi)', () => {
    let gateway: RecordingTlsServer;
    beforeAll(async () => {
      gateway = await new RecordingTlsServer(await makeIdentity()).start();
    });
    afterAll(() => gateway.stop());

    const api = (url = ipcUrl) => {
      const created = createBridgeApi(url);
      apis.push(created);
      return created;
    };

    it('invokes channels and receives results', async () => {
      const vigil = api();
      expect(await vigil.invoke('app:info')).toMatchObject({ ok: true, value: { host: 'bridge' } });
      expect(await vigil.invoke('sessions:get', 0)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION' },
      });
    });

    it('delivers pushed events: a changed certificate raises cert:alarm', async () => {
      const vigil = api();
      const saved = await vigil.invoke('profiles:save', { name: 'Spoofed', url: gateway.url });
      if (!saved.ok) throw new Error(saved.error.message);
      host.services.profiles.pin(saved.value.id, 'AB:'.repeat(31) + 'CD');
      const alarms: CertificateAlarm[] = [];
      vigil.on('cert:alarm', (alarm) => alarms.push(alarm));
      const login = await vigil.invoke('auth:login', {
        profileId: saved.value.id,
        username: 'admin',
        password: 'pw',
        remember: false,
      });
      expect(login).toMatchObject({ ok: false, error: { code: 'CERTIFICATE_CHANGED' } });
      await expect.poll(() => alarms).toHaveLength(1);
      expect(alarms[0]).toMatchObject({ profileId: saved.value.id, expected: 'AB:'.repeat(31) + 'CD' });
      expect(gateway.requests).toEqual([]);
    });

    it('answers NETWORK while the host is down and recovers when it is back', async () => {
      const vigil = api();
      expect(await vigil.invoke('profiles:list')).toMatchObject({ ok: true });
      const port = host.port;
      await host.close();
      expect(await vigil.invoke('profiles:list')).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
      host = await startBridgeHost({
        port,
        userDataDir: join(dir, 'user'),
        downloadsDir: join(dir, 'downloads'),
        rendererDir: join(dir, 'renderer'),
        secretStore: new KeytarSecretStore(),
      });
      await expect
        .poll(async () => (await vigil.invoke('app:info')).ok, { timeout: 15_000, interval: 200 })
        .toBe(true);
    });

    it('resolves calls in flight with NETWORK when the socket drops', async () => {
      const vigil = api();
      await vigil.invoke('app:info');
      const saved = await vigil.invoke('profiles:save', { name: 'Slow', url: gateway.url });
      if (!saved.ok) throw new Error(saved.error.message);
      gateway.respond(() => undefined);
      const inFlight = vigil.invoke('auth:login', {
        profileId: saved.value.id,
        username: 'admin',
        password: 'pw',
        remember: false,
      });
      await expect.poll(() => gateway.requests.length).toBe(1);
      await host.close();
      expect(await inFlight).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
      host = await startBridgeHost({
        port: 0,
        userDataDir: join(dir, 'user'),
        downloadsDir: join(dir, 'downloads'),
        rendererDir: join(dir, 'renderer'),
      });
    });
  });
});
