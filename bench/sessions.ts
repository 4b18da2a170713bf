import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { seededRandom, seedSessions } from '../tests/support/seed';
import type { SessionFilter } from '../src/gateway/db/sessionFilters';
import { openStore, type Store } from '../src/gateway/db/store';
import { csvStream } from '../src/gateway/services/csv';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import { timeAsync } from './report';

/**
 * Sessions benchmark: seeds a temp database, then times list queries through the real repository
 * (count + page, as GET /api/v1/sessions does) and the CSV export stream.
 */
export interface SessionsBenchOptions {
  count: number;
  runs: number;
  log: (line: string) => void;
}

export interface QueryCase {
  name: string;
  filter: SessionFilter;
  page?: number;
}

export interface QueryResult {
  name: string;
  total: number;
  p50: number;
  p95: number;
  ratio: number;
}

export interface SessionsBenchResult {
  count: number;
  seedSeconds: number;
  baselineMs: number;
  queries: QueryResult[];
  /** The first export (every session) is the one held to the target; the filtered ones are shown for reference. */
  exports: { name: string; rows: number; seconds: number; rowsPerSecond: number }[];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

function time(runs: number, fn: () => void): number[] {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

/** The list filters timed on 1 M sessions (the PostgreSQL bench runs the same ones). */
export function cases(store: Store, now: number): QueryCase[] {
  const sample = store.db
    .prepare('SELECT id, hash, user_login, device FROM sessions WHERE id = ?')
    .get(Math.floor((store.db.prepare('SELECT max(id) AS n FROM sessions').pluck().get() as number) / 2)) as {
    id: number;
    hash: string;
    user_login: string;
    device: string;
  };
  const day = 86_400_000;
  const lastMonth = { from: now - 30 * day, to: now };
  return [
    { name: 'default page (no filter)', filter: {} },
    { name: 'page 100 (no filter)', filter: {}, page: 100 },
    { name: 'id', filter: { id: sample.id } },
    { name: 'hash (6-char prefix)', filter: { hash: sample.hash.slice(0, 6) } },
    { name: 'hash (1-char prefix)', filter: { hash: sample.hash.slice(0, 1) } },
    { name: `user = ${sample.user_login}`, filter: { user: sample.user_login } },
    { name: 'user contains "a"', filter: { user: 'a' } },
    { name: 'user contains "souza"', filter: { user: 'souza' } },
    { name: 'credential root', filter: { credential: 'root' } },
    { name: `device ${sample.device}`, filter: { device: sample.device } },
    { name: 'device contains "web"', filter: { device: 'web' } },
    { name: 'device contains "01"', filter: { device: '01' } },
    { name: 'credential contains "admin"', filter: { credential: 'admin' } },
    { name: 'originIp contains "10.1."', filter: { originIp: '10.1.' } },
    { name: 'originIp contains ".168.1"', filter: { originIp: '.168.1' } },
    { name: 'protocol ssh', filter: { protocol: 'ssh' } },
    { name: 'protocol rdp', filter: { protocol: 'rdp' } },
    { name: 'proxy "Web"', filter: { proxy: 'Web' } },
    { name: 'status live', filter: { status: 'live' } },
    { name: 'status finished', filter: { status: 'finished' } },
    { name: 'start period (last 30 days)', filter: lastMonth },
    {
      name: 'start period (1 year, odd hours)',
      filter: { from: now - 400 * day + 3_600_000 * 7, to: now - 35 * day - 3_600_000 * 5 },
    },
    { name: 'q "CHG"', filter: { q: 'CHG' } },
    { name: 'q "CHG-123"', filter: { q: 'CHG-123' } },
    { name: 'q "window" (mid-text)', filter: { q: 'window' } },
    { name: 'q "4567" (mid-text)', filter: { q: '4567' } },
    { name: 'q "7" (one character)', filter: { q: '7' } },
    { name: 'q "CHG" + user', filter: { q: 'CHG', user: sample.user_login } },
    { name: 'q "CHG" + last 30 days', filter: { q: 'CHG', ...lastMonth } },
    { name: 'q "CHG" + protocol', filter: { q: 'CHG', protocol: 'ssh' } },
    { name: 'user + protocol', filter: { user: sample.user_login, protocol: 'ssh' } },
    { name: 'device contains + last 30 days', filter: { device: 'web', ...lastMonth } },
    { name: 'protocol + status finished', filter: { protocol: 'rdp', status: 'finished' } },
    { name: 'user + device (both text)', filter: { user: sample.user_login, device: 'db' } },
    { name: 'credential + originIp (broad text)', filter: { credential: 'root', originIp: '10.' } },
  ];
}

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let lines = 0;
  for await (const chunk of stream) {
    const text = chunk as string | Buffer;
    const s = typeof text === 'string' ? text : text.toString('utf8');
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) lines++;
  }
  return lines;
}

