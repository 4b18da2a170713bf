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
