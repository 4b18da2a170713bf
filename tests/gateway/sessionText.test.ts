import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SessionLogSearch, SessionLogs, SessionTextPage } from '../../src/shared/api';
import { RecordingWriter } from '../../src/recording';
import { SESSION_TEXT_VERSION, SessionTextService } from '../../src/gateway/services/sessionText';
import { finishedSession, liveSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { waitFor } from '../support/wait';

type Step = [t: number, output: string] | [t: number, resize: { cols: number; rows: number }];

/** A real recording whose events carry the given session times. */
async function writeRecording(path: string, steps: readonly Step[], cols = 80, rows = 24): Promise<void> {
  let now = 0;
  const writer = new RecordingWriter({
    path,
    sessionId: 'test',
    cols,
    rows,
    now: () => now,
    checkpoints: false,
  });
  for (const [t, x] of steps) {
    now = t;
    if (typeof x === 'string') writer.output(Buffer.from(x, 'utf8'));
    else writer.resize(x.cols, x.rows);
  }
  await writer.close();
}

let gw: TestGateway;
let admin: string;
let adminId: number;
let operatorId: number;
/** F: finished, recorded, audited by the scoped auditor; P: 450 lines; G: recorded, not audited by sami;
 * M: its file is missing; R: no recording at all; L: live. */
let ids: Record<'F' | 'P' | 'G' | 'M' | 'R' | 'L', number>;
const base = Date.parse('2025-07-01T08:00:00Z');

const F_STEPS: Step[] = [
  [500, 'Linux web-01\r\n$ '],
  [5_000, 'uptime\r\n'],
  [5_100, ' 08:00:05 up 3 days, load average: 0.10\r\n$ '],
  [65_000, 'df -h\r\n'],
  [65_200, '/dev/sda1  disk 100% full\r\n/dev/sda2  disk 1000 full\r\n$ '],
  [130_000, 'ls\r\n'],
  [130_100, 'my_file  myxfile  ERROR.log\r\n$ '],
  [200_000, 'echo Ação\r\nAÇÃO\r\n$ '],
];

beforeAll(async () => {
  gw = await createTestGateway();
  adminId = await gw.addUser('root.admin', 'System Administrator');
  await gw.addUser('ana', 'PAM Auditor');
  const scopedId = await gw.addUser('sami', 'PAM Auditor');
  for (const p of await gw.store.users.permissionsOf('PAM Auditor'))
    await gw.store.users.revoke('PAM Auditor', p);
  operatorId = await gw.addUser('olga', 'Operator');
  admin = await gw.login('root.admin');
  mkdirSync(join(gw.dir, 'recordings'), { recursive: true });
  const insert = (s: ReturnType<typeof finishedSession>, hash: string) =>
    gw.store.sessions.insert({ ...s, userId: operatorId, hash, startedAt: Number(s.startedAt) });
  const recorded = (at: number, name: string) =>
    finishedSession('olga', at, {
      recording: { path: `recordings/${name}.vrec`, size: 1, sha256: 'ab'.repeat(32) },
    });
  await writeRecording(join(gw.dir, 'recordings', 'f.vrec'), F_STEPS);
  const many: Step[] = Array.from({ length: 450 }, (_, i) => [i * 1_000, `row ${i}\r\n`]);
  await writeRecording(join(gw.dir, 'recordings', 'p.vrec'), many);
  await writeRecording(join(gw.dir, 'recordings', 'g.vrec'), [[0, 'g text\r\n']]);
  ids = {
    F: await insert(recorded(base, 'f'), 'hash-f'),
    P: await insert(recorded(base + 1_000_000, 'p'), 'hash-p'),
    G: await insert(recorded(base + 2_000_000, 'g'), 'hash-g'),
    M: await insert(recorded(base + 3_000_000, 'missing'), 'hash-m'),
    R: await insert(finishedSession('olga', base + 4_000_000, { recording: null }), 'hash-r'),
    L: await insert(liveSession('olga', base + 5_000_000), 'hash-l'),
  };
  await gw.store.auditors.replace(ids.F, [scopedId], adminId, base);
  await gw.store.sessionCommands.addMany([
    { sessionId: ids.F, at: base + 5_000, offsetMs: 5_000, command: 'uptime' },
    { sessionId: ids.F, at: base + 65_000, offsetMs: 65_000, command: 'df -h' },
    { sessionId: ids.F, at: base + 130_000, offsetMs: 130_000, command: 'ls' },
    { sessionId: ids.R, at: base + 4_001_000, offsetMs: 1_000, command: 'cat /etc/UPTIME-notes' },
  ]);
});

afterAll(async () => {
  await gw?.close();
});

const get = (url: string, token = admin) => gw.request({ method: 'GET', url, token });
const text = async (id: number, query = '', token = admin) => {
  const res = await get(`/api/v1/sessions/${id}/logs/text${query}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SessionTextPage;
};
const search = async (id: number, q: string, extra = '', token = admin) => {
  const res = await get(`/api/v1/sessions/${id}/logs/search?q=${encodeURIComponent(q)}${extra}`, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SessionLogSearch;
};
const countEvents = async (type: 'Log viewer' | 'Log viewer (attempted)', sessionId?: number) =>
  (await gw.store.events.list({ type, ...(sessionId === undefined ? {} : { sessionId }) }, 0, 1)).total;

describe('the session text', () => {
  test('lines as a person read them, each with its session time and minute', async () => {
    const page = await text(ids.F);
    expect(page.status).toBe('ready');
    expect(page.message).toBeNull();
    expect(page.items.map((l) => l.text)).toEqual([
      'Linux web-01',
      '$ uptime',
      ' 08:00:05 up 3 days, load average: 0.10',
      '$ df -h',
      '/dev/sda1  disk 100% full',
      '/dev/sda2  disk 1000 full',
      '$ ls',
      'my_file  myxfile  ERROR.log',
      '$ echo Ação',
      'AÇÃO',
      '$',
    ]);
    expect(page.total).toBe(11);
    expect(page.items.map((l) => l.n)).toEqual([...Array(11).keys()]);
    expect(page.items[1]).toEqual({ n: 1, offsetMs: 5_000, minute: 0, text: '$ uptime' });
    expect(page.items[4]).toEqual({ n: 4, offsetMs: 65_200, minute: 1, text: '/dev/sda1  disk 100% full' });
    expect(page.items[7]?.minute).toBe(2);
  });

  test('GET …/logs holds the first page', async () => {
    const res = await get(`/api/v1/sessions/${ids.P}/logs`);
    expect(res.statusCode, res.body).toBe(200);
    const logs = res.json() as SessionLogs;
    expect(logs.text.status).toBe('ready');
    expect(logs.text.total).toBe(450);
    expect(logs.text.offset).toBe(0);
    expect(logs.text.items).toHaveLength(200);
    expect(logs.text.items[199]).toEqual({ n: 199, offsetMs: 199_000, minute: 3, text: 'row 199' });
  });

  test('paging: the last partial page, past the end, and the largest page', async () => {
    const last = await text(ids.P, '?offset=400&limit=200');
    expect(last.items.map((l) => l.n)).toEqual(Array.from({ length: 50 }, (_, i) => 400 + i));
    expect(last.items.at(-1)?.text).toBe('row 449');
    expect(last.total).toBe(450);
    const exact = await text(ids.P, '?offset=449&limit=1');
    expect(exact.items.map((l) => l.text)).toEqual(['row 449']);
    const past = await text(ids.P, '?offset=450');
    expect(past).toEqual({ status: 'ready', message: null, total: 450, offset: 450, items: [] });
    const all = await text(ids.P, '?limit=1000');
    expect(all.items).toHaveLength(450);
    const defaults = await text(ids.P);
    expect(defaults.items).toHaveLength(200);
  });

  test('bad paging is a 400', async () => {
    for (const q of ['?offset=-1', '?limit=0', '?limit=1001', '?offset=abc', '?other=1']) {
      const res = await get(`/api/v1/sessions/${ids.P}/logs/text${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().error.code).toBeTypeOf('string');
    }
  });

  test('no readable recording: unavailable, with why', async () => {
    const missing = await text(ids.M);
    expect(missing).toEqual({
      status: 'unavailable',
      message: 'The recording file is missing',
      total: 0,
      offset: 0,
      items: [],
    });
    const none = await text(ids.R);
    expect(none.status).toBe('unavailable');
    expect(none.message).toBe('This session has no recording');
  });

  test('a file that is not a recording: unavailable, with why', async () => {
    writeFileSync(join(gw.dir, 'recordings', 'junk.vrec'), 'not a recording at all');
    const id = await gw.store.sessions.insert({
      ...finishedSession('olga', base + 8_000_000, {
        recording: { path: 'recordings/junk.vrec', size: 1, sha256: 'ab'.repeat(32) },
      }),
      userId: operatorId,
      hash: 'hash-junk',
      startedAt: base + 8_000_000,
    });
    const page = await text(id);
    expect(page.status).toBe('unavailable');
    expect(page.message).toMatch(/^The recording could not be read: .*not a Vigil recording/);
  });

  test('closing stops a build and leaves nothing half built', async () => {
    const many: Step[] = Array.from({ length: 20_000 }, (_, i) => [i, `${'w'.repeat(60)} ${i}\r\n`]);
    await writeRecording(join(gw.dir, 'recordings', 'big.vrec'), many);
    const id = await gw.store.sessions.insert({
      ...finishedSession('olga', base + 9_000_000, {
        recording: { path: 'recordings/big.vrec', size: 1, sha256: 'ab'.repeat(32) },
      }),
      userId: operatorId,
      hash: 'hash-big',
      startedAt: base + 9_000_000,
    });
    const service = new SessionTextService(gw.services.store, gw.dir, Date.now);
    const build = service.ensure(id);
    await service.close();
    await expect(build).rejects.toThrow(/cancelled/);
    expect(await gw.count('session_log_lines', 'session_id = ?', [id])).toBe(0);
    expect(await gw.store.sessionText.state(id)).toBeNull();
    // The gateway's own service builds it in full.
    expect((await text(id, '?offset=19999')).items.map((l) => l.text)).toEqual([`${'w'.repeat(60)} 19999`]);
  });

  test('built once: later requests read the stored text', async () => {
    const built = async () =>
      (await gw.sql('SELECT built_at, version FROM session_logs_built WHERE session_id = ?', [ids.F]))[0];
    await text(ids.F);
    const first = await built();
    expect(first?.version).toBe(SESSION_TEXT_VERSION);
    // A different row count would show a rebuild: mark a line, it must survive the next read.
    await gw.sql("UPDATE session_log_lines SET text = 'kept' WHERE session_id = ? AND n = 0", [ids.F]);
    expect((await text(ids.F)).items[0]?.text).toBe('kept');
    expect(await built()).toEqual(first);
    await gw.sql("UPDATE session_log_lines SET text = 'Linux web-01' WHERE session_id = ? AND n = 0", [
      ids.F,
    ]);
  });

  test('text built by an older extractor is rebuilt', async () => {
    await text(ids.G);
    await gw.sql("UPDATE session_log_lines SET text = 'stale' WHERE session_id = ?", [ids.G]);
    await gw.sql('UPDATE session_logs_built SET version = version - 1 WHERE session_id = ?', [ids.G]);
    expect((await text(ids.G)).items.map((l) => l.text)).toEqual(['g text']);
  });

  test('concurrent first requests share one build', async () => {
    const id = await gw.store.sessions.insert({
      ...finishedSession('olga', base + 6_000_000, {
        recording: { path: 'recordings/p.vrec', size: 1, sha256: 'ab'.repeat(32) },
      }),
      userId: operatorId,
      hash: 'hash-c',
      startedAt: base + 6_000_000,
    });
    const pages = await Promise.all([1, 2, 3, 4].map(() => text(id, '?offset=440')));
    for (const page of pages) expect(page.items.map((l) => l.text).at(-1)).toBe('row 449');
    expect(await gw.count('session_log_lines', 'session_id = ?', [id])).toBe(450);
  });

  test('a session that finishes is built without anyone asking', async () => {
    const id = await gw.store.sessions.insert({
      ...finishedSession('olga', base + 7_000_000, {
        recording: { path: 'recordings/g.vrec', size: 1, sha256: 'ab'.repeat(32) },
      }),
      userId: operatorId,
      hash: 'hash-n',
      startedAt: base + 7_000_000,
    });
    const built = async () =>
      (await gw.sql('SELECT status FROM session_logs_built WHERE session_id = ?', [id]))[0];
    expect(await built()).toBeUndefined();
    gw.liveHub.notify(id, 'finished');
    await waitFor(async () => (await built()) !== undefined, 'the text of the finished session to be built');
    expect(await built()).toEqual({ status: 'ready' });
  });
});

