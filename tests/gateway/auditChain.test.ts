import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventHash, GENESIS_HASH } from '../../src/gateway/db/events';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let token: string;

beforeEach(async () => {
  gw = await createTestGateway();
  await gw.addUser('admin', 'System Administrator');
  token = await gw.login('admin');
  for (let i = 0; i < 5; i++) {
    gw.store.events.append({
      type: 'Exported Details',
      at: 1_700_000_000_000 + i,
      actorId: 1,
      originIp: '10.0.0.1',
      sessionId: null,
      note: `export ${i}`,
    });
  }
});

afterEach(async () => {
  await gw.close();
});

const verify = async () => (await gw.request({ method: 'GET', url: '/api/v1/audit/verify', token })).json();

function appendExports(count: number): void {
  for (let i = 0; i < count; i++) {
    gw.store.events.append({
      type: 'Exported Details',
      at: 1_700_000_100_000 + i,
      actorId: 1,
      originIp: '10.0.0.2',
      sessionId: null,
      note: `later export ${i}`,
    });
  }
}

/** Appends many chained events in one transaction (append() writes one event per transaction). */
function insertChained(count: number): void {
  const last = gw.store.db.prepare('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1').get() as {
    id: number;
    hash: string;
  };
  const insert = gw.store.db.prepare(
    'INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  gw.store.db.transaction(() => {
    let prev = last.hash;
    for (let id = last.id + 1; id <= last.id + count; id++) {
      const event = {
        id,
        at: 1_700_000_200_000 + id,
        type: 'Exported Details' as const,
        actorId: 1,
        originIp: null,
        sessionId: null,
        note: `bulk ${id}`,
      };
      const hash = eventHash(prev, event);
      insert.run(
        id,
        event.at,
        event.type,
        event.actorId,
        event.originIp,
        event.sessionId,
        event.note,
        prev,
        hash,
      );
      prev = hash;
    }
  })();
}

describe('audit trail hash chain', () => {
  test('each event links to the previous one', () => {
    const rows = gw.store.db.prepare('SELECT * FROM events ORDER BY id').all() as {
      id: number;
      at: number;
      type: 'Login';
      actor_id: number | null;
      origin_ip: string | null;
      session_id: number | null;
      note: string;
      prev_hash: string;
      hash: string;
    }[];
    let prev = GENESIS_HASH;
    for (const r of rows) {
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(
        eventHash(prev, {
          id: r.id,
          at: r.at,
          type: r.type,
          actorId: r.actor_id,
          originIp: r.origin_ip,
          sessionId: r.session_id,
          note: r.note,
        }),
      );
      prev = r.hash;
    }
  });

  test('SQLite refuses to update or delete events', () => {
    expect(() => gw.store.db.prepare("UPDATE events SET note = 'x' WHERE id = 2").run()).toThrow(
      /append-only/,
    );
    expect(() => gw.store.db.prepare('DELETE FROM events WHERE id = 2').run()).toThrow(/append-only/);
    expect(() => gw.store.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
  });

  test('verify is ok, then detects an edited note after the trigger was dropped', async () => {
    expect(await verify()).toEqual({ ok: true, events: 6, brokenAt: null });
    gw.store.db.exec('DROP TRIGGER events_no_update');
    gw.store.db.prepare("UPDATE events SET note = 'export 999' WHERE id = 4").run();
    expect(await verify()).toEqual({ ok: false, events: 6, brokenAt: 4 });
  });

  test('detects a deleted event, and a rewritten event whose own hash was recomputed', async () => {
    gw.store.db.exec('DROP TRIGGER events_no_delete; DROP TRIGGER events_no_update');
    gw.store.db.prepare('DELETE FROM events WHERE id = 3').run();
    expect(await verify()).toEqual({ ok: false, events: 5, brokenAt: 4 });

    const row = gw.store.db.prepare('SELECT * FROM events WHERE id = 5').get() as {
      prev_hash: string;
      at: number;
      actor_id: number;
      origin_ip: string;
    };
    const forged = eventHash(row.prev_hash, {
      id: 5,
      at: row.at,
      type: 'Exported Details',
      actorId: row.actor_id,
      originIp: row.origin_ip,
      sessionId: null,
      note: 'forged',
    });
    gw.store.db.prepare("UPDATE events SET note = 'forged', hash = ? WHERE id = 5").run(forged);
    gw.store.db
      .prepare(
        'INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash) SELECT 3, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash FROM events WHERE id = 2',
      )
      .run();
    // Row 3 is back, but as a copy of row 2; row 6 no longer links to the forged row 5 either.
    const status = await verify();
    expect(status.ok).toBe(false);
    expect(status.brokenAt).toBe(3);
  });

  test('scope=new checks only the events after the last verified one; a full verification still finds old tampering', async () => {
    const verifyNew = async () =>
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=new', token })).json();
    expect(await verifyNew()).toEqual({ ok: true, events: 6, brokenAt: null });
    gw.store.db.exec('DROP TRIGGER events_no_update');
    gw.store.db.prepare("UPDATE events SET note = 'export 999' WHERE id = 3").run();
    appendExports(2);
    // Rows 1-6 were verified before the edit: only 7 and 8 are checked.
    expect(await verifyNew()).toEqual({ ok: true, events: 8, brokenAt: null });
    expect(await verify()).toEqual({ ok: false, events: 8, brokenAt: 3 });

    // The event the last verification ended on must still hold the hash it was verified with.
    gw.store.db.prepare("UPDATE events SET note = 'export 998' WHERE id = 8").run();
    expect(await verifyNew()).toEqual({ ok: false, events: 8, brokenAt: 8 });
    expect(
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=old', token })).statusCode,
    ).toBe(400);
  });

  test('a new event that does not check out is found by scope=new', async () => {
    const verifyNew = async () =>
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=new', token })).json();
    expect(await verifyNew()).toEqual({ ok: true, events: 6, brokenAt: null });
    appendExports(3);
    gw.store.db.exec('DROP TRIGGER events_no_update');
    gw.store.db.prepare("UPDATE events SET note = 'rewritten' WHERE id = 8").run();
    expect(await verifyNew()).toEqual({ ok: false, events: 9, brokenAt: 8 });
  });

  test('the API keeps answering while a long chain is verified', async () => {
    const rows = 40_000;
    insertChained(rows);
    // Observe (not replace) the chunked walk, to ask the API something once it has begun.
    const events = gw.services.store.events;
    const verifyChunk = events.verifyChunk.bind(events);
    let chunks = 0;
    events.verifyChunk = (from, limit) => {
      chunks++;
      return verifyChunk(from, limit);
    };
    let verified = false;
    const verifying = verify().then((status) => {
      verified = true;
      return status;
    });
    while (chunks === 0) await new Promise((resolve) => setImmediate(resolve));
    const me = await gw.request({ method: 'GET', url: '/api/v1/me', token });
    expect(me.statusCode).toBe(200);
    expect(verified).toBe(false);
    expect(await verifying).toEqual({ ok: true, events: 6 + rows, brokenAt: null });
  });

  test('appends stay chained when two connections write (gateway and CLI)', async () => {
    const { openStore } = await import('../../src/gateway/db/store');
    const other = openStore(gw.store.path);
    try {
      for (let i = 0; i < 20; i++) {
        const store = i % 2 === 0 ? other : gw.store;
        store.events.append({
          type: 'Login',
          at: Date.now(),
          actorId: 1,
          originIp: null,
          sessionId: null,
          note: '',
        });
      }
    } finally {
      other.close();
    }
    expect(await verify()).toEqual({ ok: true, events: 26, brokenAt: null });
  });
});
