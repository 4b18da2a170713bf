import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seededRandom, seedSessions } from '../support/seed';
import type { SessionFilter } from '../../src/gateway/db/sessionFilters';
import { openStore, type Store } from '../../src/gateway/db/store';
import { csvStream } from '../../src/gateway/services/csv';
import { sqliteAsyncStore } from '../../src/gateway/db/sqliteAsyncStore';

/**
 * The planner chooses between several indexes per query; whatever it picks, results must equal a
 * brute-force filter-and-sort over all rows. Random filter mixes cover every path.
 */
interface Row {
  id: number;
  hash: string;
  user_login: string;
  credential: string;
  device: string;
  origin_ip: string;
  protocol: string;
  proxy: string;
  status: string;
  started_at: number;
  reason: string | null;
  prevent_purge_justification: string | null;
}

const DAY = 86_400_000;
const NOW = Date.parse('2025-06-01T00:00:00Z');
const startsWith = (value: string | null, prefix: string) =>
  value !== null && value.toLowerCase().startsWith(prefix.toLowerCase());
const contains = (value: string | null, part: string) =>
  value !== null && value.toLowerCase().includes(part.toLowerCase());
/** Reasons and justifications: any part of three characters or more; shorter text, their start. */
const matchesQ = (value: string | null, q: string) =>
  q.length >= 3 ? contains(value, q) : startsWith(value, q);

function reference(rows: Row[], f: SessionFilter): Row[] {
  return rows
    .filter(
      (r) =>
        (f.id === undefined || r.id === f.id) &&
        (f.hash === undefined || startsWith(r.hash, f.hash)) &&
        (f.user === undefined || contains(r.user_login, f.user)) &&
        (f.credential === undefined || contains(r.credential, f.credential)) &&
        (f.device === undefined || contains(r.device, f.device)) &&
        (f.originIp === undefined || contains(r.origin_ip, f.originIp)) &&
        (f.protocol === undefined || r.protocol === f.protocol) &&
        (f.proxy === undefined || contains(r.proxy, f.proxy)) &&
        (f.status === undefined || r.status === f.status) &&
        (f.from === undefined || r.started_at >= f.from) &&
        (f.to === undefined || r.started_at <= f.to) &&
        (f.q === undefined || matchesQ(r.reason, f.q) || matchesQ(r.prevent_purge_justification, f.q)),
    )
    .sort((a, b) => b.started_at - a.started_at || b.id - a.id);
}

let dir: string;
let store: Store;
let rows: Row[];
let viewer: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-search-'));
  store = openStore(join(dir, 'vigil.db'));
  seedSessions(store.db, 6000, seededRandom(7), { from: NOW - 120 * DAY, to: NOW, users: 12, devices: 30 });
  // Same start time on several rows: ties must still order by id, across pages.
  const same = NOW - 10 * DAY;
  store.db.prepare('UPDATE sessions SET started_at = ? WHERE id % 97 = 0').run(same);
  viewer = store.users.list()[0]!.id;
  const justify = store.db.prepare(
    'UPDATE sessions SET prevent_purge_justification = ?, prevent_purge_by = ?, prevent_purge_at = ? WHERE id = ?',
  );
  for (let id = 5; id < 6000; id += 211)
    justify.run(id % 2 === 0 ? 'CHG-777 legal hold' : 'Audit 2025 evidence', viewer, NOW, id);
  // Wildcards in data must be matched literally.
  store.db.prepare("UPDATE sessions SET device = 'db_%-01' WHERE id IN (10, 20, 30)").run();
  rows = store.db
    .prepare(
      `SELECT id, hash, user_login, credential, device, origin_ip, protocol, proxy, status, started_at, reason,
        prevent_purge_justification FROM sessions`,
    )
    .all() as Row[];
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function check(filter: SessionFilter, pageSize = 30) {
  const expected = reference(rows, filter);
  const pages = [
    1,
    2,
    Math.max(1, Math.ceil(expected.length / pageSize)),
    Math.ceil(expected.length / pageSize) + 1,
  ];
  for (const page of pages) {
    const offset = (page - 1) * pageSize;
    const { total, items } = store.sessions.list(filter, { kind: 'all' }, viewer, offset, pageSize);
    expect(total, JSON.stringify(filter)).toBe(expected.length);
    expect(
      items.map((s) => s.id),
      `${JSON.stringify(filter)} page ${page}`,
    ).toEqual(expected.slice(offset, offset + pageSize).map((r) => r.id));
  }
}

