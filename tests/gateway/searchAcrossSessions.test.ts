import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SearchResult } from '../../src/shared/search';
import { foldWord, searchWords, snippetOf } from '../../src/shared/searchTokens';
import { SESSION_TEXT_VERSION } from '../../src/gateway/services/sessionText';
import { SearchIndexer } from '../../src/gateway/services/searchIndexer';
import type { Protocol } from '../../src/gateway/db/sessionTypes';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { intBelow, prng } from '../support/prng';
import { sshdSkipReason } from '../support/sshd';
import { useOperatorTestbed } from '../support/sshOperatorSuite';
import { openShell } from './sshTestbed';

/** Words with their case and accent variants, so folding decides the matches. */
const VOCABULARY = [
  ['root', 'ROOT', 'Root'],
  ['ação', 'ACAO', 'Acao', 'açao'],
  ['café', 'CAFE', 'cafe'],
  ['nginx'],
  ['restart', 'Restart'],
  ['error', 'ERROR'],
  ['log'],
  ['tmp'],
  ['ls'],
  ['x86'],
  ['64'],
  ['überprüfung', 'UBERPRUFUNG'],
  ['grep'],
  ['etc'],
  ['rest'],
] as const;
const SEPARATORS = [' ', '  ', '/', '-', ':', '_', '.', ' | ', '=', ', '];
const LOGINS = ['olga', 'otto', 'oscar'];
const DEVICES = ['web-001', 'db-main', 'web-002', 'cache'];
const CREDENTIALS = ['root', 'deploy', 'postgres'];
const BASE = Date.parse('2025-03-01T00:00:00Z');

interface Row {
  kind: 'command' | 'text';
  n: number;
  atMs: number;
  text: string;
}

interface ModelSession {
  id: number;
  login: string;
  device: string;
  credential: string;
  protocol: Protocol;
  startedAt: number;
  status: 'live' | 'finished';
  commands: Row[];
  /** Built text lines; null when the session has no text (live, or not built). */
  lines: Row[] | null;
}

let gw: TestGateway;
let admin: string;
let scoped: string;
let scopedId: number;
let operator: string;
const model: ModelSession[] = [];
const audited = new Set<number>();

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[intBelow(random, items.length)]!;
}

function randomText(random: () => number, maxWords: number): string {
  const count = 1 + intBelow(random, maxWords);
  let text = random() < 0.2 ? '$ ' : '';
  for (let i = 0; i < count; i++) {
    if (i > 0) text += pick(random, SEPARATORS);
    text += pick(random, pick(random, VOCABULARY));
  }
  return text;
}

/** What search must answer, computed by reading every text of the model. */
function bruteForce(
  q: string,
  filter: {
    user?: string;
    device?: string;
    credential?: string;
    protocol?: Protocol;
    from?: number;
    to?: number;
  },
  visibleTo: 'all' | 'audited',
  page: number,
  pageSize: number,
): SearchResult {
  const words = searchWords(q);
  const has = (value: string, part: string | undefined) =>
    part === undefined || value.toLowerCase().includes(part.toLowerCase());
  const sessions = model
    .filter(
      (s) =>
        (visibleTo === 'all' || audited.has(s.id)) &&
        has(s.login, filter.user) &&
        has(s.device, filter.device) &&
        has(s.credential, filter.credential) &&
        (filter.protocol === undefined || s.protocol === filter.protocol) &&
        (filter.from === undefined || s.startedAt >= filter.from) &&
        (filter.to === undefined || s.startedAt <= filter.to),
    )
    .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id);
  const hits = sessions.flatMap((s) =>
    [...s.commands, ...(s.lines ?? [])]
      .filter((row) => {
        const found = new Set([...row.text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)].map((m) => foldWord(m[0])));
        return words.every((w) => found.has(w));
      })
      .sort((a, b) => a.atMs - b.atMs || (a.kind === b.kind ? a.n - b.n : a.kind === 'command' ? -1 : 1))
      .map((row) => ({ session: s, row })),
  );
  const items = hits.slice((page - 1) * pageSize, page * pageSize).map(({ session, row }) => ({
    sessionId: session.id,
    atMs: row.atMs,
    kind: row.kind,
    ...snippetOf(row.text, words),
    line: row.kind === 'text' ? row.n : null,
    session: {
      login: session.login,
      name: `${session.login} name`,
      device: session.device,
      credential: session.credential,
      protocol: session.protocol,
      startedAt: new Date(session.startedAt).toISOString(),
      status: session.status,
    },
  }));
  return { items: items as SearchResult['items'], total: hits.length, page, pageSize };
}

async function search(token: string, query: Record<string, string | number | undefined>) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return gw.request({ method: 'GET', url: `/api/v1/search?${params.toString()}`, token });
}