describe('searching the logs', () => {
  test('case-insensitive, over typed commands and text lines, in session order', async () => {
    const result = await search(ids.F, 'UPTIME');
    expect(result.q).toBe('UPTIME');
    expect(result.total).toBe(2);
    expect(result.items).toEqual([
      { kind: 'command', n: 0, offsetMs: 5_000, minute: 0, text: 'uptime' },
      { kind: 'line', n: 1, offsetMs: 5_000, minute: 0, text: '$ uptime' },
    ]);
    const lower = await search(ids.F, 'error.LOG');
    expect(lower.items).toEqual([
      { kind: 'line', n: 7, offsetMs: 130_100, minute: 2, text: 'my_file  myxfile  ERROR.log' },
    ]);
  });

  test('letters beyond ASCII fold too', async () => {
    const result = await search(ids.F, 'açã');
    expect(result.items.map((h) => h.text)).toEqual(['$ echo Ação', 'AÇÃO']);
  });

  test('% and _ are plain characters, not patterns', async () => {
    expect((await search(ids.F, '100%')).items.map((h) => h.text)).toEqual(['/dev/sda1  disk 100% full']);
    expect((await search(ids.F, 'my_f')).items.map((h) => h.text)).toEqual(['my_file  myxfile  ERROR.log']);
    expect((await search(ids.F, '%')).total).toBe(1);
    expect((await search(ids.F, '_')).total).toBe(1);
  });

  test('limit keeps the first hits; total counts them all', async () => {
    const all = await search(ids.P, 'row 4');
    // row 4, row 40-49, row 400-449
    expect(all.total).toBe(1 + 10 + 50);
    const few = await search(ids.P, 'row 4', '&limit=3');
    expect(few.total).toBe(61);
    expect(few.items.map((h) => h.text)).toEqual(['row 4', 'row 40', 'row 41']);
    expect(few.items.map((h) => h.offsetMs)).toEqual([4_000, 40_000, 41_000]);
    const mixed = await search(ids.F, 'df', '&limit=1');
    expect(mixed.total).toBe(2);
    expect(mixed.items).toEqual([{ kind: 'command', n: 1, offsetMs: 65_000, minute: 1, text: 'df -h' }]);
  });

  test('no hit', async () => {
    expect(await search(ids.F, 'no-such-text')).toEqual({ q: 'no-such-text', total: 0, items: [] });
  });

  test('without a readable recording the commands are still searched', async () => {
    const result = await search(ids.R, 'uptime');
    expect(result.items).toEqual([
      { kind: 'command', n: 0, offsetMs: 1_000, minute: 0, text: 'cat /etc/UPTIME-notes' },
    ]);
  });

  test('a bad query is a 400', async () => {
    for (const q of ['', '?q=', `?q=${'x'.repeat(201)}`, '?q=a&limit=0', '?q=a&limit=1001']) {
      const res = await get(`/api/v1/sessions/${ids.F}/logs/search${q}`);
      expect(res.statusCode, q).toBe(400);
    }
  });
});