export async function benchSessions(options: SessionsBenchOptions): Promise<SessionsBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const store = openStore(join(dir, 'vigil.db'));
  try {
    const now = Date.now();
    options.log(`Seeding ${options.count.toLocaleString('en')} sessions into ${dir} ...`);
    const seedStart = performance.now();
    seedSessions(store.db, options.count, seededRandom(42), { to: now, rebuildIndexes: true });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    options.log(`Seeded in ${seedSeconds.toFixed(1)} s`);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    options.log(`Database size: ${((pages * pageSize) / 1e6).toFixed(0)} MB`);
    const viewer = store.users.list()[0]!.id;

    const countAll = store.db.prepare('SELECT count(*) FROM sessions').pluck();
    const baseline = time(options.runs, () => countAll.get());
    const baselineMs = percentile(baseline, 50);

    // Through the async store, as the API reads it.
    const async = sqliteAsyncStore(store, false);
    const queries: QueryResult[] = [];
    for (const c of cases(store, now)) {
      let total = 0;
      const offset = ((c.page ?? 1) - 1) * 30;
      const samples = await timeAsync(options.runs, async () => {
        total = (await async.sessions.list(c.filter, { kind: 'all' }, viewer, offset, 30)).total;
      });
      const p50 = percentile(samples, 50);
      queries.push({ name: c.name, total, p50, p95: percentile(samples, 95), ratio: p50 / baselineMs });
    }

    const exports = [];
    // One unmeasured pass warms the page cache, as on a gateway that has been serving.
    await drain(csvStream(async.sessions.exportRows({}, { kind: 'all' })));
    for (const [name, filter] of [
      ['all sessions', {}],
      ['protocol ssh', { protocol: 'ssh' }],
      ['user contains a', { user: 'a' }],
      ['originIp contains 10.', { originIp: '10.' }],
    ] as [string, SessionFilter][]) {
      const start = performance.now();
      const lines = await drain(csvStream(async.sessions.exportRows(filter, { kind: 'all' })));
      const seconds = (performance.now() - start) / 1000;
      exports.push({ name, rows: lines - 1, seconds, rowsPerSecond: (lines - 1) / seconds });
    }
    return { count: options.count, seedSeconds, baselineMs, queries, exports };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSessionsReport(
  result: SessionsBenchResult,
  targetMs: number,
  targetRowsPerSecond: number,
): string {
  const lines: string[] = [];
  const header = ['query', 'total', 'p50 ms', 'p95 ms', 'p50/count(*)', ''];
  const rows = result.queries.map((q) => [
    q.name,
    q.total.toLocaleString('en'),
    q.p50.toFixed(2),
    q.p95.toFixed(2),
    `${q.ratio.toFixed(0)}x`,
    q.p95 < targetMs ? 'ok' : `OVER ${targetMs} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(
    `List queries over ${result.count.toLocaleString('en')} sessions (count + page of 30, like GET /api/v1/sessions)`,
  );
  lines.push(`Baseline: unfiltered SELECT count(*) p50 = ${result.baselineMs.toFixed(3)} ms`);
  lines.push(fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt));
  lines.push('');
  lines.push('CSV export (batches read through the async store, as GET /api/v1/sessions/export.csv does)');
  result.exports.forEach((e, i) => {
    const verdict =
      i > 0
        ? '(filtered: visits non-matching rows or reads rows by id; for reference)'
        : e.rowsPerSecond > targetRowsPerSecond
          ? 'ok'
          : `UNDER ${targetRowsPerSecond.toLocaleString('en')} rows/s`;
    lines.push(
      `  ${e.name.padEnd(15)} ${e.rows.toLocaleString('en').padStart(10)} rows in ${e.seconds.toFixed(2)} s = ` +
        `${Math.round(e.rowsPerSecond).toLocaleString('en')} rows/s  ${verdict}`,
    );
  });
  return lines.join('\n');
}
