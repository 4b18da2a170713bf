import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { followRemoteSession, LiveSessionHost } from '../src/gateway/cluster/liveRelay';
import { connectNatsNodeBus } from '../src/gateway/cluster/natsNodeBus';
import type { NodeBus } from '../src/gateway/cluster/nodeBus';
import { openStore } from '../src/gateway/db/store';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import { LiveHub } from '../src/gateway/live/hub';
import { TestLiveSession } from '../tests/support/liveSession';
import type { BenchRow } from './report';

/** A cross-node Hold on! must reach the operator within this, end to end (p99). */
export const BUS_HOLD_TARGET_P99_MS = 100;
/** What a viewer on another node may add to Live Stream latency (p99). */
export const BUS_RELAY_TARGET_ADDED_P99_MS = 5;

const NATS_URL = process.env.VIGIL_NATS_URL ?? 'nats://127.0.0.1:4222';
const ROUND_TRIPS = 2_000;
const FRAMES = 2_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const sortedOf = (values: number[]) => [...values].sort((a, b) => a - b);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BusBenchResult {
  rows: BenchRow[];
  holdP99: number;
  relayAddedP99: number;
}

/**
 * Three gateway nodes on the machine's NATS (loopback), in one process so both ends of every
 * measure read the same clock: request/reply round trips, a Hold on! asked from node B for a
 * session on node A (until the operator's session is blocked and B has the answer), and the
 * latency a viewer on another node has over a viewer on the owning node.
 */
export async function benchBus(log: (line: string) => void = () => undefined): Promise<BusBenchResult> {
  const prefix = `vigilbench${randomBytes(4).toString('hex')}`;
  const [a, b, c] = (await Promise.all(
    ['node-a', 'node-b', 'node-c'].map((nodeId) => connectNatsNodeBus({ url: NATS_URL, nodeId, prefix })),
  )) as [NodeBus, NodeBus, NodeBus];
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-bus-'));
  const store = openStore(join(dir, 'vigil.db'));
  try {
    const hub = new LiveHub();
    const host = new LiveSessionHost(a, hub);
    await host.start();
    const userId = store.users.create({
      login: 'op',
      name: 'Op',
      passwordHash: 'x',
      roles: ['Operator'],
      at: 1,
    })!;
    const sessionId = store.sessions.insert({
      hash: 'bench',
      userId,
      originIp: '127.0.0.1',
      credential: 'root',
      device: 'web-001',
      protocol: 'ssh',
      proxy: 'SSH Proxy',
      status: 'live',
      startedAt: Date.now(),
    });
    const session = new TestLiveSession(sessionId, userId, new Date(), sqliteAsyncStore(store, false));
    hub.add(session);

    log('request/reply round trips');
    const trips: number[] = [];
    for (let i = 0; i < ROUND_TRIPS + 200; i++) {
      const start = performance.now();
      await b.request('node-a', 'ping', {});
      if (i >= 200) trips.push(performance.now() - start);
    }

    log('cross-node Hold on!');
    const reachedOperator: number[] = [];
    const answered: number[] = [];
    let pressedAt = 0;
    session.on('interactivity', () => reachedOperator.push(performance.now() - pressedAt));
    for (let i = 0; i < ROUND_TRIPS; i++) {
      pressedAt = performance.now();
      await c.request('node-a', 'live.interactivity', { sessionId, blocked: i % 2 === 0, by: 'auditor' });
      answered.push(performance.now() - pressedAt);
    }

    log('frame relay');
    const local = await relayLatencies(session, async (onFrame) => {
      const listener = (data: Buffer) => onFrame(data);
      session.on('output', listener);
      return () => session.off('output', listener);
    });
    const remote = await relayLatencies(session, async (onFrame) => {
      const follow = await followRemoteSession(b, 'node-a', sessionId, {
        snapshot: () => undefined,
        frame: (f) => {
          if (f.kind === 'output') onFrame(f.data);
        },
        error: (e) => log(`relay failed: ${e.message}`),
      });
      return () => follow.stop();
    });
    host.stop();

    const trip = sortedOf(trips);
    const hold = sortedOf(answered);
    const seen = sortedOf(reachedOperator);
    const sameNode = sortedOf(local);
    const otherNode = sortedOf(remote);
    const relayAddedP99 = percentile(otherNode, 99) - percentile(sameNode, 99);
    return {
      holdP99: percentile(hold, 99),
      relayAddedP99,
      rows: [
        { name: 'request/reply round trip p50', value: percentile(trip, 50), unit: 'ms' },
        { name: 'request/reply round trip p99', value: percentile(trip, 99), unit: 'ms' },
        { name: 'Hold on! B → operator on A p50', value: percentile(seen, 50), unit: 'ms' },
        { name: 'Hold on! B → operator on A p99', value: percentile(seen, 99), unit: 'ms' },
        { name: 'Hold on! B → A → answer on B p99', value: percentile(hold, 99), unit: 'ms' },
        { name: 'viewer on the owning node p99', value: percentile(sameNode, 99), unit: 'ms' },
        { name: 'viewer on another node p50', value: percentile(otherNode, 50), unit: 'ms' },
        { name: 'viewer on another node p99', value: percentile(otherNode, 99), unit: 'ms' },
        { name: 'added by the relay p99', value: relayAddedP99, unit: 'ms' },
      ],
    };
  } finally {
    await Promise.all([a, b, c].map((bus) => bus.close()));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Emits FRAMES output frames of 80 bytes, one a millisecond (interactive output), each carrying
 * its index; returns, per frame, the time from emit to the viewer's receipt.
 */
async function relayLatencies(
  session: TestLiveSession,
  attach: (onFrame: (data: Uint8Array) => void) => Promise<() => void>,
): Promise<number[]> {
  const sentAt = new Array<number>(FRAMES);
  const latencies: number[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  const detach = await attach((data) => {
    const index = Number(Buffer.from(data).toString('utf8', 0, 8));
    latencies.push(performance.now() - sentAt[index]!);
    if (latencies.length === FRAMES) resolveAll();
  });
  for (let i = 0; i < FRAMES; i++) {
    sentAt[i] = performance.now();
    session.output(`${String(i).padStart(8, '0')} ${'x'.repeat(70)}\r\n`);
    await delay(1);
  }
  await all;
  detach();
  return latencies;
}