describe('refusals and what gets logged', () => {
  const routes = (id: number) => [
    `/api/v1/sessions/${id}/logs/text`,
    `/api/v1/sessions/${id}/logs/search?q=x`,
  ];

  test('an unknown session is a 404; a live one a 409', async () => {
    for (const url of routes(999_999)) expect((await get(url)).statusCode).toBe(404);
    for (const url of routes(ids.L)) {
      const res = await get(url);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('INVALID_STATE');
    }
  });

  test('reading text and search pages logs no "Log viewer" event; GET …/logs does', async () => {
    const before = await countEvents('Log viewer', ids.F);
    await text(ids.F);
    await search(ids.F, 'ls');
    expect(await countEvents('Log viewer', ids.F)).toBe(before);
    expect((await get(`/api/v1/sessions/${ids.F}/logs`)).statusCode).toBe(200);
    expect(await countEvents('Log viewer', ids.F)).toBe(before + 1);
  });

  test('an Operator is refused, and each refusal is a "Log viewer (attempted)" event', async () => {
    const olga = await gw.login('olga');
    for (const url of [`/api/v1/sessions/${ids.F}/logs`, ...routes(ids.F)]) {
      const before = await countEvents('Log viewer (attempted)', ids.F);
      const res = await get(url, olga);
      expect(res.statusCode, url).toBe(403);
      expect(await countEvents('Log viewer (attempted)', ids.F), url).toBe(before + 1);
    }
  });

  test('an auditor without the Logs permission is refused (and it is logged)', async () => {
    const ana = await gw.login('ana');
    await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Livestream');
    try {
      for (const url of routes(ids.G)) {
        const before = await countEvents('Log viewer (attempted)', ids.G);
        const res = await get(url, ana);
        expect(res.statusCode, url).toBe(403);
        expect(res.json().error.message).toMatch(/Missing permission PAM.SessionManagement.Logs/);
        expect(await countEvents('Log viewer (attempted)', ids.G)).toBe(before + 1);
      }
    } finally {
      await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Livestream');
    }
  });

  test('an auditor with the Logs permission reads any finished session', async () => {
    const ana = await gw.login('ana');
    await gw.store.users.grant('PAM Auditor', 'PAM.SessionManagement.Logs');
    try {
      expect((await text(ids.G, '', ana)).items.map((l) => l.text)).toEqual(['g text']);
      expect((await search(ids.G, 'g', '', ana)).total).toBe(1);
    } finally {
      await gw.store.users.revoke('PAM Auditor', 'PAM.SessionManagement.Logs');
    }
  });

  test("a scoped auditor reads the session they audit, not another's", async () => {
    const sami = await gw.login('sami');
    expect((await text(ids.F, '', sami)).total).toBe(11);
    expect((await search(ids.F, 'uptime', '', sami)).total).toBe(2);
    const before = await countEvents('Log viewer (attempted)');
    for (const url of routes(ids.G)) expect((await get(url, sami)).statusCode).toBe(404);
    expect(await countEvents('Log viewer (attempted)')).toBe(before);
  });

  test('anonymous callers get a 401', async () => {
    for (const url of routes(ids.F)) expect((await gw.request({ method: 'GET', url })).statusCode).toBe(401);
  });
});
