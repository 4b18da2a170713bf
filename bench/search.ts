import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SearchQuery } from '../src/shared/search';
import { searchWords } from '../src/shared/searchTokens';
import type { Caller } from '../src/gateway/services/caller';
import { SearchService } from '../src/gateway/services/search';
import { SearchIndexer } from '../src/gateway/services/searchIndexer';
import { SESSION_TEXT_VERSION } from '../src/gateway/services/sessionText';
import { sqliteAsyncStore } from '../src/gateway/db/sqliteAsyncStore';
import { openStore, type Store } from '../src/gateway/db/store';
import { percentileOf, type BenchRow } from './report';

/**
 * Search across sessions on SQLite: 10,000 sessions holding 200 MB of synthetic terminal text and
 * typed commands, written straight into the database; then the indexer's catch-up over all of it,
 * the index's size on disk against the text's, query p95 over rare and common words with and
 * without filters (against a LIKE scan of the same text in the same run), and indexing while 100
 * sessions record.
 */
export const SEARCH_TARGET_P95_MS = 200;
export const SEARCH_TARGET_INDEX_RATIO = 0.5;

export interface SearchBenchResult {
  rows: BenchRow[];
  p95: number;
  indexRatio: number;
}

const SESSIONS = Number(process.env.VIGIL_BENCH_SEARCH_SESSIONS ?? 10_000);
const TEXT_BYTES = Number(process.env.VIGIL_BENCH_SEARCH_MB ?? 200) * 1_000_000;
const RUNS = Number(process.env.VIGIL_BENCH_RUNS ?? 20);
const DAY = 86_400_000;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['nginx', 'postgresql', 'redis-server', 'cron', 'sshd', 'docker', 'kubelet', 'haproxy'];
const PATHS = [
  '/var/log',
  '/etc/nginx',
  '/srv/app',
  '/home/deploy',
  '/opt/billing',
  '/tmp',
  '/var/lib/postgresql',
];
const FILES = [
  'error.log',
  'access.log',
  'config.yaml',
  'app.env',
  'backup.tar.gz',
  'id_rsa.pub',
  'notes.txt',
];
const LEVELS = ['INFO', 'INFO', 'INFO', 'WARN', 'DEBUG', 'ERROR'];
const VERBS = ['GET', 'GET', 'POST', 'PUT', 'DELETE'];
const ROUTES = ['/api/v1/orders', '/api/v1/users', '/healthz', '/api/v1/invoices', '/login', '/metrics'];
const COMMANDS = [
  'ls -la',
  'cd /var/log',
  'tail -n 100 /var/log/nginx/error.log',
  'systemctl status nginx',
  'sudo systemctl restart postgresql',
  'df -h',
  'free -m',
  'ps aux | grep java',
  'journalctl -u kubelet --since today',
  'cat /etc/hosts',
  'docker ps',
  'kubectl get pods -n billing',
  'grep -R "timeout" /etc/nginx',
  'vim config.yaml',
  'top',
  'uptime',
  'whoami',
  'history | tail',
  'echo "configuração concluída"',
];
const USERS = Array.from({ length: 60 }, (_, i) => `user${String(i).padStart(2, '0')}`);
const DEVICES = Array.from(
  { length: 300 },
  (_, i) => `${['web', 'db', 'cache', 'api', 'batch'][i % 5]}-${i}`,
);
const CREDENTIALS = ['root', 'deploy', 'postgres', 'admin', 'backup'];

/** A word found in one session only (its own incident number). */
const rareWord = (session: number) => `incident${session}q`;
const rareWords = () =>
  Array.from({ length: 20 }, (_, k) => rareWord(k * Math.max(1, Math.floor(SESSIONS / 20))));

