import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  finishedSession,
  liveSession,
  makeTempDir,
  runGatewayCli,
  seedDataDir,
  startGatewayProcess,
  withDataDir,
  type CliResult,
} from '../support/gateway';
import { createDatabaseFor, openSqlAccess, type SqlAccess } from '../support/testDatabase';
import { waitFor } from '../support/wait';

/** `vigil-gateway purge` and `serve --retention-days`, as processes on a seeded data folder. */
const DAY = 86_400_000;

let dir: string;
let drop: () => Promise<void>;
let sql: SqlAccess & { close(): Promise<void> };

beforeEach(async () => {
  dir = makeTempDir('vigil-purge-');
  const database = await createDatabaseFor(dir);
  drop = database.drop;
  mkdirSync(join(dir, 'recordings'), { recursive: true });
  sql = await openSqlAccess({ url: database.url, sqlitePath: join(dir, 'vigil.db') });
});

afterEach(async () => {
  await sql.close();
  await drop();
  rmSync(dir, { recursive: true, force: true });
});

interface Seeded {
  old: number;
  middle: number;
  recent: number;
  kept: number;
  live: number;
}

/** A recording file on disk for a seeded session (the purge deletes it). */
function recordingFile(hash: string) {
  const bytes = Buffer.from(`recording ${hash}\n`);
  const path = `recordings/${hash}.vrec`;
  writeFileSync(join(dir, path), bytes);
  return { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Sessions that ended 100, 40 and 5 days ago, one of 100 days under Prevent Purge, one still live. */
async function seedAges(): Promise<Seeded> {
  const now = Date.now();
  const ended = (days: number, hash: string) =>
    finishedSession('olga', now - days * DAY - 600_000, { hash, recording: recordingFile(hash) });
  const { sessionIds, users } = await seedDataDir(dir, {
    sessions: [
      ended(100, 'a1000000'),
      ended(40, 'a2000000'),
      ended(5, 'a3000000'),
      ended(100, 'a4000000'),
      liveSession('olga', now - 100 * DAY, { hash: 'a5000000', recording: recordingFile('a5000000') }),
    ],
  });
  const [old, middle, recent, kept, live] = sessionIds as [number, number, number, number, number];
  await withDataDir(dir, (store) =>
    store.sessions.setPreventPurge(kept, 'Kept for an investigation', users.olga!, now),
  );
  return { old, middle, recent, kept, live };
}

const purge = (args: string[], env?: Record<string, string>) =>
  runGatewayCli(['purge', '--data', dir, ...args], { env });
const fileOf = (hash: string) => join(dir, 'recordings', `${hash}.vrec`);
const purgedEvents = () => sql.count('events', "type = 'Files purged'");
/** The session ids of the table `purge` prints. */
const listed = (result: CliResult) =>
  [...result.stdout.matchAll(/^(\d+)\s+olga\s/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);

describe('vigil-gateway purge', () => {
  test('--dry-run lists what would go and changes nothing', async () => {
    const s = await seedAges();
    const dry = await purge(['--older-than', '30', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^SESSION\s+OPERATOR\s+TARGET\s+ENDED\s+SIZE$/m);
    expect(listed(dry)).toEqual([s.old, s.middle]);
    expect(dry.stdout).toMatch(new RegExp(`^${s.old}\\s+olga\\s+root@web-001\\s+\\S+Z\\s+19 B$`, 'm'));
    expect(dry.stdout).toContain(
      'Dry run: would purge 2 recording(s), 38 B (38 bytes), of sessions that ended more than 30 days ago; nothing was changed',
    );
    expect(existsSync(fileOf('a1000000'))).toBe(true);
    expect(await purgedEvents()).toBe(0);
    expect(await sql.count('sessions', 'recording_purged_at IS NOT NULL')).toBe(0);

    const byEnvironment = await purge(['--dry-run'], { VIGIL_RETENTION_DAYS: '60' });
    expect(listed(byEnvironment), 'the configured retention is the default').toEqual([s.old]);
    const byDefault = await purge(['--dry-run'], { VIGIL_RETENTION_DAYS: '' });
    expect(byDefault.stdout).toContain(
      'Dry run: no recording of sessions that ended more than 180 days ago to purge; nothing was changed',
    );
  });

  test('--older-than 30 purges the recordings of sessions ended more than 30 days ago', async () => {
    const s = await seedAges();
    const run = await purge(['--older-than', '30']);
    expect(run.code, run.stderr).toBe(0);
    expect(listed(run)).toEqual([s.old, s.middle]);
    expect(run.stdout).toContain(
      'Purged 2 recording(s), 38 B (38 bytes), of sessions that ended more than 30 days ago',
    );
    expect([existsSync(fileOf('a1000000')), existsSync(fileOf('a2000000'))]).toEqual([false, false]);
    for (const hash of ['a3000000', 'a4000000', 'a5000000'])
      expect(existsSync(fileOf(hash)), hash).toBe(true);
    const notes = await sql.sql(
      "SELECT session_id, note FROM events WHERE type = 'Files purged' ORDER BY session_id",
    );
    expect(notes.map((e) => Number(e.session_id))).toEqual([s.old, s.middle]);
    expect(String(notes[0]!.note)).toContain('more than 30 days ago (the vigil-gateway purge command)');
    expect(
      await sql.count('sessions', 'recording_size IS NOT NULL AND recording_purged_at IS NOT NULL'),
    ).toBe(2);

    const again = await purge(['--older-than', '30']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('No recording of sessions that ended more than 30 days ago to purge');
    expect(await purgedEvents()).toBe(2);
  });

  const refusals: Array<[string, string[], Record<string, string>, string]> = [
    [
      'a word',
      ['--older-than', 'soon'],
      {},
      '--older-than must be a whole number of days from 1 to 36500, got "soon"',
    ],
    ['zero days', ['--older-than', '0'], {}, 'got "0"'],
    ['a fraction', ['--older-than', '1.5'], {}, 'got "1.5"'],
    ['over a century', ['--older-than', '99999'], {}, 'got "99999"'],
    ['retention off and no --older-than', [], { VIGIL_RETENTION_DAYS: 'off' }, 'retention is off'],
    ['a bad environment value', [], { VIGIL_RETENTION_DAYS: 'weekly' }, 'VIGIL_RETENTION_DAYS must be'],
    ['an argument', ['everything'], {}, 'expected no arguments: vigil-gateway purge'],
    ['an option of serve', ['--retention-days', '5'], {}, 'purge does not take --retention-days'],
  ];

  test.each(refusals)('refuses %s with exit code 2', async (_name, args, env, message) => {
    const refused = await purge(args, env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(message);
    expect(refused.stderr).toContain('Run vigil-gateway --help for usage.');
  });

  test('serve refuses a retention it cannot read before starting', async () => {
    const refused = await runGatewayCli(['serve', '--data', dir, '--retention-days', 'forever']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '--retention-days must be a whole number of days from 1 to 36500, or 0/off to keep recordings forever, got "forever"',
    );
  });

  test('two purges at once purge each recording once', async () => {
    const now = Date.now();
    const { sessionIds } = await seedDataDir(dir, {
      sessions: Array.from({ length: 600 }, (_, n) =>
        finishedSession('olga', now - 200 * DAY - n * 1000, { hash: `b${String(n).padStart(7, '0')}` }),
      ),
    });
    const [first, second] = await Promise.all([purge(['--older-than', '30']), purge(['--older-than', '30'])]);
    expect([first.code, second.code], `${first.stderr}${second.stderr}`).toEqual([0, 0]);
    const both = [...listed(first), ...listed(second)].sort((a, b) => a - b);
    expect(both, 'every session listed by exactly one of them').toEqual(
      [...sessionIds].sort((a, b) => a - b),
    );
    const perSession = await sql.sql(
      "SELECT session_id, count(*) AS n FROM events WHERE type = 'Files purged' GROUP BY session_id",
    );
    expect(perSession).toHaveLength(600);
    expect(perSession.every((row) => Number(row.n) === 1)).toBe(true);
  });
});

describe('serve --retention-days', () => {
  test('purges at start, and says so', async () => {
    const s = await seedAges();
    const gateway = await startGatewayProcess({ dataDir: dir, args: ['--retention-days', '30'] });
    try {
      expect(gateway.output()).toContain(
        'Retention: recordings of sessions that ended more than 30 days ago are purged hourly',
      );
      await waitFor(
        () => gateway.output().includes('Retention: purged the recordings of 2 session(s)'),
        () => `the first purge in:\n${gateway.output()}`,
      );
      expect(existsSync(fileOf('a1000000'))).toBe(false);
      const purged = await sql.sql(
        'SELECT id FROM sessions WHERE recording_purged_at IS NOT NULL ORDER BY id',
      );
      expect(purged.map((r) => Number(r.id))).toEqual([s.old, s.middle]);
    } finally {
      await gateway.stop({ keepData: true });
    }
  });
});