describe('session search matches a brute-force reference', () => {
  test('each filter alone', () => {
    const r = rows[1234]!;
    const filters: SessionFilter[] = [
      {},
      { id: r.id },
      { id: 999_999 },
      { hash: r.hash.slice(0, 3) },
      { hash: r.hash.slice(0, 1).toUpperCase() },
      { user: r.user_login },
      { user: r.user_login.slice(0, 1).toUpperCase() },
      { credential: 'root' },
      { credential: 'CORP\\' },
      { device: 'web' },
      { device: 'db_%' },
      { device: 'DB_' },
      { originIp: '10.' },
      { originIp: '192.168.1' },
      { protocol: 'ssh' },
      { protocol: 'rdp' },
      { proxy: 'web' },
      { proxy: 'SSH Proxy' },
      { status: 'live' },
      { status: 'finished' },
      { from: NOW - 30 * DAY },
      { to: NOW - 90 * DAY },
      { from: NOW - 50 * DAY + 12_345_678, to: NOW - 20 * DAY - 7_654_321 },
      { from: NOW - 10 * DAY, to: NOW - 10 * DAY },
      { from: NOW - 10 * DAY + 3_600_000, to: NOW - 10 * DAY + 7_200_000 },
      { q: 'CHG' },
      { q: 'chg-777' },
      { q: 'Audit 2025' },
      { q: 'nothing-like-this' },
    ];
    for (const f of filters) check(f);
  });

  test('text filters match anywhere in the value, ignoring case; the hash only from its start', () => {
    const r = rows[2345]!;
    const middle = (text: string, length: number) => text.slice(1, 1 + length);
    const filters: SessionFilter[] = [
      { user: middle(r.user_login, 3) },
      { user: r.user_login.split('.')[1]!.toUpperCase() },
      { credential: 'operator' },
      { credential: 'OT' },
      { device: '01' },
      { device: '-0' },
      { device: '%-0' },
      { originIp: '.168.' },
      { originIp: r.origin_ip.slice(-4) },
      { proxy: 'proxy' },
      { proxy: 'eb' },
      { q: '777' },
      { q: 'legal HOLD' },
      { q: 'window' },
      { q: 'G-' },
      { q: 'ch' },
      { q: '2' },
      { hash: middle(r.hash, 6) },
      // Every login has a dot: such a filter matches all sessions, alone and with others.
      { user: '.' },
      { user: '.', device: 'web', status: 'finished' },
    ];
    for (const f of filters) check(f);
    const count = (filter: SessionFilter) => store.sessions.list(filter, { kind: 'all' }, viewer, 0, 1).total;
    // Matches that do not start with the text are found.
    expect(count({ device: '01' })).toBeGreaterThan(0);
    expect(count({ user: r.user_login.split('.')[1]! })).toBeGreaterThan(0);
    expect(count({ q: 'legal hold' })).toBeGreaterThan(0);
    expect(count({ q: 'ch' })).toBeGreaterThan(0);
    // A hash is looked up by its start only.
    expect(count({ hash: middle(r.hash, 6) })).toBe(reference(rows, { hash: middle(r.hash, 6) }).length);
  });

  test('substring filters stay right after inserts, renames and deletes (trigger-kept terms and text index)', () => {
    const id = rows[4321]!.id;
    store.db
      .prepare(
        "UPDATE sessions SET device = 'zeta-unique-77', reason = 'Quarterly zebra review' WHERE id = ?",
      )
      .run(id);
    expect(
      store.sessions.list({ device: 'UNIQUE-7' }, { kind: 'all' }, viewer, 0, 5).items.map((s) => s.id),
    ).toEqual([id]);
    expect(store.sessions.list({ q: 'zebra' }, { kind: 'all' }, viewer, 0, 5).items.map((s) => s.id)).toEqual(
      [id],
    );
    store.db.prepare("UPDATE sessions SET device = 'zeta-other', reason = NULL WHERE id = ?").run(id);
    expect(store.sessions.list({ device: 'unique-7' }, { kind: 'all' }, viewer, 0, 5).total).toBe(0);
    expect(store.sessions.list({ q: 'zebra' }, { kind: 'all' }, viewer, 0, 5).total).toBe(0);
    expect(store.sessions.list({ device: 'eta-oth' }, { kind: 'all' }, viewer, 0, 5).total).toBe(1);
    // Put the row back as it was, for the other tests.
    const original = rows[4321]!;
    store.db
      .prepare('UPDATE sessions SET device = ?, reason = ? WHERE id = ?')
      .run(original.device, original.reason, id);
    expect(store.sessions.list({ device: 'eta-oth' }, { kind: 'all' }, viewer, 0, 5).total).toBe(0);
  });

  test('random combinations of two to four filters', () => {
    const rng = seededRandom(99);
    const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)]!;
    /** `length` characters from anywhere in the value. */
    const part = (text: string, length: number) => {
      const start = Math.floor(rng() * Math.max(1, text.length - length + 1));
      return text.slice(start, start + length);
    };
    const makers: (() => SessionFilter)[] = [
      () => ({ hash: pick(rows).hash.slice(0, 1) }),
      () => ({ user: part(pick(rows).user_login, 1 + Math.floor(rng() * 4)) }),
      () => ({ credential: part(pick(rows).credential, 1 + Math.floor(rng() * 3)) }),
      () => ({ device: part(pick(rows).device, 1 + Math.floor(rng() * 6)) }),
      () => ({ originIp: part(pick(rows).origin_ip, 2 + Math.floor(rng() * 5)) }),
      () => ({ protocol: pick(['ssh', 'rdp'] as const) }),
      () => ({ proxy: pick(['SSH', 'RDP', 'Web']) }),
      () => ({ status: pick(['live', 'finished'] as const) }),
      () => {
        const from = NOW - Math.floor(rng() * 120 * DAY);
        return { from, to: from + Math.floor(rng() * 40 * DAY) };
      },
      () => ({ q: pick(['CHG', 'INC-1', 'Maint', 'Audit', 'chg-7', '12', 'ance win', 'hold']) }),
    ];
    for (let i = 0; i < 150; i++) {
      const n = 2 + Math.floor(rng() * 3);
      const filter = Object.assign({}, ...Array.from({ length: n }, () => pick(makers)())) as SessionFilter;
      check(filter, pick([1, 7, 30, 500]));
    }
  });

  test('CSV export streams exactly the reference rows in order, across batches and tied start times', async () => {
    const kinds = new Set<string>();
    const filters: SessionFilter[] = [
      {},
      { protocol: 'rdp' },
      { user: rows[10]!.user_login },
      { q: 'CHG' },
      { device: 'web', originIp: '10.' },
      { status: 'live' },
    ];
    for (const filter of filters) {
      const exported = sqliteAsyncStore(store, false).sessions.exportRows(filter, { kind: 'all' });
      let text = '';
      for await (const chunk of csvStream(exported)) text += String(chunk);
      const ids = text
        .split('\r\n')
        .slice(1, -1)
        .map((line) => Number(line.split(',')[0]));
      expect(ids, JSON.stringify(filter)).toEqual(reference(rows, filter).map((r) => r.id));
      kinds.add(store.sessions.exportPlan(filter, { kind: 'all' }, 's.id').kind);
    }
    expect([...kinds].sort()).toEqual(['ids', 'keyset']);
  });

  test('scoped visibility lists only audited sessions, with the same filters', () => {
    const auditor = store.users.list()[1]!.id;
    const audited = [rows[3]!.id, rows[300]!.id, rows[3000]!.id];
    for (const id of audited) store.auditors.replace(id, [auditor], null, NOW);
    const all = store.sessions.list({}, { kind: 'audited', userId: auditor }, auditor, 0, 30);
    expect(all.total).toBe(3);
    expect(all.items.every((s) => s.isAuditor)).toBe(true);
    const proto = rows[300]!.protocol as 'ssh' | 'rdp';
    const filtered = store.sessions.list(
      { protocol: proto },
      { kind: 'audited', userId: auditor },
      auditor,
      0,
      30,
    );
    expect(filtered.items.map((s) => s.id).sort()).toEqual(
      audited.filter((id) => rows.find((r) => r.id === id)!.protocol === proto).sort(),
    );
  });

  test('totals stay right after status changes and inserts (trigger-kept day buckets)', () => {
    const live = store.sessions.list({ status: 'live' }, { kind: 'all' }, viewer, 0, 1).total;
    const liveRow = rows.find((r) => r.status === 'live')!;
    expect(store.sessions.finish(liveRow.id, NOW)).toBe(true);
    expect(store.sessions.list({ status: 'live' }, { kind: 'all' }, viewer, 0, 1).total).toBe(live - 1);
    liveRow.status = 'finished';
    check({ status: 'finished', from: NOW - 5 * DAY });
    // The reason search filters on status and protocol inside its own index: it must follow too.
    const reasoned = rows.find((r) => r.status === 'live' && r.reason !== null && r.reason.length >= 3);
    if (reasoned === undefined) throw new Error('the seed has no live session with a reason');
    const q = reasoned.reason!.slice(0, 3);
    check({ q, status: 'live' });
    check({ q, status: 'finished', protocol: reasoned.protocol as 'ssh' | 'rdp' });
    expect(store.sessions.finish(reasoned.id, NOW)).toBe(true);
    reasoned.status = 'finished';
    check({ q, status: 'live' });
    check({ q, status: 'finished', protocol: reasoned.protocol as 'ssh' | 'rdp' });
  });
});
