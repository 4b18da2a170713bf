import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { timeAsync } from './report';
import { openPostgresStore, type PostgresStore } from '../src/gateway/db/postgres/store';
import { openStore, type Store } from '../src/gateway/db/store';
import { createTestDatabase } from '../tests/support/postgres';
import { seededRandom, seedSessions } from '../tests/support/seed';
import { cases, type QueryResult } from './sessions';

/**
 * The sessions list on PostgreSQL: the same million sessions as the SQLite bench (seeded there,
 * then copied with multi-row INSERTs into a fresh database, dropped at the end), the same filters
 * timed through the PostgreSQL repository (count + page of 30), and each total checked against
 * SQLite's for the same filter.
 */
export interface SessionsPgBenchResult {
  count: number;
  loadSeconds: number;
  baselineMs: number;
  queries: (QueryResult & { sqliteTotal: number })[];
  exportRowsPerSecond: number;
}

const COLUMNS = [
  ['id', 'bigint'],
  ['hash', 'text'],
  ['user_id', 'bigint'],
  ['user_login', 'text'],
  ['origin_ip', 'text'],
  ['credential', 'text'],
  ['device', 'text'],
  ['protocol', 'text'],
  ['proxy', 'text'],
  ['status', 'text'],
  ['started_at', 'bigint'],
  ['ended_at', 'bigint'],
  ['duration_ms', 'bigint'],
  ['blocked', 'smallint'],
  ['reason', 'text'],
  ['error_message', 'text'],
  ['recording_path', 'text'],
  ['recording_size', 'bigint'],
  ['recording_sha256', 'text'],
] as const;
const BATCH = 20_000;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Copies the seeded users and sessions. The sessions indexes are dropped while loading and built
 * after (as the SQLite seeding does); the count triggers still run, once per INSERT.
 */
export async function copy(from: Store, to: pg.Pool, log: (line: string) => void): Promise<void> {
  const users = from.db.prepare('SELECT id, login, name, password_hash, created_at FROM users').all() as {
    id: number;
    login: string;
    name: string;
    password_hash: string;
    created_at: number;
  }[];
  for (const u of users) {
    await to.query(
      'INSERT INTO users (id, login, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
      [u.id, u.login, u.name, u.password_hash, u.created_at],
    );
  }
  await to.query("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))");
  const { rows: indexes } = await to.query<{ name: string; sql: string }>(
    `SELECT indexname AS name, indexdef AS sql FROM pg_indexes
     WHERE tablename = 'sessions' AND indexname <> 'sessions_pkey'`,
  );
  for (const index of indexes) await to.query(`DROP INDEX ${index.name}`);
  const names = COLUMNS.map(([name]) => name).join(', ');
  const read = from.db
    .prepare(`SELECT ${names} FROM sessions WHERE id > ? ORDER BY id LIMIT ${BATCH}`)
    .raw(true);
  const insert = `INSERT INTO sessions (${names}) SELECT * FROM unnest(${COLUMNS.map(
    ([, type], i) => `$${i + 1}::${type}[]`,
  ).join(', ')})`;
  let last = 0;
  for (;;) {
    const rows = read.all(last) as unknown[][];
    if (rows.length === 0) break;
    await to.query(
      insert,
      COLUMNS.map((_, i) => rows.map((r) => r[i])),
    );
    last = rows[rows.length - 1]![0] as number;
  }
  await to.query("SELECT setval(pg_get_serial_sequence('sessions', 'id'), (SELECT max(id) FROM sessions))");
  log(`Building ${indexes.length} sessions indexes ...`);
  await to.query("SET maintenance_work_mem = '512MB'");
  for (const index of indexes) await to.query(index.sql);
  await to.query('VACUUM ANALYZE');
}

export async function benchSessionsPg(options: {
  count: number;
  runs: number;
  log: (line: string) => void;
}): Promise<SessionsPgBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pg-'));
  const sqlite = openStore(join(dir, 'vigil.db'));
  const database = await createTestDatabase();
  let store: PostgresStore | undefined;
  try {
    const now = Date.now();
    options.log(`Seeding ${options.count.toLocaleString('en')} sessions (SQLite, then copied) ...`);
    seedSessions(sqlite.db, options.count, seededRandom(42), { to: now, rebuildIndexes: true });
    store = await openPostgresStore(database.url);
    const loadStart = performance.now();
    await copy(sqlite, store.pool, options.log);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    options.log(`Loaded into PostgreSQL in ${loadSeconds.toFixed(1)} s`);
    const pgStore = store;
    const viewer = (await pgStore.users.list())[0]!.id;

    const baseline = await timeAsync(options.runs, () => pgStore.pool.query('SELECT count(*) FROM sessions'));
    const baselineMs = percentile(baseline, 50);

    const queries: SessionsPgBenchResult['queries'] = [];
    for (const c of cases(sqlite, now)) {
      const offset = ((c.page ?? 1) - 1) * 30;
      let total = 0;
      const samples = await timeAsync(options.runs, async () => {
        total = (await pgStore.sessions.list(c.filter, { kind: 'all' }, viewer, offset, 30)).total;
      });
      const sqliteTotal = sqlite.sessions.list(c.filter, { kind: 'all' }, viewer, offset, 30).total;
      const p50 = percentile(samples, 50);
      queries.push({
        name: c.name,
        total,
        sqliteTotal,
        p50,
        p95: percentile(samples, 95),
        ratio: p50 / baselineMs,
      });
    }

    const exportStart = performance.now();
    let exported = 0;
    for await (const rows of pgStore.sessions.exportRows({}, { kind: 'all' })) exported += rows.length;
    const exportRowsPerSecond = exported / ((performance.now() - exportStart) / 1000);
    return { count: options.count, loadSeconds, baselineMs, queries, exportRowsPerSecond };
  } finally {
    await store?.close();
    await database.drop();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSessionsPgReport(result: SessionsPgBenchResult, targetMs: number): string {
  const header = ['query', 'total', 'p50 ms', 'p95 ms', 'p50/count(*)', ''];
  const rows = result.queries.map((q) => [
    q.name,
    q.total.toLocaleString('en'),
    q.p50.toFixed(2),
    q.p95.toFixed(2),
    `${q.ratio.toFixed(2)}x`,
    [
      q.p95 < targetMs ? 'ok' : `OVER ${targetMs} ms`,
      q.total === q.sqliteTotal ? '' : `TOTAL DIFFERS (SQLite ${q.sqliteTotal})`,
    ]
      .join(' ')
      .trim(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `PostgreSQL list queries over ${result.count.toLocaleString('en')} sessions (count + page of 30), target p95 < ${targetMs} ms`,
    `Loaded in ${result.loadSeconds.toFixed(1)} s; baseline: unfiltered SELECT count(*) p50 = ${result.baselineMs.toFixed(2)} ms`,
    fmt(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(fmt),
    '',
    `Export of every session (exportRows, newest first): ${Math.round(result.exportRowsPerSecond).toLocaleString('en')} rows/s`,
  ].join('\n');
}