/** Random queries with random filters and pages; each answer must equal the brute-force scan. */
async function compareRandomQueries(
  seed: number,
  count: number,
  token: string,
  visibleTo: 'all' | 'audited',
) {
  const random = prng(seed);
  let nonEmpty = 0;
  for (let i = 0; i < count; i++) {
    const q = randomText(random, 2);
    const filter = {
      user: random() < 0.25 ? pick(random, ['ol', 'OTTO', 'o']) : undefined,
      device: random() < 0.25 ? pick(random, ['web', 'DB-', 'cache']) : undefined,
      credential: random() < 0.2 ? pick(random, CREDENTIALS) : undefined,
      protocol: random() < 0.2 ? pick(random, ['ssh', 'rdp'] as const) : undefined,
      from: random() < 0.25 ? BASE + intBelow(random, 20) * 3_600_000 : undefined,
      to: random() < 0.25 ? BASE + (20 + intBelow(random, 20)) * 3_600_000 : undefined,
    };
    const page = 1 + intBelow(random, 3);
    const pageSize = 1 + intBelow(random, 8);
    const res = await search(token, {
      q,
      ...filter,
      from: filter.from === undefined ? undefined : new Date(filter.from).toISOString(),
      to: filter.to === undefined ? undefined : new Date(filter.to).toISOString(),
      page,
      pageSize,
    });
    expect(res.statusCode, res.body).toBe(200);
    const expected = bruteForce(q, filter, visibleTo, page, pageSize);
    expect(res.json(), `query ${i} of seed ${seed}: ${q} ${JSON.stringify(filter)}`).toEqual(expected);
    if (expected.items.length > 0) nonEmpty++;
  }
  // The queries must find things, or the comparison proves nothing.
  expect(nonEmpty).toBeGreaterThan(count / 3);
}

beforeAll(async () => {
  gw = await createTestGateway();
  const adminId = await gw.addUser('root.admin', 'System Administrator');
  scopedId = await gw.addUser('sami', 'PAM Auditor');
  for (const p of await gw.store.users.permissionsOf('PAM Auditor'))
    await gw.store.users.revoke('PAM Auditor', p);
  const userIds: Record<string, number> = {};
  for (const login of LOGINS) userIds[login] = await gw.addUser(login, 'Operator');
  admin = await gw.login('root.admin');
  scoped = await gw.login('sami');
  operator = await gw.login('olga');

  const random = prng(20250301);
  for (let i = 0; i < 36; i++) {
    const login = pick(random, LOGINS);
    const startedAt = BASE + intBelow(random, 40) * 3_600_000;
    const live = i % 5 === 0;
    const session = {
      login,
      device: pick(random, DEVICES),
      credential: pick(random, CREDENTIALS),
      protocol: (random() < 0.7 ? 'ssh' : 'rdp') as Protocol,
      startedAt,
      status: (live ? 'live' : 'finished') as 'live' | 'finished',
    };
    const id = await gw.store.sessions.insert({
      hash: `search-${i}`,
      userId: userIds[login]!,
      originIp: '10.0.0.1',
      credential: session.credential,
      device: session.device,
      protocol: session.protocol,
      proxy: 'SSH Proxy',
      status: session.status,
      startedAt,
      endedAt: live ? null : startedAt + 600_000,
      durationMs: live ? null : 600_000,
      recording: null,
    });
    // A command's place decides its order at equal times: some share a time with lines.
    const commands: Row[] = Array.from({ length: intBelow(random, 6) }, (_, n) => ({
      kind: 'command' as const,
      n,
      atMs: n * 10_000 + intBelow(random, 3) * 1_000,
      text:
        random() < 0.1
          ? `${randomText(random, 3)} ${'x'.repeat(300)} ${randomText(random, 2)}`
          : randomText(random, 4),
    }));
    await gw.store.sessionCommands.addMany(
      commands.map((c) => ({ sessionId: id, at: startedAt + c.atMs, offsetMs: c.atMs, command: c.text })),
    );
    let lines: Row[] | null = null;
    if (!live && random() < 0.8) {
      lines = Array.from({ length: intBelow(random, 25) }, (_, n) => ({
        kind: 'text' as const,
        n,
        atMs: intBelow(random, 60) * 1_000,
        text:
          random() < 0.05
            ? `${'-'.repeat(200)} ${randomText(random, 3)} ${'='.repeat(100)}`
            : random() < 0.1
              ? ''
              : randomText(random, 6),
      }));
      await gw.store.sessionText.appendLines(
        id,
        0,
        lines.map((l) => ({ offsetMs: l.atMs, text: l.text })),
      );
      await gw.store.sessionText.markBuilt(
        id,
        { status: 'ready', lines: lines.length, message: null, version: SESSION_TEXT_VERSION },
        BASE,
      );
    }
    model.push({ id, ...session, commands, lines });
    if (random() < 0.35) audited.add(id);
  }
  for (const id of audited) await gw.store.auditors.replace(id, [scopedId], adminId, BASE);
  await gw.services.searchIndexer.flush();
});

