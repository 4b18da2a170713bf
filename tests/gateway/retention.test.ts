import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RecordingWriter, sha256File } from '../../src/recording';
import { openGatewayStore } from '../../src/gateway/db/openGatewayStore';
import { FolderRecordingStore } from '../../src/gateway/recordings/folderStore';
import { PurgedFiles } from '../../src/gateway/services/purgedFiles';
import { RecordingSharing } from '../../src/gateway/services/recordingSharing';
import { DAY_MS, RetentionService } from '../../src/gateway/services/retention';
import type { SessionFacts } from '../../src/gateway/services/sessionLedger';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { TEST_ENGINE } from '../support/testDatabase';

/**
 * Retention on real recordings, sealed and (some) moved to a shared folder store, with the
 * gateway's clock moved forward so that sessions age.
 */
const T0 = Date.parse('2026-01-10T09:00:00.000Z');
const RULE = { days: 180, by: 'the hourly retention of this test' };

let now: number;
let gw: TestGateway;
let operatorId: number;
/** Signed in after the clock moved (a token lasts hours, sessions age by months). */
let token: string;
let sharedFolder: string;
let sharing: RecordingSharing;
let logged: string[];
let retention: RetentionService;

const recordingsDir = () => join(gw.dir, 'recordings');
const clock = () => now;

/** The retention service of one node: its data folder, the shared store, the gateway's clock. */
function retentionOf(dataDir: string): RetentionService {
  const files = new PurgedFiles(gw.store, dataDir, join(dataDir, 'recordings'), sharing.shared, clock);
  return new RetentionService(gw.store, files, clock, (line) => logged.push(line));
}

beforeEach(async () => {
  now = T0;
  gw = await createTestGateway({ clock });
  operatorId = await gw.addUser('olga', 'Operator');
  await gw.addUser('ada', 'System Administrator');
  mkdirSync(recordingsDir(), { recursive: true });
  sharedFolder = join(gw.dir, 'shared');
  mkdirSync(sharedFolder);
  logged = [];
  sharing = new RecordingSharing(
    gw.store,
    new FolderRecordingStore(sharedFolder),
    gw.services.seal,
    recordingsDir(),
    (line) => logged.push(line),
  );
  retention = retentionOf(gw.dir);
});

afterEach(async () => {
  await sharing.close();
  await gw.close();
});

const facts = (): SessionFacts => ({
  userId: operatorId,
  originIp: '10.9.8.7',
  credential: 'root',
  device: 'web-01',
  request: 'shell',
});

interface Recorded {
  id: number;
  hash: string;
  file: string;
  size: number;
  sha256: string;
}

/** A real recording on this node's disk; its session live, or finished (and sealed) at `endedAt`. */
async function recordedSession(
  hash: string,
  endedAt: number | null,
  commands: string[] = [],
): Promise<Recorded> {
  const path = `recordings/${hash}.vrec`;
  const file = join(gw.dir, path);
  const startedAt = (endedAt ?? T0) - 60_000;
  let t = 0;
  const writer = new RecordingWriter({ path: file, sessionId: hash, now: () => t, checkpoints: false });
  writer.output(Buffer.from(`$ hostname\r\n${hash}\r\n`));
  t = 2_000;
  await writer.close();
  const size = statSync(file).size;
  const sha256 = await sha256File(file);
  const id = await gw.services.ledger.open(facts(), hash, startedAt, path);
  for (const [i, command] of commands.entries())
    await gw.services.ledger.addCommand({ sessionId: id, at: startedAt + i, offsetMs: i, command });
  if (endedAt !== null) {
    await gw.services.ledger.finish(id, facts(), endedAt, {
      errorMessage: null,
      note: 'The operator closed the session',
      recording: { path, size, sha256 },
    });
    expect(await gw.services.seal.stored(id), 'sealed on finish').not.toBeNull();
  }
  return { id, hash, file, size, sha256 };
}

const sealFile = (hash: string, ext: string) => join(recordingsDir(), `${hash}.${ext}`);
const filesPurgedEvents = (sessionId: number) =>
  gw.sql(`SELECT actor_id, origin_ip, note FROM events WHERE type = 'Files purged' AND session_id = ?`, [
    sessionId,
  ]);
const get = (url: string) => gw.request({ method: 'GET', url: `/api/v1${url}`, token });

