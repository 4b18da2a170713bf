import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openStore } from '../src/gateway/db/store';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import { RecordingWriter } from '../src/recording';
import { SessionTextService } from '../src/gateway/services/sessionText';
import type { BenchRow } from './report';
import { syntheticSession, type SessionEvent } from './syntheticSession';

/**
 * Session text benchmark: an 8-hour session, heavy (several scripted administrators' worth of
 * commands and output squeezed into the 8 hours), recorded with the real writer, its text built by
 * the real service (extractor + storage), then searched with ~50 queries: rare and common words,
 * no hit, one or two characters, accents, `%`/`_`.
 */
const HOURS_8 = 8 * 3_600_000;

export interface LogsBenchResult {
  rows: BenchRow[];
  p95: number;
}

/** `copies` scripted sessions interleaved into one 8-hour session. */
function heavySession(copies: number): SessionEvent[] {
  const all: SessionEvent[] = [];
  for (let k = 0; k < copies; k++) {
    // Each copy runs its own 8 hours, squeezed into its 1/copies slice.
    for (const e of syntheticSession(HOURS_8, 1_000 + k)) {
      e.t = Math.floor((k * HOURS_8 + e.t) / copies);
      all.push(e);
    }
  }
  return all;
}

const QUERIES: readonly { kind: string; q: string }[] = [
  ...[
    'nginx',
    'INFO',
    'request',
    'ERROR',
    'admin@web-prod-03',
    'systemctl',
    '.conf',
    'postgres',
    'Mar',
    'took',
  ].map((q) => ({ kind: 'common', q })),
  ...[
    '/billing/4321',
    'took 899ms',
    'from 10.200.3.17',
    'redis-server[4242]',
    'cache_backup 4095',
    'worker exited api',
    '2026-03-07 22:15',
    'fix deploy auth handling',
    'load average: 0.99',
    '/dev/sda3       123G',
  ].map((q) => ({ kind: 'rare', q })),
  ...[
    'no-such-text-anywhere',
    'kubectl',
    'segfault',
    'xyzzy',
    'ORA-00942',
    'panic: runtime error',
    '/etc/shadow',
    'DROP TABLE',
    'rm -rf /',
    'passwd root',
  ].map((q) => ({ kind: 'no hit', q })),
  ...['a', 'e', '0', '%', '_', ':', 'ng', 'db', '99', 'qz'].map((q) => ({ kind: '1-2 chars', q })),
  ...['ação', 'Não', 'ÉTÉ', 'über', 'naïve', 'NGINX', 'Info', 'wOrKeR', 'LOAD AVERAGE', 'Active: Active'].map(
    (q) => ({ kind: 'case/accents', q }),
  ),
];

/** Writes the heavy session with the real writer; its events are garbage before the build is measured. */
async function writeHeavyRecording(
  path: string,
  copies: number,
  log: (line: string) => void,
): Promise<{ outputBytes: number; enters: number[] }> {
  const events = heavySession(copies);
  const outputBytes = events.reduce((n, e) => n + (e.type === 'o' ? e.data.length : 0), 0);
  log(`writing an 8-hour recording: ${events.length} events, ${(outputBytes / 1e6).toFixed(1)} MB of output`);
  let now = 0;
  const writer = new RecordingWriter({ path, sessionId: 'bench', now: () => now, checkpoints: false });
  const enters: number[] = [];
  for (const e of events) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') {
      writer.input(e.data);
      if (e.data.toString() === '\r') enters.push(e.t);
    } else if (e.type === 'r') writer.resize(e.cols, e.rows);
  }
  await writer.close();
  return { outputBytes, enters };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export async function benchLogs(log: (line: string) => void): Promise<LogsBenchResult> {
  const copies = Number(process.env.VIGIL_BENCH_LOG_COPIES ?? 20);
  const runs = Number(process.env.VIGIL_BENCH_RUNS ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-logs-'));
  try {
    mkdirSync(join(dir, 'recordings'));
    const { outputBytes, enters } = await writeHeavyRecording(
      join(dir, 'recordings', 'heavy.vrec'),
      copies,
      log,
    );

    const store = openStore(join(dir, 'vigil.db'));
    const userId = store.users.create({
      login: 'olga',
      name: 'Olga',
      passwordHash: 'x',
      roles: ['Operator'],
      at: 0,
    })!;
    const sessionId = store.sessions.insert({
      hash: 'bench',
      userId,
      originIp: '10.0.0.1',
      credential: 'root',
      device: 'web-prod-03',
      protocol: 'ssh',
      proxy: 'SSH Proxy',
      status: 'finished',
      startedAt: 0,
      endedAt: HOURS_8,
      durationMs: HOURS_8,
      recording: { path: 'recordings/heavy.vrec', size: 1, sha256: 'ab'.repeat(32) },
    });
    // Typed commands: one per Enter in the input.
    const commands = enters.map((t, i) => ({ sessionId, at: t, offsetMs: t, command: `command ${i} nginx` }));
    store.sessionCommands.addMany(commands);
    const service = new SessionTextService(sqliteAsyncStore(store, false), dir, () => Date.now());

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const state = await service.ensure(sessionId);
    const buildMs = performance.now() - started;
    delay.disable();
    log(`built ${state.lines} lines in ${(buildMs / 1000).toFixed(1)} s`);

    const times: number[] = [];
    const byKind = new Map<string, number[]>();
    const hits = new Map<string, number>();
    for (let run = 0; run < runs; run++) {
      for (const { kind, q } of QUERIES) {
        const t0 = performance.now();
        const result = await service.search(sessionId, q, 500);
        const ms = performance.now() - t0;
        times.push(ms);
        byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
        hits.set(kind, Math.max(hits.get(kind) ?? 0, result.total));
      }
    }
    times.sort((a, b) => a - b);
    const p95 = percentile(times, 95);
    const rows: BenchRow[] = [
      { name: 'session length', value: HOURS_8 / 3_600_000, unit: 'hours' },
      { name: 'output', value: outputBytes / 1e6, unit: 'MB' },
      { name: 'text lines', value: state.lines, unit: 'lines' },
      { name: 'typed commands', value: commands.length, unit: 'commands' },
      { name: 'build (extract + store)', value: buildMs / 1000, unit: 's' },
      { name: 'build throughput', value: outputBytes / 1e6 / (buildMs / 1000), unit: 'MB/s of output' },
      { name: 'build throughput (lines)', value: state.lines / (buildMs / 1000), unit: 'lines/s' },
      { name: 'event loop delay during build, max', value: delay.max / 1e6, unit: 'ms' },
      { name: 'event loop delay during build, p99', value: delay.percentile(99) / 1e6, unit: 'ms' },
      { name: `search p50 (${QUERIES.length} queries x ${runs})`, value: percentile(times, 50), unit: 'ms' },
      { name: 'search p95', value: p95, unit: 'ms' },
      { name: 'search max', value: times.at(-1)!, unit: 'ms' },
      ...[...byKind].map(([kind, ms]) => {
        const sorted = ms.sort((a, b) => a - b);
        return {
          name: `search p95, ${kind} (most hits ${hits.get(kind)})`,
          value: percentile(sorted, 95),
          unit: 'ms',
        };
      }),
    ];
    await service.close();
    store.close();
    return { rows, p95 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