afterAll(async () => {
  await gw?.close();
});

describe('search across sessions', () => {
  test('answers equal a scan of every command and line, with filters and pages', async () => {
    await compareRandomQueries(1, 120, admin, 'all');
  });

  test('a word matches whole, ignoring case and accents, and is highlighted where it stands', async () => {
    const res = await search(admin, { q: 'ACAO', pageSize: 100 });
    const body = res.json() as SearchResult;
    expect(body.total).toBeGreaterThan(0);
    for (const hit of body.items) {
      expect(hit.highlights.length).toBeGreaterThan(0);
      for (const h of hit.highlights)
        expect(foldWord(hit.snippet.slice(h.start, h.start + h.length))).toBe('acao');
    }
    // `rest` is a word of its own, never the start of `restart`.
    const rest = (await search(admin, { q: 'rest', pageSize: 100 })).json() as SearchResult;
    for (const hit of rest.items)
      expect(
        hit.highlights.every((h) => hit.snippet.slice(h.start, h.start + h.length).toLowerCase() === 'rest'),
      ).toBe(true);
  });

  test('long commands and lines come back cut around the match', async () => {
    const long = model.flatMap((s) => [...s.commands, ...(s.lines ?? [])]).find((r) => r.text.length > 240)!;
    const q = searchWords(long.text)[0]!;
    const body = (await search(admin, { q, pageSize: 100 })).json() as SearchResult;
    const cut = body.items.filter((h) => h.snippet.includes('…'));
    expect(cut.length).toBeGreaterThan(0);
    for (const hit of cut) expect(hit.snippet.length).toBeLessThanOrEqual(242);
  });

  test('a query without words is refused with 400, a bad range too', async () => {
    const res = await search(admin, { q: ' -- !! ' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'NO_SEARCH_WORDS' } });
    const range = await search(admin, {
      q: 'root',
      from: '2025-03-02T00:00:00Z',
      to: '2025-03-01T00:00:00Z',
    });
    expect(range.statusCode).toBe(400);
  });

  test('a scoped auditor finds only the sessions they audit; an operator is refused', async () => {
    await compareRandomQueries(2, 40, scoped, 'audited');
    const all = (await search(scoped, { q: 'root', pageSize: 100 })).json() as SearchResult;
    expect(all.items.every((h) => audited.has(h.sessionId))).toBe(true);
    expect((await search(operator, { q: 'root' })).statusCode).toBe(403);
    expect((await search('', { q: 'root' })).statusCode).toBe(401);
  });

  test('commands typed later are indexed shortly after they are written', async () => {
    const session = model.find((s) => s.status === 'live')!;
    const n = session.commands.length;
    const row: Row = { kind: 'command', n, atMs: 900_000, text: 'systemctl restart zebrafish' };
    await gw.store.sessionCommands.addMany([
      { sessionId: session.id, at: session.startedAt + row.atMs, offsetMs: row.atMs, command: row.text },
    ]);
    session.commands.push(row);
    await expect
      .poll(async () => ((await search(admin, { q: 'zebrafish' })).json() as SearchResult).total, {
        timeout: 10_000,
      })
      .toBe(1);
  });

  test('text removed by retention leaves the index; text rebuilt by a newer extractor replaces it', async () => {
    const [removed, rebuilt] = model.filter((s) => s.lines !== null && s.lines.length > 3);
    while (await gw.store.sessionText.removeSome(removed!.id));
    await gw.store.sessionText.markBuilt(
      removed!.id,
      { status: 'unavailable', lines: 0, message: 'purged', version: SESSION_TEXT_VERSION },
      BASE,
    );
    removed!.lines = null;
    while (await gw.store.sessionText.removeSome(rebuilt!.id));
    const lines: Row[] = [
      { kind: 'text', n: 0, atMs: 5, text: 'quokka rebuilt' },
      { kind: 'text', n: 1, atMs: 7, text: 'root café' },
    ];
    await gw.store.sessionText.appendLines(
      rebuilt!.id,
      0,
      lines.map((l) => ({ offsetMs: l.atMs, text: l.text })),
    );
    await gw.store.sessionText.markBuilt(
      rebuilt!.id,
      { status: 'ready', lines: 2, message: null, version: SESSION_TEXT_VERSION + 1 },
      BASE,
    );
    rebuilt!.lines = lines;
    await gw.services.searchIndexer.flush();
    expect(((await search(admin, { q: 'quokka' })).json() as SearchResult).total).toBe(1);
    await compareRandomQueries(3, 40, admin, 'all');
  });

  test('a text half indexed when the gateway stopped is finished from where it stopped, never twice', async () => {
    await gw.services.searchIndexer.close();
    const random = prng(77);
    const startedAt = BASE + 50 * 3_600_000;
    const session = {
      login: 'otto',
      device: 'web-009',
      credential: 'root',
      protocol: 'ssh' as Protocol,
      startedAt,
      status: 'finished' as const,
    };
    const id = await gw.store.sessions.insert({
      hash: 'search-half',
      userId: (await gw.store.users.findByLogin('otto'))!.id,
      originIp: '10.0.0.1',
      credential: session.credential,
      device: session.device,
      protocol: session.protocol,
      proxy: 'SSH Proxy',
      status: 'finished',
      startedAt,
      endedAt: startedAt + 1_000,
      durationMs: 1_000,
      recording: null,
    });
    const lines: Row[] = Array.from({ length: 30 }, (_, n) => ({
      kind: 'text' as const,
      n,
      atMs: n * 100,
      text: randomText(random, 5),
    }));
    await gw.store.sessionText.appendLines(
      id,
      0,
      lines.map((l) => ({ offsetMs: l.atMs, text: l.text })),
    );
    await gw.store.sessionText.markBuilt(
      id,
      { status: 'ready', lines: lines.length, message: null, version: SESSION_TEXT_VERSION },
      BASE,
    );
    model.push({ id, ...session, commands: [], lines });
    // An indexer stopped after its first batch: the mark says which lines are in.
    expect(await gw.store.searchIndex.addTextLines(id, 0, 12)).toBe(12);
    expect(await gw.store.searchIndex.addTextLines(id, 0, 12)).toBe(-1);
    const restarted = new SearchIndexer(gw.store, (message) => {
      throw new Error(message);
    });
    await restarted.flush();
    await restarted.close();
    expect(await gw.store.searchIndex.textMark(id)).toEqual({ version: SESSION_TEXT_VERSION, lines: 30 });
    await compareRandomQueries(5, 40, admin, 'all');
  });

  test('after a crash that lost the index, a new indexer catches up to the same answers', async () => {
    await gw.services.searchIndexer.close();
    const before = await Promise.all(
      ['root', 'cafe ls', 'error log', 'x86 64'].map(async (q) =>
        (await search(admin, { q, pageSize: 50 })).json(),
      ),
    );
    if (gw.engine === 'sqlite') await gw.sql("INSERT INTO search_index (search_index) VALUES ('delete-all')");
    else await gw.sql('DELETE FROM search_entries');
    await gw.sql('DELETE FROM search_marks');
    await gw.sql("DELETE FROM meta WHERE key = 'search_commands_indexed'");
    expect(((await search(admin, { q: 'root' })).json() as SearchResult).total).toBe(0);
    const restarted = new SearchIndexer(gw.store, (message) => {
      throw new Error(message);
    });
    await restarted.flush();
    await restarted.close();
    const after = await Promise.all(
      ['root', 'cafe ls', 'error log', 'x86 64'].map(async (q) =>
        (await search(admin, { q, pageSize: 50 })).json(),
      ),
    );
    expect(after).toEqual(before);
    await compareRandomQueries(4, 40, admin, 'all');
  });
});