/** A realistic terminal line: prompts, listings, logs, process tables; `rare` words now and then. */
function terminalLine(r: () => number, rare: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = (max: number) => Math.floor(r() * max);
  const hex = () => n(0xffffffff).toString(16).padStart(8, '0');
  switch (n(8)) {
    case 0:
      return `deploy@${pick(DEVICES)}:${pick(PATHS)}$ ${pick(COMMANDS)}`;
    case 1:
      return `-rw-r--r-- 1 ${pick(CREDENTIALS)} ${pick(CREDENTIALS)} ${String(n(99999)).padStart(6)} Mar ${1 + n(28)} ${n(24)}:${n(60)} ${pick(FILES)}`;
    case 2:
    case 3:
      return `2025-03-${String(1 + n(28)).padStart(2, '0')}T${n(24)}:${n(60)}:${n(60)}.${n(999)}Z ${pick(LEVELS)} [worker-${n(32)}] ${pick(VERBS)} ${pick(ROUTES)}/${n(99999)} ${pick([200, 200, 201, 404, 500])} ${n(900)}ms from 10.${n(255)}.${n(255)}.${n(255)} req=${r() < 0.02 ? rare : hex()}`;
    case 4:
      return `${pick(CREDENTIALS).padEnd(9)} ${String(n(65535)).padStart(5)}  ${(r() * 9).toFixed(1)}  ${(r() * 9).toFixed(1)} ${n(999999)} ${n(99999)} ?  Ss  ${n(24)}:${n(60)}   0:0${n(9)} ${pick(SERVICES)}: worker process`;
    case 5:
      return `● ${pick(SERVICES)}.service - ${pick(['A high performance web server', 'PostgreSQL RDBMS', 'Regular background program processing daemon'])}`;
    case 6:
      return `   Active: ${pick(['active (running)', 'failed (Result: exit-code)', 'inactive (dead)'])} since Mon 2025-03-${String(1 + n(28)).padStart(2, '0')} ${n(24)}:${n(60)}:${n(60)} UTC; ${n(59)}min ago`;
    default:
      return `${pick(['Filesystem', '/dev/sda1', '/dev/nvme0n1p2', 'tmpfs', 'overlay'])}  ${n(500)}G  ${n(400)}G  ${n(100)}G  ${n(100)}% ${pick(PATHS)}${r() < 0.01 ? ` ação ${rare}` : ''}`;
  }
}

interface Generated {
  textBytes: number;
  lines: number;
  commands: number;
  rare: string[];
  seconds: number;
}

