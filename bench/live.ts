import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { buildApp } from '../src/gateway/app';
import { hashPassword } from '../src/gateway/crypto/passwords';
import { ensureDataDir, loadTls } from '../src/gateway/datadir';
import { openStore } from '../src/gateway/db/store';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import type { LiveHub } from '../src/gateway/live/hub';
import { createGatewayServices } from '../src/gateway/services';
import { TARGET_NAME, connectOperator, openShell, startTestbed } from '../tests/gateway/sshTestbed';
import { TestLiveSession } from '../tests/support/liveSession';
import { sshdSkipReason, startSshd } from '../tests/support/sshd';
import type { BenchRow } from './report';

export type { BenchRow };

/** Target: target output to live viewer receipt, p99 under 50 ms on loopback. */
export const LIVE_TARGET_P99_MS = 50;

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

interface Scenario {
  name: string;
  viewers: number;
  frames: number;
  /** Bytes of each output frame (a timestamped line padded to this size). */
  frameBytes: number;
  everyMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'interactive, 1 viewer', viewers: 1, frames: 400, frameBytes: 80, everyMs: 5 },
  { name: 'interactive, 10 viewers', viewers: 10, frames: 400, frameBytes: 80, everyMs: 5 },
  { name: 'busy output (4 MB/s), 3 viewers', viewers: 3, frames: 2000, frameBytes: 4096, everyMs: 1 },
];

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Live Stream latency, target output to viewer receipt: through a real SSH session (sshd target,
 * the gateway's SSH proxy, an ssh2 operator) when sshd can run here, and through the gateway's
 * live fan-out alone with an in-process session for several viewers and a busy session.
 */
export async function benchLive(log: (line: string) => void = () => undefined): Promise<BenchRow[]> {
  const skip = sshdSkipReason();
  const ssh = skip === null ? await benchLiveSsh(log) : [];
  if (skip !== null) log(`live viewer latency through SSH skipped: ${skip}`);
  return [...ssh, ...(await benchLiveFanOut(log))];
}

/**
 * The time from a live session emitting target output to each viewer's
 * WebSocket client receiving it, through the real gateway (HTTPS listener, tickets, fan-out,
 * flow control) on loopback. The session is driven in-process (as tests/gateway/liveSocket.test.ts
 * does), so both ends read the same clock; the SSH proxy's own cost is measured by its benchmark.
 */
async function benchLiveFanOut(log: (line: string) => void): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-live-'));
  const store = openStore(join(dir, 'vigil.db'));
  const tls = await loadTls(ensureDataDir(join(dir, 'data')));
  const services = createGatewayServices({
    store: sqliteAsyncStore(store, false),
    dataDir: dir,
    identity: { scrypt: FAST_SCRYPT },
  });
  const { hub } = services;
  const app = await buildApp({ services, tls: { key: tls.key, cert: tls.cert } });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `wss://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
    const passwordHash = await hashPassword('auditor-password', FAST_SCRYPT);
    store.users.create({
      login: 'auditor',
      name: 'Auditor',
      passwordHash,
      roles: ['PAM Auditor'],
      at: Date.now(),
    });
    const operator = store.users.create({
      login: 'op',
      name: 'Op',
      passwordHash,
      roles: ['Operator'],
      at: Date.now(),
    })!;
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'auditor', password: 'auditor-password' },
    });
    const token = (login.json() as { token: string }).token;

    const rows: BenchRow[] = [];
    for (const scenario of SCENARIOS) {
      const samples = await runScenario(scenario, { store, hub, app, base, token, operator });
      rows.push(
        { name: `live viewer latency p50 (${scenario.name})`, value: percentile(samples, 50), unit: 'ms' },
        { name: `live viewer latency p99 (${scenario.name})`, value: percentile(samples, 99), unit: 'ms' },
      );
      log(
        `${scenario.name}: ${samples.length} receipts, p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`,
      );
    }
    return rows;
  } finally {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Env {
  store: ReturnType<typeof openStore>;
  hub: LiveHub;
  app: Awaited<ReturnType<typeof buildApp>>;
  base: string;
  token: string;
  operator: number;
}

async function runScenario(scenario: Scenario, env: Env): Promise<number[]> {
  const startedAt = Date.now();
  const sessionId = env.store.sessions.insert({
    hash: `bench-${startedAt}-${scenario.viewers}-${scenario.frameBytes}`,
    userId: env.operator,
    originIp: '127.0.0.1',
    credential: 'root',
    device: 'bench',
    protocol: 'ssh',
    proxy: 'SSH Proxy',
    status: 'live',
    startedAt,
  });
  const session = new TestLiveSession(
    sessionId,
    env.operator,
    new Date(startedAt),
    sqliteAsyncStore(env.store, false),
  );
  env.hub.add(session);
  const samples: number[] = [];
  const sentAt = new Map<number, number>();
  const viewers = await Promise.all(
    Array.from({ length: scenario.viewers }, () => openViewer(env, sessionId, sentAt, samples)),
  );
  const pad = '.'.repeat(Math.max(0, scenario.frameBytes - 16));
  for (let seq = 0; seq < scenario.frames; seq++) {
    session.screen = ''; // the synthetic screen stays small; a real proxy keeps a terminal instead
    sentAt.set(seq, performance.now());
    session.output(`#${seq}#${pad}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, scenario.everyMs));
  }
  const expected = scenario.frames * scenario.viewers;
  const deadline = Date.now() + 10_000;
  while (samples.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (samples.length < expected)
    throw new Error(`${scenario.name}: only ${samples.length}/${expected} frames arrived`);
  session.end('terminated');
  await Promise.all(viewers.map((ws) => new Promise((resolve) => ws.once('close', resolve))));
  return samples.sort((a, b) => a - b);
}