const noSshd = sshdSkipReason();

describe.skipIf(noSshd !== null)(
  `search in a real SSH session${noSshd ? ` (skipped: ${noSshd})` : ''}`,
  () => {
    const ssh = useOperatorTestbed();

    const find = async (q: string) => {
      const res = await ssh.tb.gateway.app.inject({
        method: 'GET',
        url: `/api/v1/search?q=${encodeURIComponent(q)}`,
        headers: { authorization: `Bearer ${ssh.token}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as SearchResult;
    };

    test('a typed command is found while the session is live, its output once the text is built', async () => {
      const client = await ssh.connect();
      const shell = await openShell(client, { cols: 100, rows: 30 });
      shell.send('echo Kingfisher-$((6*7))\r');
      await shell.waitFor('Kingfisher-42');
      await expect
        .poll(async () => (await find('kingfisher')).items.map((h) => h.kind), { timeout: 15_000 })
        .toEqual(['command']);
      const [command] = (await find('KINGFISHER')).items;
      expect(command).toMatchObject({
        snippet: 'echo Kingfisher-$((6*7))',
        line: null,
        session: { login: 'olga', status: 'live' },
      });
      shell.send('exit\r');
      await shell.closed;
      client.end();
      // The output line `Kingfisher-42` holds both words; the command holds `kingfisher` and 6, 7.
      await expect
        .poll(async () => (await find('kingfisher 42')).items.map((h) => h.kind), { timeout: 20_000 })
        .toContain('text');
    });
  },
);
