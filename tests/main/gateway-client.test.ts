import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CertificateChangedError,
  CertificateNotTrustedError,
  GatewayError,
  NetworkError,
} from '../../src/main/services/errors';
import type { EventSink } from '../../src/main/services/events';
import { GatewayClient } from '../../src/main/services/gateway-client';
import { RecordingTlsServer, json, makeIdentity, type TlsIdentity } from './helpers/tls-server';
import { type Pushed } from './helpers/services';

const Answer = Type.Object({ ok: Type.Boolean() });

describe('GatewayClient (real TLS server, pinned certificate)', () => {
  let first: TlsIdentity;
  let second: TlsIdentity;
  let server: RecordingTlsServer;
  let pinned: string | null;
  let pushed: Pushed[];
  let dir: string;

  const events: EventSink = (event, payload) => pushed.push({ event, payload } as Pushed);
  const client = (timeoutMs?: number) =>
    new GatewayClient({
      profileId: 'p1',
      url: server.url,
      events,
      timeoutMs,
      pin: { current: () => pinned },
    });

  beforeAll(async () => {
    [first, second] = await Promise.all([makeIdentity(), makeIdentity()]);
  });

  beforeEach(async () => {
    server = await new RecordingTlsServer(first).start();
    pinned = first.fingerprint;
    pushed = [];
    dir = mkdtempSync(join(tmpdir(), 'vigil-client-'));
  });

  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trusts no certificate on its own: a first connection names the fingerprint and sends nothing', async () => {
    pinned = null;
    const attempt = client().call('POST', '/api/v1/auth/login', Answer, { body: { password: 'secret' } });
    await expect(attempt).rejects.toBeInstanceOf(CertificateNotTrustedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'CERTIFICATE_NOT_TRUSTED',
      fingerprint: first.fingerprint,
    });
    expect(server.requests).toEqual([]);
    expect(pinned).toBeNull();
    expect(pushed).toEqual([]);

    pinned = first.fingerprint; // what the user trusted after comparing
    expect(await client().call('GET', '/api/v1/me', Answer, { token: 't0k' })).toEqual({ ok: true });
    expect(server.requests.map((r) => r.authorization)).toEqual(['Bearer t0k']);
  });

  it('blocks a changed certificate before anything is sent, and raises the alarm', async () => {
    pinned = first.fingerprint;
    await server.restartWith(second);
    const attempt = client().call('POST', '/api/v1/sessions', Answer, {
      token: 'secret-token',
      body: { a: 1 },
    });
    await expect(attempt).rejects.toBeInstanceOf(CertificateChangedError);
    await expect(attempt).rejects.toMatchObject({
      code: 'CERTIFICATE_CHANGED',
      expected: first.fingerprint,
      actual: second.fingerprint,
    });
    expect(server.connections).toBe(1);
    expect(server.requests).toEqual([]);
    expect(pinned).toBe(first.fingerprint);
    expect(pushed).toEqual([
      {
        event: 'cert:alarm',
        payload: { profileId: 'p1', expected: first.fingerprint, actual: second.fingerprint },
      },
    ]);
  });

  it('compares fingerprints regardless of letter case', async () => {
    pinned = first.fingerprint.toLowerCase();
    await expect(client().call('GET', '/x', Answer)).resolves.toEqual({ ok: true });
  });

  it('turns the gateway error body into a GatewayError with status, code and message', async () => {
    server.respond((_req, res) =>
      json(res, 403, { error: { code: 'FORBIDDEN', message: 'Missing permission' } }),
    );
    await expect(client().call('GET', '/x', Answer)).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
      message: 'Missing permission',
    });
  });

  it('names the HTTP status when the error has no JSON body', async () => {
    server.respond((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    const failure = await client()
      .call('GET', '/x', Answer)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('refuses an answer that does not match the expected schema', async () => {
    server.respond((_req, res) => json(res, 200, { ok: 'yes' }));
    await expect(client().call('GET', '/x', Answer)).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('sends JSON bodies and query strings', async () => {
    await client().call('PUT', '/api/v1/things', Answer, {
      body: { justification: 'ção 🙂' },
      query: { page: 2, user: 'a b', skipped: undefined },
    });
    expect(server.requests[0]).toMatchObject({
      method: 'PUT',
      url: '/api/v1/things?page=2&user=a+b',
      body: JSON.stringify({ justification: 'ção 🙂' }),
    });
  });

  it('streams a download into the file and reports its size', async () => {
    const csv = 'id,hash\n' + Array.from({ length: 5000 }, (_, i) => `${i},h${i}`).join('\n');
    server.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(csv);
    });
    const destination = join(dir, 'export.csv');
    expect(await client().download('/api/v1/sessions/export.csv', destination, { token: 't' })).toBe(
      Buffer.byteLength(csv),
    );
    expect(readFileSync(destination, 'utf8')).toBe(csv);
    expect(readdirSync(dir)).toEqual(['export.csv']);
  });

  it('leaves no file behind when the download is refused', async () => {
    server.respond((_req, res) =>
      json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'Token expired' } }),
    );
    const destination = join(dir, 'export.csv');
    await expect(client().download('/e.csv', destination)).rejects.toMatchObject({ status: 401 });
    expect(existsSync(destination)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports an unreachable gateway as a NetworkError', async () => {
    const port = server.port;
    await server.stop();
    const attempt = new GatewayClient({
      profileId: 'p1',
      url: `https://127.0.0.1:${port}`,
      events,
      pin: { current: () => null },
    }).call('GET', '/x', Answer);
    await expect(attempt).rejects.toBeInstanceOf(NetworkError);
    await expect(attempt).rejects.toMatchObject({ code: 'NETWORK' });
  });

  describe('a server that accepts but never answers', () => {
    let silent: Server;
    let port: number;
    beforeAll(async () => {
      // Reads (and ignores) the TLS hello, so it notices when the client hangs up.
      silent = createServer((socket) => socket.resume());
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

    it('gives up after the timeout', async () => {
      const started = Date.now();
      const attempt = new GatewayClient({
        profileId: 'p1',
        url: `https://127.0.0.1:${port}`,
        events,
        timeoutMs: 300,
        pin: { current: () => null },
      }).call('GET', '/x', Answer);
      await expect(attempt).rejects.toMatchObject({ code: 'NETWORK' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});
