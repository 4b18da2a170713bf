import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { type ClientOptions } from 'ws';
import { bridgeProtocols, secretFromFragment } from '../../src/shared/bridge';
import type { CertificateAlarm } from '../../src/shared/ipc';
import { contentSecurityPolicy } from '../../src/main/csp';
import { KeytarSecretStore } from '../../src/main/services';
import { BrowserDownloads } from '../../src/main/bridge/downloads';
import { startBridgeHost, type BridgeHost } from '../../src/main/bridge/host';
import { createBridgeApi, type BridgeApi } from '../../src/renderer/src/bridge/transport';
import { RecordingTlsServer, makeIdentity, type TlsIdentity } from './helpers/tls-server';

function connect(url: string, protocols: string[], origin?: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
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

  /** A socket as the page opens it: from the host's own origin, offering this run's secret. */
  const open = async () => {
    const ws = await connect(ipcUrl, bridgeProtocols(host.secret), `http://127.0.0.1:${host.port}`);
    sockets.push(ws);
    return ws;
  };

  it('listens on 127.0.0.1 only and hands the secret to the page in the address fragment', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/`);
    expect(host.appUrl.startsWith(`${host.url}#bridge=`)).toBe(true);
    expect(secretFromFragment(new URL(host.appUrl).hash)).toBe(host.secret);
    expect(host.secret).toMatch(/^[\w-]{43}$/);
  });

  it('makes a new secret for every run', async () => {
    const other = await startBridgeHost({ port: 0, userDataDir: join(dir, 'other') });
    await other.close();
    expect(other.secret).not.toBe(host.secret);
  });

  it('keeps its data in a folder only this user can enter', async () => {
    expect(statSync(join(dir, 'user')).mode & 0o777).toBe(0o700);
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    const other = await startBridgeHost({ port: 0, userDataDir: loose });
    await other.close();
    expect(statSync(loose).mode & 0o777).toBe(0o700);
    symlinkSync(loose, join(dir, 'link'));
    await expect(startBridgeHost({ port: 0, userDataDir: join(dir, 'link') })).rejects.toThrow(/not a link/);
  });

  it('serves the renderer with the desktop policy plus its own socket', async () => {
    const page = await fetch(host.appUrl);
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy');
    expect(policy).toBe(contentSecurityPolicy({ connect: [`ws://127.0.0.1:${host.port}`] }));
    expect(policy).not.toContain('localhost');
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

  it('accepts the page with its secret and answers with the bridge protocol only', async () => {
    const ws = await open();
    expect(ws.protocol).toBe('vigil-bridge');
  });

  it('refuses sockets opened by pages of other origins, even with the secret', async () => {
    const protocols = bridgeProtocols(host.secret);
    await expect(connect(ipcUrl, protocols, 'https://evil.example')).rejects.toThrow(/403/);
    const own = `http://127.0.0.1:${host.port}`;
    await expect(connect(`ws://127.0.0.1:${host.port}/other`, protocols, own)).rejects.toThrow(/403/);
  });

  it('refuses local clients that send no Origin, even with the secret', async () => {
    await expect(connect(ipcUrl, bridgeProtocols(host.secret))).rejects.toThrow(/403/);
  });

  it('refuses sockets without the secret or with a wrong one', async () => {
    const own = `http://127.0.0.1:${host.port}`;
    const wrong = `${host.secret.slice(0, -1)}${host.secret.endsWith('A') ? 'B' : 'A'}`;
    await expect(connect(ipcUrl, [], own)).rejects.toThrow(/403/);
    await expect(connect(ipcUrl, ['vigil-bridge'], own)).rejects.toThrow(/403/);
    await expect(connect(ipcUrl, bridgeProtocols(wrong), own)).rejects.toThrow(/403/);
    await expect(connect(ipcUrl, bridgeProtocols(host.secret.slice(1)), own)).rejects.toThrow(/403/);
    await expect(connect(ipcUrl, bridgeProtocols(''), own)).rejects.toThrow(/403/);
  });

  describe('renderer transport (createBridgeApi)', () => {
    let gateway: RecordingTlsServer;
    let identity: TlsIdentity;
    const nodeWebSocket = globalThis.WebSocket;
    beforeAll(async () => {
      identity = await makeIdentity();
      gateway = await new RecordingTlsServer(identity).start();
      // Node's WebSocket sends no Origin; a browser page always sends its own.
      globalThis.WebSocket = class extends WebSocket {
        constructor(url: string, protocols: string[], options?: ClientOptions) {
          super(url, protocols, { ...options, origin: new URL(url).origin.replace(/^ws/, 'http') });
          // A browser reports a refused socket as a close, never as an uncaught error.
          this.on('error', () => undefined);
        }
      } as unknown as typeof globalThis.WebSocket;
    });
    afterAll(() => {
      globalThis.WebSocket = nodeWebSocket;
      return gateway.stop();
    });

    const api = (secret = host.secret) => {
      const created = createBridgeApi({ url: ipcUrl, secret });
      apis.push(created);
      return created;
    };

    it('gets NETWORK answers without the secret', async () => {
      expect(await api('not-the-secret').invoke('app:info')).toMatchObject({
        ok: false,
        error: { code: 'NETWORK' },
      });
    });

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
        rendererDir: join(dir, 'renderer'),
        secretStore: new KeytarSecretStore(),
        secret: host.secret,
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
      host.services.profiles.pin(saved.value.id, identity.fingerprint);
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
        rendererDir: join(dir, 'renderer'),
      });
    });
  });
});

