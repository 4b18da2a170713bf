import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { eventHash, GENESIS_HASH } from '../../src/gateway/db/events';
import { openGatewayStore } from '../../src/gateway/db/openGatewayStore';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { guardedSql, storedEvents } from '../support/storedEvents';
import type { SqlValue } from '../support/testDatabase';

let gw: TestGateway;
let token: string;

beforeEach(async () => {
  gw = await createTestGateway();
  await gw.addUser('admin', 'System Administrator');
  token = await gw.login('admin');
  for (let i = 0; i < 5; i++) {
    await gw.store.events.append({
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

async function appendExports(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await gw.store.events.append({
      type: 'Exported Details',
      at: 1_700_000_100_000 + i,
      actorId: 1,
      originIp: '10.0.0.2',
      sessionId: null,
      note: `later export ${i}`,
    });
  }
}

/**
 * Lets the test alter events as an attacker with direct database access would: SQLite's guards
 * are dropped; PostgreSQL's are already off for the test's SQL (see testDatabase.ts).
 */
async function bypassAppendOnly(): Promise<void> {
  if (gw.engine !== 'sqlite') return;
  await gw.sql('DROP TRIGGER events_no_update');
  await gw.sql('DROP TRIGGER events_no_delete');
}

/** Appends many chained events straight into the table, a few hundred rows per statement. */
async function insertChained(count: number): Promise<void> {
  const [last] = await storedEvents(gw, 'WHERE id = (SELECT max(id) FROM events)');
  let prev = last!.hash;
  const batch = 500;
  for (let first = last!.id + 1; first <= last!.id + count; first += batch) {
    const values: SqlValue[] = [];
    const upTo = Math.min(first + batch - 1, last!.id + count);
    for (let id = first; id <= upTo; id++) {
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
      values.push(
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
    const placeholders = Array.from({ length: upTo - first + 1 }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)');
    await gw.sql(
      `INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash) VALUES ${placeholders.join(', ')}`,
      values,
    );
  }
}

describe('audit trail hash chain', () => {
  test('each event links to the previous one', async () => {
    const rows = await storedEvents(gw);
    expect(rows).toHaveLength(6);
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

  test('the database refuses to update or delete events', async () => {
    await expect(guardedSql(gw, "UPDATE events SET note = 'x' WHERE id = 2")).rejects.toThrow(/append-only/);
    await expect(guardedSql(gw, 'DELETE FROM events WHERE id = 2')).rejects.toThrow(/append-only/);
    await expect(guardedSql(gw, 'DELETE FROM events')).rejects.toThrow(/append-only/);
    expect(await gw.count('events')).toBe(6);
    expect(await verify()).toMatchObject({ ok: true, events: 6, brokenAt: null });
  });

  test('verify is ok, then detects an edited note once the append-only guard was bypassed', async () => {
    expect(await verify()).toMatchObject({ ok: true, events: 6, brokenAt: null });
    await bypassAppendOnly();
    await gw.sql("UPDATE events SET note = 'export 999' WHERE id = 4");
    expect(await verify()).toMatchObject({ ok: false, events: 6, brokenAt: 4 });
  });

  test('detects a deleted event, and a rewritten event whose own hash was recomputed', async () => {
    await bypassAppendOnly();
    await gw.sql('DELETE FROM events WHERE id = 3');
    expect(await verify()).toMatchObject({ ok: false, events: 5, brokenAt: 4 });

    const [row] = await storedEvents(gw, 'WHERE id = ?', [5]);
    const forged = eventHash(row!.prev_hash, {
      id: 5,
      at: row!.at,
      type: 'Exported Details',
      actorId: row!.actor_id,
      originIp: row!.origin_ip,
      sessionId: null,
      note: 'forged',
    });
    await gw.sql("UPDATE events SET note = 'forged', hash = ? WHERE id = 5", [forged]);
    await gw.sql(
      'INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash) SELECT 3, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash FROM events WHERE id = 2',
    );
    // Row 3 is back, but as a copy of row 2; row 6 no longer links to the forged row 5 either.
    const status = await verify();
    expect(status.ok).toBe(false);
    expect(status.brokenAt).toBe(3);
  });

  test('scope=new checks only the events after the last verified one; a full verification still finds old tampering', async () => {
    const verifyNew = async () =>
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=new', token })).json();
    expect(await verifyNew()).toMatchObject({ ok: true, events: 6, brokenAt: null });
    await bypassAppendOnly();
    await gw.sql("UPDATE events SET note = 'export 999' WHERE id = 3");
    await appendExports(2);
    // Rows 1-6 were verified before the edit: only 7 and 8 are checked.
    expect(await verifyNew()).toMatchObject({ ok: true, events: 8, brokenAt: null });
    expect(await verify()).toMatchObject({ ok: false, events: 8, brokenAt: 3 });

    // The event the last verification ended on must still hold the hash it was verified with.
    await gw.sql("UPDATE events SET note = 'export 998' WHERE id = 8");
    expect(await verifyNew()).toMatchObject({ ok: false, events: 8, brokenAt: 8 });
    expect(
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=old', token })).statusCode,
    ).toBe(400);
  });

  test('a new event that does not check out is found by scope=new', async () => {
    const verifyNew = async () =>
      (await gw.request({ method: 'GET', url: '/api/v1/audit/verify?scope=new', token })).json();
    expect(await verifyNew()).toMatchObject({ ok: true, events: 6, brokenAt: null });
    await appendExports(3);
    await bypassAppendOnly();
    await gw.sql("UPDATE events SET note = 'rewritten' WHERE id = 8");
    expect(await verifyNew()).toMatchObject({ ok: false, events: 9, brokenAt: 8 });
  });

  test('the API keeps answering while a long chain is verified', async () => {
    const rows = 40_000;
    await insertChained(rows);
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
    expect(await verifying).toMatchObject({ ok: true, events: 6 + rows, brokenAt: null });
  });

  test('appends stay chained when two connections write (gateway and CLI)', async () => {
    const other = await openGatewayStore({ url: gw.databaseUrl, sqlitePath: join(gw.dir, 'vigil.db') });
    const append = (store: typeof other) =>
      store.events.append({
        type: 'Login',
        at: Date.now(),
        actorId: 1,
        originIp: null,
        sessionId: null,
        note: '',
      });
    try {
      for (let i = 0; i < 20; i++) await append(i % 2 === 0 ? other : gw.store);
      // And both at once: each append takes the chain's lock, so none forks it.
      await Promise.all(Array.from({ length: 10 }, (_, i) => append(i % 2 === 0 ? other : gw.store)));
    } finally {
      await other.close();
    }
    expect(await verify()).toMatchObject({ ok: true, events: 36, brokenAt: null });
  });
});