async function openViewer(
  env: Env,
  sessionId: number,
  sentAt: Map<number, number>,
  samples: number[],
): Promise<WebSocket> {
  const res = await env.app.inject({
    method: 'POST',
    url: `/api/v1/sessions/${sessionId}/live-ticket`,
    headers: { authorization: `Bearer ${env.token}` },
  });
  const { ticket } = res.json() as { ticket: string };
  const ws = new WebSocket(`${env.base}/sessions/${sessionId}/live?ticket=${ticket}`, {
    rejectUnauthorized: false,
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) return;
    const now = performance.now();
    // One frame may carry several lines if the socket coalesced them; each is one sample.
    for (const match of data.toString('latin1').matchAll(/#(\d+)#/g)) {
      const t = sentAt.get(Number(match[1]));
      if (t !== undefined) samples.push(now - t);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve()); // the snapshot
    ws.once('error', reject);
  });
  return ws;
}

/** Wall-clock now in ns with sub-ms precision, comparable with `date +%s%N` on this machine. */
const nowNs = () => (performance.timeOrigin + performance.now()) * 1e6;

/** Samples of `date +%s%N` lines found in `text`, as latencies (ms) at `receivedNs`. */
function stampLatencies(text: string, receivedNs: number, into: number[]): void {
  for (const match of text.matchAll(/(?<!\d)(\d{19})(?!\d)/g))
    into.push((receivedNs - Number(match[1])) / 1e6);
}

/**
 * A real session: the target prints its clock (`date +%s%N`) every 5 ms; the operator's SSH client
 * and a live viewer each note when every line arrives. The operator's figure is the baseline the
 * viewer's adds to.
 */
async function benchLiveSsh(log: (line: string) => void): Promise<BenchRow[]> {
  const sshd = await startSshd();
  const tb = await startTestbed(sshd);
  try {
    const password = 'bench-operator-password';
    await tb.addUser('benchop', password);
    await tb.admin.grantAccess('benchop', TARGET_NAME, sshd.user);
    await tb.addUser('benchaud', 'bench-auditor-password', 'System Administrator');
    const login = await tb.gateway.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'benchaud', password: 'bench-auditor-password' },
    });
    const token = (login.json() as { token: string }).token;
    const client = await connectOperator(tb.sshPort, `benchop@${sshd.user}@${TARGET_NAME}`, { password });
    const shell = await openShell(client);
    shell.send('stty -echo; PS1=""\r');
    await new Promise((r) => setTimeout(r, 300));
    const live = tb.gateway.hub.list()[0]!;
    const ticket = await tb.gateway.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${live.sessionId}/live-ticket`,
      headers: { authorization: `Bearer ${token}` },
    });
    const ws = new WebSocket(
      `${tb.gateway.url.replace('https:', 'wss:')}/api/v1/sessions/${live.sessionId}/live?ticket=${(ticket.json() as { ticket: string }).ticket}`,
      { rejectUnauthorized: false },
    );
    const viewer: number[] = [];
    const operator: number[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) stampLatencies(data.toString('latin1'), nowNs(), viewer);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('error', reject);
    });
    shell.channel.on('data', (d: Buffer) => stampLatencies(d.toString('latin1'), nowNs(), operator));
    const lines = 1000;
    shell.send(`for i in $(seq ${lines}); do date +%s%N; sleep 0.005; done; echo BENCH-DONE\r`);
    await shell.waitFor('BENCH-DONE', 60_000);
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    client.end();
    if (viewer.length < lines * 0.99)
      throw new Error(`live SSH bench: the viewer got ${viewer.length}/${lines} lines`);
    viewer.sort((a, b) => a - b);
    operator.sort((a, b) => a - b);
    log(
      `real SSH session: ${viewer.length} lines; viewer p50 ${percentile(viewer, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(viewer, 99).toFixed(2)} ms; operator p50 ${percentile(operator, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(operator, 99).toFixed(2)} ms`,
    );
    return [
      {
        name: 'live viewer latency p50 (real SSH session, target output to viewer)',
        value: percentile(viewer, 50),
        unit: 'ms',
      },
      {
        name: 'live viewer latency p99 (real SSH session, target output to viewer)',
        value: percentile(viewer, 99),
        unit: 'ms',
      },
      {
        name: 'operator latency p50 (same output, target to SSH client, baseline)',
        value: percentile(operator, 50),
        unit: 'ms',
      },
      {
        name: 'operator latency p99 (same output, target to SSH client, baseline)',
        value: percentile(operator, 99),
        unit: 'ms',
      },
    ];
  } finally {
    await tb.stop();
    await sshd.stop();
  }
}