describe('browser downloads of the bridge', () => {
  let dir: string;
  let downloads: BrowserDownloads;
  let server: Server;
  let base: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-downloads-'));
    downloads = new BrowserDownloads(join(dir, 'exports'));
    server = createServer((req, res) => {
      if (!downloads.serve(req, res, { 'x-content-type-options': 'nosniff' })) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    downloads.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const staged = async (content: string, name = 'vigil-sessions-20260101-120000.csv') => {
    const path = await downloads.choose(name);
    writeFileSync(path, content);
    return { path, offer: downloads.deliver(path, name) };
  };

  it('stages exports in a private folder and serves each one once, as an attachment', async () => {
    const { path, offer } = await staged('id,operator\n1,bob\n');
    expect(statSync(join(dir, 'exports')).mode & 0o777).toBe(0o700);
    expect(offer).toEqual({
      url: expect.stringMatching(/^\/downloads\/[\w-]{32}$/),
      fileName: expect.any(String),
    });
    const first = await fetch(base + offer.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-disposition')).toBe(
      'attachment; filename="vigil-sessions-20260101-120000.csv"',
    );
    expect(first.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await first.text()).toBe('id,operator\n1,bob\n');
    await expect.poll(() => existsSync(path)).toBe(false);
    expect((await fetch(base + offer.url)).status).toBe(404);
  });

  it('serves each export format as what it is', async () => {
    for (const [name, type] of [
      ['vigil-session-7.cast', 'application/x-asciicast'],
      ['vigil-session-7.mp4', 'video/mp4'],
      ['notes.weird', 'application/octet-stream'],
    ] as const) {
      const { path, offer } = await staged('x', name);
      expect(path.endsWith(name.slice(name.lastIndexOf('.')))).toBe(true);
      expect((await fetch(base + offer.url)).headers.get('content-type')).toBe(type);
    }
  });

  it('serves nothing for unknown addresses and deletes unclaimed files when closed', async () => {
    const { path } = await staged('x');
    expect((await fetch(`${base}/downloads/guess`)).status).toBe(404);
    expect((await fetch(`${base}/other`)).status).toBe(418);
    downloads.close();
    expect(existsSync(path)).toBe(false);
  });
});