describe('recording retention', () => {
  test('purges old recordings from the node and the shared store, and keeps the rest of the session', async () => {
    const shared = await recordedSession('a0000001', T0, ['uptime', 'df -h']);
    await gw.services.sessionText.ensure(shared.id);
    expect(await gw.count('session_log_lines', 'session_id = ?', [shared.id])).toBeGreaterThan(0);
    expect(await sharing.publishNow(shared.id)).toBe('stored');
    const local = await recordedSession('a0000002', T0 + 3_600_000);
    const kept = await recordedSession('a0000003', T0 + 7_200_000);
    await gw.store.sessions.setPreventPurge(kept.id, 'Evidence for a legal case', operatorId, T0);
    const recent = await recordedSession('a0000004', T0 + 100 * DAY_MS);
    const live = await recordedSession('a0000005', null);

    now = T0 + 181 * DAY_MS;
    const report = await retention.purge(RULE);

    expect(report.purged.map((p) => p.id)).toEqual([shared.id, local.id]);
    expect(report.failures).toEqual([]);
    expect(await sharing.shared!.exists(shared.hash), 'gone from the shared store').toBe(false);
    for (const ext of ['vrec', 'manifest.json', 'manifest.sig'])
      expect(existsSync(sealFile(local.hash, ext)), `${local.hash}.${ext} gone from the node`).toBe(false);
    for (const untouched of [kept, recent, live]) expect(existsSync(untouched.file)).toBe(true);

    for (const purged of [shared, local]) {
      const events = await filesPurgedEvents(purged.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor_id: null, origin_ip: null });
      const note = String(events[0]!.note);
      expect(note).toContain(
        `recordings/${purged.hash}.vrec (${purged.size} bytes, SHA-256 ${purged.sha256})`,
      );
      expect(note).toContain('ended more than 180 days ago (the hourly retention of this test)');
      expect(await gw.services.seal.stored(purged.id), 'the signed manifest stays').not.toBeNull();
    }
    for (const untouched of [kept, recent, live]) expect(await filesPurgedEvents(untouched.id)).toEqual([]);
    expect((await gw.store.sessionCommands.list(shared.id)).map((c) => c.command)).toEqual([
      'uptime',
      'df -h',
    ]);
    expect(await gw.count('session_log_lines', 'session_id = ?', [shared.id]), 'its text went too').toBe(0);
    expect(await gw.count('sessions', 'recording_purge_pending = 1')).toBe(0);

    const again = await retention.purge(RULE);
    expect(again.purged).toEqual([]);
    expect(await gw.count('events', "type = 'Files purged'")).toBe(2);
    token = await gw.login('ada');
    const verify = await get('/audit/verify?scope=all');
    expect(verify.json()).toMatchObject({ ok: true });
  });

  test('the API says the recording was purged and when; its file and text routes answer 410', async () => {
    const old = await recordedSession('b0000001', T0, ['whoami']);
    const recent = await recordedSession('b0000002', T0 + 100 * DAY_MS);
    now = T0 + 200 * DAY_MS;
    await retention.purge(RULE);
    const purgedAt = new Date(now).toISOString();

    token = await gw.login('ada');
    const session = (await get(`/sessions/${old.id}`)).json();
    expect(session.recording).toEqual({ size: old.size, sha256: old.sha256, purgedAt });
    expect((await get(`/sessions/${recent.id}`)).json().recording.purgedAt).toBeNull();
    const listed = (await get('/sessions')).json().items as { id: number; recording: { purgedAt: string } }[];
    expect(listed.find((s) => s.id === old.id)?.recording.purgedAt).toBe(purgedAt);

    for (const url of [`/sessions/${old.id}/recording`, `/sessions/${old.id}/logs/text`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(410);
      expect(res.json().error).toEqual({
        code: 'RECORDING_PURGED',
        message: `The recording of session ${old.id} was purged on ${purgedAt}`,
      });
    }
    const logs = await get(`/sessions/${old.id}/logs`);
    expect(logs.statusCode).toBe(200);
    expect(logs.json().text).toMatchObject({ status: 'unavailable', total: 0, items: [] });
    expect(logs.json().text.message).toContain(`purged on ${purgedAt}`);
    expect(logs.json().commands.map((c: { command: string }) => c.command)).toEqual(['whoami']);
    expect(logs.json().events.map((e: { type: string }) => e.type)).toContain('Files purged');
    const search = await get(`/sessions/${old.id}/logs/search?q=who`);
    expect(
      search.json().items.map((i: { kind: string }) => i.kind),
      'typed commands stay searchable',
    ).toEqual(['command']);
    const manifest = await get(`/sessions/${old.id}/recording/manifest`);
    expect(manifest.statusCode, 'the manifest still proves what the recording was').toBe(200);
    expect(manifest.json()).toMatchObject({ size: old.size, sha256: old.sha256 });
    expect((await get(`/sessions/${recent.id}/recording`)).statusCode).toBe(200);
    const play = await gw.request({
      method: 'POST',
      url: `/api/v1/sessions/${old.id}/plays`,
      token,
      payload: {},
    });
    expect(play.statusCode, 'a play of a copy downloaded before is still logged').toBe(204);
    const openapi = (await gw.request({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths['/api/v1/sessions/{id}/recording'].get.responses)).toContain('410');
    expect(Object.keys(openapi.paths['/api/v1/sessions/{id}/logs/text'].get.responses)).toContain('410');
  });

  test('a Prevent Purge set after the recording was listed as due still wins', async () => {
    const old = await recordedSession('c0000001', T0);
    now = T0 + 181 * DAY_MS;
    const endedBefore = now - 180 * DAY_MS;
    expect((await retention.due(180)).map((d) => d.id)).toEqual([old.id]);
    await gw.store.sessions.setPreventPurge(old.id, 'Set by an auditor meanwhile', operatorId, now);
    expect(await gw.store.sessions.claimPurges([old.id], endedBefore, now)).toEqual([]);
    expect((await retention.purge(RULE)).purged).toEqual([]);
    expect(existsSync(old.file)).toBe(true);
  });

  test('a delete that fails keeps the session marked, and the next run deletes it', async () => {
    const old = await recordedSession('d0000001', T0);
    await sharing.publishNow(old.id);
    // The share unmounted: a file where the folder was.
    renameSync(sharedFolder, `${sharedFolder}.away`);
    writeFileSync(sharedFolder, 'not mounted');
    now = T0 + 181 * DAY_MS;

    const failed = await retention.purge(RULE);
    expect(failed.purged.map((p) => p.id)).toEqual([old.id]);
    expect(failed.failures.map((f) => f.sessionId)).toEqual([old.id]);
    expect(logged.join('\n')).toContain(`could not delete the purged recording of session ${old.id}`);
    expect(await gw.count('sessions', 'recording_purge_pending = 1 AND id = ?', [old.id])).toBe(1);

    rmSync(sharedFolder);
    renameSync(`${sharedFolder}.away`, sharedFolder);
    now += 3_600_000;
    const retried = await retention.purge(RULE);
    expect(retried.purged).toEqual([]);
    expect(retried.retried).toEqual([old.id]);
    expect(await sharing.shared!.exists(old.hash)).toBe(false);
    expect(await gw.count('sessions', 'recording_purge_pending = 1')).toBe(0);
    expect(await filesPurgedEvents(old.id)).toHaveLength(1);
  });

  test('a node deletes its own copy of a recording another node purged', async () => {
    const old = await recordedSession('e0000001', T0);
    now = T0 + 181 * DAY_MS;
    const elsewhere = join(gw.dir, 'other-node');
    mkdirSync(join(elsewhere, 'recordings'), { recursive: true });
    expect((await retentionOf(elsewhere).purge(RULE)).purged.map((p) => p.id)).toEqual([old.id]);
    expect(existsSync(old.file), 'the other node cannot reach this disk').toBe(true);

    const here = await retention.purge(RULE);
    expect(here.strays).toEqual([old.hash]);
    for (const ext of ['vrec', 'manifest.json', 'manifest.sig'])
      expect(existsSync(sealFile(old.hash, ext))).toBe(false);
    expect(await filesPurgedEvents(old.id)).toHaveLength(1);
  });
});

/**
 * Nodes of a cluster share PostgreSQL. (Two SQLite connections in one process would share its one
 * thread and block each other on the file's write lock; purges in separate processes on both
 * engines are in retentionCli.test.ts.)
 */
describe.runIf(TEST_ENGINE === 'postgres')('several gateway nodes purging at once', () => {
  test('each recording is purged once, with one event, whichever node claims it', async () => {
    const ids = await gw.store.sessions.insertMany(
      Array.from({ length: 60 }, (_, n) => ({
        hash: `f${String(n).padStart(7, '0')}`,
        userId: operatorId,
        originIp: '10.0.0.1',
        credential: 'root',
        device: 'web-01',
        protocol: 'ssh' as const,
        proxy: 'SSH Proxy',
        status: 'finished' as const,
        startedAt: T0 - 60_000,
        endedAt: T0 + n,
        durationMs: 60_000 + n,
        recording: { path: `recordings/f${n}.vrec`, size: 1000 + n, sha256: 'ab'.repeat(32) },
      })),
    );
    // A second connection (a second pool on PostgreSQL) to the same database, as another node has.
    const other = await openGatewayStore({ url: gw.databaseUrl, sqlitePath: join(gw.dir, 'vigil.db') });
    try {
      const otherNode = new RetentionService(
        other,
        new PurgedFiles(other, gw.dir, recordingsDir(), null, clock),
        clock,
        (line) => logged.push(line),
      );
      now = T0 + 181 * DAY_MS;
      const [a, b] = await Promise.all([retention.purge(RULE), otherNode.purge(RULE)]);
      expect([a.purged.length, b.purged.length], 'both nodes took part').not.toContain(0);
      const claimed = [...a.purged, ...b.purged].map((p) => p.id).sort((x, y) => x - y);
      expect(claimed, 'every session claimed by exactly one node').toEqual(ids);
      const events = await gw.sql(
        `SELECT session_id, count(*) AS n FROM events WHERE type = 'Files purged' GROUP BY session_id`,
      );
      expect(events).toHaveLength(ids.length);
      expect(events.every((e) => Number(e.n) === 1)).toBe(true);
      expect(await gw.count('sessions', 'recording_purged_at IS NULL')).toBe(0);
    } finally {
      await other.close();
    }
  });
});