/** Sessions, their commands and built text, straight into the database in large transactions. */
function generate(store: Store, log: (line: string) => void): Generated {
  const started = performance.now();
  const db = store.db;
  const r = prng(7);
  const now = Date.parse('2025-12-01T00:00:00Z');
  const userIds = USERS.map((login) =>
    Number(
      db
        .prepare('INSERT INTO users (login, name, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(login, `${login} name`, 'x', now).lastInsertRowid,
    ),
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status,
       started_at, ended_at, duration_ms, recording_path, recording_size, recording_sha256)
     VALUES (?, ?, ?, '10.0.0.1', ?, ?, ?, 'SSH Proxy', 'finished', ?, ?, 3600000, 'r.vrec', 1, 'ab')`,
  );
  const insertLine = db.prepare(
    'INSERT INTO session_log_lines (session_id, n, offset_ms, text) VALUES (?, ?, ?, ?)',
  );
  const insertBuilt = db.prepare(
    `INSERT INTO session_logs_built (session_id, status, lines, message, version, built_at) VALUES (?, 'ready', ?, NULL, ?, ?)`,
  );
  const insertCommand = db.prepare(
    'INSERT INTO session_commands (session_id, at, offset_ms, minute, command) VALUES (?, ?, ?, ?, ?)',
  );
  const perSession = TEXT_BYTES / SESSIONS;
  let textBytes = 0;
  let lines = 0;
  let commands = 0;
  const BATCH = 250;
  for (let first = 0; first < SESSIONS; first += BATCH) {
    db.transaction(() => {
      for (let i = first; i < Math.min(SESSIONS, first + BATCH); i++) {
        const u = Math.floor(r() * USERS.length);
        const startedAt = now - Math.floor(r() * 365 * DAY);
        const id = Number(
          insertSession.run(
            `h${i}`,
            userIds[u],
            USERS[u],
            CREDENTIALS[Math.floor(r() * CREDENTIALS.length)],
            DEVICES[Math.floor(r() * DEVICES.length)],
            r() < 0.8 ? 'ssh' : 'rdp',
            startedAt,
            startedAt + 3_600_000,
          ).lastInsertRowid,
        );
        const word = rareWord(i);
        let bytes = 0;
        let n = 0;
        let k = 0;
        // Sessions vary in size (a few long ones, many short), about `perSession` on average.
        const budget = perSession * (0.2 + 1.6 * r());
        while (bytes < budget) {
          const at = Math.floor((bytes / budget) * 3_600_000);
          if (r() < 0.06) {
            const command = `${COMMANDS[Math.floor(r() * COMMANDS.length)]}${r() < 0.05 ? ` # ${word}` : ''}`;
            insertCommand.run(id, startedAt + at, at, Math.floor(at / 60_000), command);
            bytes += command.length;
            k++;
          }
          const line = terminalLine(r, word);
          insertLine.run(id, n++, at, line);
          bytes += line.length;
        }
        insertBuilt.run(id, n, SESSION_TEXT_VERSION, now);
        textBytes += bytes;
        lines += n;
        commands += k;
      }
    })();
    if ((first / BATCH) % 8 === 0)
      log(`  generated ${first + BATCH} sessions, ${(textBytes / 1e6).toFixed(0)} MB`);
  }
  return { textBytes, lines, commands, rare: rareWords(), seconds: (performance.now() - started) / 1000 };
}

const INDEX_SECONDS_KEY = 'bench_search_index_seconds';

/** What a kept database holds (the rare words are those `generate` picked). */
function described(store: Store): Generated {
  const db = store.db;
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    textBytes:
      count('SELECT sum(length(text)) FROM session_log_lines') +
      count('SELECT sum(length(command)) FROM session_commands'),
    lines: count('SELECT count(*) FROM session_log_lines'),
    commands: count('SELECT count(*) FROM session_commands'),
    rare: rareWords(),
    seconds: 0,
  };
}

/** Bytes on disk of the tables (and their indexes and FTS shadow tables) whose names start with a prefix. */
function diskBytes(store: Store, prefix: string): number {
  return store.db
    .prepare(`SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ? || '%'`)
    .pluck()
    .get(prefix) as number;
}

const caller: Caller = {
  userId: 0,
  login: 'bench',
  name: 'bench',
  principal: { roles: ['System Administrator'], permissions: ['PAM.SessionManagement.Logs'] },
  tokenHash: '',
  originIp: null,
};

/** Same words, same texts, by a LIKE scan of every line and command (what a search without index costs). */
function likeScan(store: Store, q: string): number {
  const words = searchWords(q);
  const where = words.map(() => `text LIKE ?`).join(' AND ');
  const args = words.map((w) => `%${w}%`);
  const lines = store.db
    .prepare(`SELECT count(*) FROM session_log_lines WHERE ${where}`)
    .pluck()
    .get(...args) as number;
  const commands = store.db
    .prepare(`SELECT count(*) FROM session_commands WHERE ${where.replaceAll('text', 'command')}`)
    .pluck()
    .get(...args) as number;
  return lines + commands;
}

async function timeQueries(
  service: SearchService,
  queries: readonly { name: string; query: SearchQuery }[],
): Promise<{ name: string; total: number; p50: number; p95: number }[]> {
  const results = [];
  for (const { name, query } of queries) {
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < RUNS + 2; i++) {
      const start = performance.now();
      const result = await service.search(caller, { kind: 'all' }, query);
      if (i >= 2) samples.push(performance.now() - start);
      total = result.total;
    }
    samples.sort((a, b) => a - b);
    results.push({ name, total, p50: percentileOf(samples, 50), p95: percentileOf(samples, 95) });
  }
  return results;
}

/**
 * 100 sessions recording at once: each writes a typed command every second or so; every few
 * seconds one finishes with its text built (1,000 lines). Measures how far behind the index runs
 * and what writing a command costs with the indexer on, against the same writes with it off.
 */
async function whileRecording(
  store: ReturnType<typeof sqliteAsyncStore>,
  sync: Store,
  indexer: SearchIndexer | null,
  seconds: number,
): Promise<{ writeP95: number; commands: number; lines: number; maxBacklog: number; drainMs: number }> {
  const r = prng(99);
  const firstId = (sync.db.prepare('SELECT max(id) FROM sessions').pluck().get() as number) + 1;
  const now = Date.now();
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) {
    ids.push(
      Number(
        sync.db
          .prepare(
            `INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy,
               status, started_at) VALUES (?, 1, 'user00', '10.0.0.1', 'root', 'web-1', 'ssh', 'SSH Proxy', 'live', ?)`,
          )
          .run(`live-${firstId}-${i}-${indexer === null ? 'off' : 'on'}`, now).lastInsertRowid,
      ),
    );
  }
  const writes: number[] = [];
  let commands = 0;
  let lines = 0;
  let maxBacklog = 0;
  const end = performance.now() + seconds * 1000;
  const recorders = ids.map(async (id, i) => {
    await sleep(i * 10);
    while (performance.now() < end) {
      const at = Date.now() - now;
      const start = performance.now();
      await store.sessionCommands.addMany([
        {
          sessionId: id,
          at: Date.now(),
          offsetMs: at,
          command: `${COMMANDS[Math.floor(r() * COMMANDS.length)]} ${i}`,
        },
      ]);
      writes.push(performance.now() - start);
      commands++;
      await sleep(800 + r() * 400);
    }
  });
  const finisher = (async () => {
    let next = 0;
    while (performance.now() < end) {
      await sleep(3000);
      const id = ids[next++ % ids.length]!;
      const text = Array.from({ length: 1000 }, (_, n) => ({
        offsetMs: n * 100,
        text: terminalLine(r, `live${id}`),
      }));
      while (await store.sessionText.removeSome(id));
      for (let at = 0; at < text.length; at += 500)
        await store.sessionText.appendLines(id, at, text.slice(at, at + 500));
      await store.sessionText.markBuilt(
        id,
        { status: 'ready', lines: 1000, message: null, version: SESSION_TEXT_VERSION },
        Date.now(),
      );
      indexer?.textChanged(id);
      lines += 1000;
    }
  })();
  const watcher = (async () => {
    while (performance.now() < end && indexer !== null) {
      await sleep(500);
      const latest = sync.db.prepare('SELECT max(id) FROM session_commands').pluck().get() as number;
      maxBacklog = Math.max(maxBacklog, latest - (await store.searchIndex.commandMark()));
    }
  })();
  await Promise.all([...recorders, finisher, watcher]);
  const drainStart = performance.now();
  await indexer?.flush();
  writes.sort((a, b) => a - b);
  return {
    writeP95: percentileOf(writes, 95),
    commands,
    lines,
    maxBacklog,
    drainMs: performance.now() - drainStart,
  };
}

export async function benchSearch(log: (line: string) => void): Promise<SearchBenchResult> {
  // VIGIL_BENCH_SEARCH_DB keeps the generated and indexed database there, and reuses it next time.
  const kept = process.env.VIGIL_BENCH_SEARCH_DB;
  const dir = kept === undefined ? mkdtempSync(join(tmpdir(), 'vigil-bench-search-')) : null;
  const path = kept ?? join(dir!, 'gateway.db');
  const reuse = kept !== undefined && existsSync(path);
  const sync = openStore(path);
  const store = sqliteAsyncStore(sync, false);
  try {
    log(reuse ? `Reusing ${path}` : `Generating ${SESSIONS} sessions, ${TEXT_BYTES / 1e6} MB of text…`);
    const data = reuse ? described(sync) : generate(sync, log);
    log(`  ${data.lines} lines, ${data.commands} commands in ${data.seconds.toFixed(0)} s; indexing…`);
    const indexer = new SearchIndexer(store, log, {
      pollMs: 250,
      reconcileMs: 60_000,
      commandBatch: 5_000,
      lineBatch: 5_000,
    });
    const indexStart = performance.now();
    await indexer.flush();
    const indexedBefore = sync.meta.get(INDEX_SECONDS_KEY);
    const indexSeconds =
      indexedBefore !== null ? Number(indexedBefore) : (performance.now() - indexStart) / 1000;
    if (indexedBefore === null) {
      sync.meta.set(INDEX_SECONDS_KEY, String(indexSeconds));
      sync.db.exec("INSERT INTO search_index (search_index) VALUES ('optimize')");
    }
    sync.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const indexBytes = diskBytes(sync, 'search_');
    const textTableBytes = diskBytes(sync, 'session_log_lines') + diskBytes(sync, 'session_commands');
    log(`  indexed in ${indexSeconds.toFixed(0)} s; timing queries…`);

    const service = new SearchService(store);
    const oneMonth = { from: '2025-11-01T00:00:00Z', to: '2025-12-01T00:00:00Z' };
    const queries: { name: string; query: SearchQuery }[] = [
      { name: 'rare word (one session)', query: { q: data.rare[3]! } },
      { name: 'rare word, page 2', query: { q: data.rare[10]!, page: 2, pageSize: 2 } },
      { name: 'common word "nginx"', query: { q: 'nginx' } },
      { name: 'very common "info"', query: { q: 'info' } },
      { name: 'two common words "get orders"', query: { q: 'GET orders' } },
      { name: 'accented "acao"', query: { q: 'acao' } },
      { name: 'command words "systemctl restart"', query: { q: 'systemctl restart' } },
      { name: 'common word, page 50', query: { q: 'nginx', page: 50 } },
      { name: 'common word, user filter', query: { q: 'nginx', user: 'user07' } },
      { name: 'common word, device filter', query: { q: 'error', device: 'db-' } },
      { name: 'common word, last month', query: { q: 'postgresql', ...oneMonth } },
      {
        name: 'rare word, protocol filter',
        query: { q: data.rare[2]!, protocol: 'ssh' },
      },
      { name: 'absent word', query: { q: 'zzyzx' } },
    ];
    const loadBefore = loadavg()[0]!;
    const timed = await timeQueries(service, queries);
    const loadAfter = loadavg()[0]!;
    const p95 = Math.max(...timed.map((t) => t.p95));
    const sortedP95 = timed.map((t) => t.p95).sort((a, b) => a - b);
    log('  LIKE scan baseline…');
    const baselineSamples: number[] = [];
    for (const q of ['nginx', data.rare[3]!, 'systemctl restart']) {
      const start = performance.now();
      likeScan(sync, q);
      baselineSamples.push(performance.now() - start);
    }
    baselineSamples.sort((a, b) => a - b);
    const baselineMs = percentileOf(baselineSamples, 50);

    log('  100 sessions recording, without then with the indexer…');
    await indexer.close();
    const off = await whileRecording(store, sync, null, 15);
    const live = new SearchIndexer(store, log, {
      pollMs: 250,
      reconcileMs: 60_000,
      commandBatch: 2_000,
      lineBatch: 2_000,
    });
    live.start();
    const on = await whileRecording(store, sync, live, 15);
    await live.close();

    const rows: BenchRow[] = [
      { name: 'sessions', value: SESSIONS, unit: '' },
      { name: 'text lines', value: data.lines, unit: '' },
      { name: 'typed commands', value: data.commands, unit: '' },
      { name: 'text + commands (characters)', value: data.textBytes / 1e6, unit: 'MB' },
      { name: 'text + commands tables on disk', value: textTableBytes / 1e6, unit: 'MB' },
      { name: 'search index on disk', value: indexBytes / 1e6, unit: 'MB' },
      { name: 'index / text characters', value: indexBytes / data.textBytes, unit: 'x' },
      { name: 'index / text tables on disk', value: indexBytes / textTableBytes, unit: 'x' },
      { name: 'catch-up indexing (all of it)', value: indexSeconds, unit: 's' },
      { name: 'catch-up indexing throughput', value: data.textBytes / 1e6 / indexSeconds, unit: 'MB/s' },
      ...timed.flatMap((t) => [
        { name: `${t.name}: p50`, value: t.p50, unit: `ms (${t.total} hits)` },
        { name: `${t.name}: p95`, value: t.p95, unit: 'ms' },
      ]),
      { name: 'query p95, worst case', value: p95, unit: 'ms' },
      // The machine's other work shows in every figure: its 1-minute load average around the queries.
      { name: 'load average before queries', value: loadBefore, unit: `(after: ${loadAfter.toFixed(1)})` },
      { name: 'query p95, median case', value: percentileOf(sortedP95, 50), unit: 'ms' },
      { name: 'baseline: LIKE scan of all text (median)', value: baselineMs, unit: 'ms' },
      { name: 'LIKE scan / indexed query (worst p95)', value: baselineMs / p95, unit: 'x' },
      { name: 'recording: commands written', value: on.commands, unit: `(${off.commands} without indexer)` },
      { name: 'recording: text lines built', value: on.lines, unit: '' },
      { name: 'recording: command write p95, indexer off', value: off.writeP95, unit: 'ms' },
      { name: 'recording: command write p95, indexer on', value: on.writeP95, unit: 'ms' },
      { name: 'recording: largest command backlog', value: on.maxBacklog, unit: 'commands' },
      { name: 'recording: backlog drained after', value: on.drainMs, unit: 'ms' },
      { name: 'recording: indexed per second', value: (on.commands + on.lines) / 15, unit: 'entries/s' },
    ];
    return { rows, p95, indexRatio: indexBytes / data.textBytes };
  } finally {
    await store.close();
    sync.close();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
}
