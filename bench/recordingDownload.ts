import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildApp } from '../src/gateway/app';
import { hashPassword } from '../src/gateway/crypto/passwords';
import { ensureDataDir, loadTls } from '../src/gateway/datadir';
import { openStore } from '../src/gateway/db/store';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import { createGatewayServices } from '../src/gateway/services';
import type { BenchRow } from './report';

/**
 * Downloading a recording through the gateway (HTTPS, guard, Range handling, event, streamed file)
 * against a plain node:https server piping the same file with a certificate of the same kind (the
 * gateway's own self-signed EC P-256 one): throughput ratio, so the figure is the gateway's cost
 * and not TLS's, and how much memory grows while it serves a file far larger than that (it
 * streams, never buffers the file).
 */
const SIZE = Number(process.env.VIGIL_BENCH_DOWNLOAD_MB ?? 512) * 1024 * 1024;
const SCRYPT = { N: 1024, r: 8, p: 1 };
export const DOWNLOAD_TARGET_RATIO = 0.8;
/** Interleaved runs per server; the best of each is compared (a shared machine only slows runs down). */
const RUNS = Number(process.env.VIGIL_BENCH_DOWNLOAD_RUNS ?? 5);

export async function benchRecordingDownload(log: (line: string) => void): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-download-'));
  const store = openStore(join(dir, 'vigil.db'));
  try {
    const tls = await loadTls(ensureDataDir(join(dir, 'gateway')));
    mkdirSync(join(dir, 'recordings'));
    const file = join(dir, 'recordings', 'bench.vrec');
    const sha256 = writeRandomFile(file, SIZE);
    const userId = store.users.create({
      login: 'bench',
      name: 'Bench',
      passwordHash: await hashPassword('bench-password', SCRYPT),
      roles: ['System Administrator'],
      at: Date.now(),
    })!;
    const sessionId = store.sessions.insert({
      hash: 'bench',
      userId,
      originIp: '127.0.0.1',
      credential: 'root',
      device: 'bench',
      protocol: 'ssh',
      proxy: 'SSH Proxy',
      status: 'finished',
      startedAt: Date.now() - 60_000,
      endedAt: Date.now(),
      durationMs: 60_000,
      recording: { path: 'recordings/bench.vrec', size: SIZE, sha256 },
    });
    const app = await buildApp({
      services: createGatewayServices({
        store: sqliteAsyncStore(store, false),
        dataDir: dirname(store.path),
      }),
      tls: { key: tls.key, cert: tls.cert },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const baseline = createServer({ key: tls.key, cert: tls.cert }, (_req, res) => {
      res.writeHead(200, { 'content-length': SIZE });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
    try {
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'bench', password: 'bench-password' },
      });
      const token = (login.json() as { token: string }).token;
      const gatewayPort = (app.server.address() as AddressInfo).port;
      const headers = { authorization: `Bearer ${token}` };
      log(`downloading ${SIZE / 1024 / 1024} MiB ${RUNS} times from each server (client in this process)`);
      // Interleaved, so that neither server profits from a warmer page cache or JIT.
      const rssBefore = process.memoryUsage().rss;
      const runs = { plain: [] as Run[], gateway: [] as Run[] };
      for (let i = 0; i < RUNS; i++) {
        runs.plain.push(await download(tls.cert, port(baseline), '/', {}));
        runs.gateway.push(
          await download(tls.cert, gatewayPort, `/api/v1/sessions/${sessionId}/recording`, headers),
        );
      }
      const plain = best(runs.plain);
      const gateway = best(runs.gateway);
      const rssGrowth = Math.max(0, Math.max(plain.peakRss, gateway.peakRss) - rssBefore);
      return [
        {
          name: 'plain node:https, piped file',
          value: ((SIZE / plain.ms) * 1000) / 1024 / 1024,
          unit: 'MiB/s',
        },
        {
          name: 'gateway download route (HTTPS)',
          value: ((SIZE / gateway.ms) * 1000) / 1024 / 1024,
          unit: 'MiB/s',
        },
        { name: 'gateway / plain HTTPS throughput', value: plain.ms / gateway.ms, unit: 'x' },
        {
          name: 'peak RSS growth (clients and servers in one process)',
          value: rssGrowth / 1024 / 1024,
          unit: 'MiB',
        },
        { name: 'peak RSS growth / file size', value: rssGrowth / SIZE, unit: 'x' },
      ];
    } finally {
      await new Promise((resolve) => baseline.close(resolve));
      await app.close();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function writeRandomFile(path: string, size: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  const block = randomBytes(4 * 1024 * 1024);
  for (let written = 0; written < size; written += block.length) {
    const piece = block.subarray(0, Math.min(block.length, size - written));
    writeSync(fd, piece);
    hash.update(piece);
  }
  closeSync(fd);
  return hash.digest('hex');
}

interface Run {
  ms: number;
  peakRss: number;
}

function best(results: Run[]): Run {
  return {
    ms: Math.min(...results.map((r) => r.ms)),
    peakRss: Math.max(...results.map((r) => r.peakRss)),
  };
}

/** Reads the whole response (discarding it) and samples this process's memory meanwhile. */
function download(
  ca: string,
  serverPort: number,
  path: string,
  headers: Record<string, string>,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let peakRss = process.memoryUsage().rss;
    let received = 0;
    // A new connection each time (no keep-alive agent), so both pay one TLS handshake.
    const req = request({ host: '127.0.0.1', port: serverPort, path, headers, ca, agent: false }, (res) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received % (16 * 1024 * 1024) < chunk.length)
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
      });
      res.on('end', () => {
        if (received !== SIZE) reject(new Error(`received ${received} of ${SIZE} bytes`));
        else resolve({ ms: performance.now() - start, peakRss });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
