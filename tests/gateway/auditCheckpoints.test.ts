import { createHash, generateKeyPairSync, sign, verify as verifySignature } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ChainStatus } from '../../src/shared/api';
import type { AuditCheckpoint, AuditProof } from '../../src/shared/auditProof';
import { loadSigningKey, dataPaths } from '../../src/gateway/datadir';
import { eventHash } from '../../src/gateway/db/events';
import { ChainCheckpoints } from '../../src/gateway/services/chainCheckpoints';
import { countedAppends } from '../../src/gateway/services/countedAppends';
import { finishedSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';
import { guardedSql, storedEvents } from '../support/storedEvents';
import { waitFor } from '../support/wait';

let gw: TestGateway;
let token: string;
let adminId: number;

beforeEach(async () => {
  gw = await createTestGateway();
  adminId = await gw.addUser('admin', 'System Administrator');
  token = await gw.login('admin');
});

afterEach(async () => {
  await gw.close();
});

async function appendEvents(count: number, sessionId: number | null = null): Promise<void> {
  for (let i = 0; i < count; i++) {
    await gw.store.events.append({
      type: 'Exported Details',
      at: 1_700_000_000_000 + i,
      actorId: adminId,
      originIp: '10.0.0.1',
      sessionId,
      note: `export ${i}`,
    });
  }
}

const verify = async (scope: 'all' | 'new' = 'all'): Promise<ChainStatus> =>
  (await gw.request({ method: 'GET', url: `/api/v1/audit/verify?scope=${scope}`, token })).json();

const headId = async (): Promise<number> => (await gw.store.events.head())!.id;

/**
 * Lets the test change the trail as an attacker with direct database access would: SQLite's
 * append-only triggers are dropped; PostgreSQL's are already off for the test's SQL.
 */
async function bypassAppendOnly(): Promise<void> {
  if (gw.engine !== 'sqlite') return;
  for (const trigger of [
    'events_no_update',
    'events_no_delete',
    'audit_checkpoints_no_update',
    'audit_checkpoints_no_delete',
  ]) {
    await gw.sql(`DROP TRIGGER ${trigger}`);
  }
}

/** Edits one event's note and recomputes its hash and every later one, as a careful forger would. */
async function rewriteAndRecompute(id: number, note: string): Promise<void> {
  await gw.sql('UPDATE events SET note = ? WHERE id = ?', [note, id]);
  const rows = await storedEvents(gw, 'WHERE id >= ?', [id]);
  let prev = rows[0]!.prev_hash;
  for (const r of rows) {
    const hash = eventHash(prev, {
      id: r.id,
      at: r.at,
      type: r.type,
      actorId: r.actor_id,
      originIp: r.origin_ip,
      sessionId: r.session_id,
      note: r.note,
    });
    await gw.sql('UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?', [prev, hash, r.id]);
    prev = hash;
  }
}

/** Canonical JSON as docs/audit-trail.md describes it, written independently of the gateway's. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describe('signing checkpoints', () => {
  test('signs after every N appended events and on the timer when events came in, with the injected clock', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const logged: string[] = [];
    const checkpoints = new ChainCheckpoints(
      gw.store.events,
      () => loadSigningKey(dataPaths(gw.dir)),
      () => now,
      (m) => logged.push(m),
      { everyEvents: 5, everyMs: 40 },
    );
    const store = countedAppends(gw.store, () => checkpoints.appended());
    const before = await headId();
    const append = (note: string) =>
      store.events.append({
        type: 'Login',
        at: now,
        actorId: adminId,
        originIp: null,
        sessionId: null,
        note,
      });

    for (let i = 0; i < 4; i++) await append(`a${i}`);
    expect(await checkpoints.latest()).toBeNull();
    await store.transaction(async (tx) => {
      await tx.events.append({
        type: 'Login',
        at: now,
        actorId: adminId,
        originIp: null,
        sessionId: null,
        note: 'a4',
      });
    });
    await waitFor(async () => (await checkpoints.latest()) !== null, 'the checkpoint after 5 appends');
    const first = (await checkpoints.latest())!;
    expect(first.body).toMatchObject({
      type: 'vigil-audit-checkpoint',
      version: 1,
      seq: 1,
      eventId: before + 5,
      hash: (await gw.store.events.hashOf(before + 5))!,
      signedAt: '2026-03-01T10:00:00.000Z',
      keyId: checkpoints.publicKey().keyId,
    });

    // Nothing new: asking again returns the same checkpoint and stores none.
    expect(await checkpoints.signNow()).toEqual(first);
    expect(await gw.count('audit_checkpoints')).toBe(1);

    // Events appended elsewhere (another node, the CLI) are not counted here: the timer signs them.
    checkpoints.start();
    try {
      now += 10 * 60_000;
      await appendEvents(2);
      await waitFor(
        async () => (await checkpoints.latest())?.body.seq === 2,
        'the timer to sign checkpoint 2',
      );
      expect((await checkpoints.latest())!.body).toMatchObject({
        seq: 2,
        eventId: before + 7,
        signedAt: '2026-03-01T10:10:00.000Z',
      });
      // And with nothing new, later turns of the timer sign nothing.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await gw.count('audit_checkpoints')).toBe(2);
    } finally {
      await checkpoints.stop();
    }
    expect(logged).toEqual([]);
  });

  test('the gateway services count their own appends and sign on demand; checkpoints are append-only', async () => {
    await appendEvents(3);
    expect(await gw.services.checkpoints.latest()).toBeNull();
    const signed = (await gw.services.checkpoints.signNow())!;
    expect(signed.body.eventId).toBe(await headId());
    expect(signed.body.seq).toBe(1);
    await expect(guardedSql(gw, 'DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only/);
    await expect(guardedSql(gw, "UPDATE audit_checkpoints SET hash = 'x'")).rejects.toThrow(/append-only/);
    expect(await gw.count('audit_checkpoints')).toBe(1);
    const status = await verify();
    expect(status).toMatchObject({ ok: true, problem: null, lastCheckpoint: signed });
  });

  test('refuses to sign a chain that does not check out since the previous checkpoint', async () => {
    await appendEvents(4);
    await bypassAppendOnly();
    await gw.sql("UPDATE events SET note = 'edited' WHERE id = 3");
    await expect(gw.services.checkpoints.signNow()).rejects.toThrow(/event 3/);
    expect(await gw.count('audit_checkpoints')).toBe(0);
  });
});

describe('verifying with checkpoints', () => {
  test('deleting the newest events is reported as a truncation, whatever the scope', async () => {
    await appendEvents(8);
    const checkpoint = (await gw.services.checkpoints.signNow())!;
    const end = checkpoint.body.eventId;
    expect(await verify('new')).toMatchObject({ ok: true, lastCheckpoint: checkpoint, problem: null });

    await bypassAppendOnly();
    await gw.sql('DELETE FROM events WHERE id > ?', [end - 3]);
    for (const scope of ['all', 'new'] as const) {
      const status = await verify(scope);
      expect(status).toMatchObject({
        ok: false,
        events: end - 3,
        brokenAt: end - 2,
        problem: { kind: 'truncated', checkpointSeq: 1, eventId: end, trailEndsAt: end - 3 },
      });
      expect(status.problem!.message).toBe(
        `checkpoint 1 signed event ${end}, but the trail now ends at event ${end - 3}`,
      );
    }
  });

  test('an edited event whose later hashes were recomputed is found at the checkpoint', async () => {
    await appendEvents(6);
    const first = (await gw.services.checkpoints.signNow())!;
    await appendEvents(3);
    const second = (await gw.services.checkpoints.signNow())!;
    expect(await verify('new')).toMatchObject({ ok: true, lastCheckpoint: second });

    await bypassAppendOnly();
    await rewriteAndRecompute(first.body.eventId - 2, 'nothing was exported');
    // The chain alone checks out again: only the signed hashes tell.
    for (const [scope, checkpoint] of [
      ['all', first],
      ['new', second],
    ] as const) {
      expect(await verify(scope)).toMatchObject({
        ok: false,
        brokenAt: checkpoint.body.eventId,
        problem: { kind: 'rewritten', checkpointSeq: checkpoint.body.seq, eventId: checkpoint.body.eventId },
      });
    }
    // A checkpoint cannot be signed on top of the rewritten chain either.
    await appendEvents(1);
    await expect(gw.services.checkpoints.signNow()).rejects.toThrow(/does not check out/);
  });

  test('a checkpoint re-signed with another key, or with a damaged signature, is reported', async () => {
    await appendEvents(5);
    const checkpoint = (await gw.services.checkpoints.signNow())!;
    await bypassAppendOnly();

    // The forger rewrites the chain and signs its new head with a key of their own.
    await rewriteAndRecompute(2, 'forged');
    const forgedHash = (await gw.store.events.hashOf(checkpoint.body.eventId))!;
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const forgedKeyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    const body = canonical({ ...checkpoint.body, hash: forgedHash, keyId: forgedKeyId });
    await gw.sql('UPDATE audit_checkpoints SET hash = ?, body = ?, signature = ?', [
      forgedHash,
      body,
      sign(null, Buffer.from(body), privateKey).toString('base64'),
    ]);
    expect(await verify()).toMatchObject({
      ok: false,
      lastCheckpoint: null,
      problem: { kind: 'signature', checkpointSeq: 1, eventId: checkpoint.body.eventId },
    });

    // Same body naming the gateway's key, signed with the forger's: the signature fails.
    const claimed = canonical({ ...checkpoint.body, hash: forgedHash });
    await gw.sql('UPDATE audit_checkpoints SET body = ?, signature = ?', [
      claimed,
      sign(null, Buffer.from(claimed), privateKey).toString('base64'),
    ]);
    const status = await verify();
    expect(status.problem).toMatchObject({ kind: 'signature', checkpointSeq: 1 });
    expect(status.problem!.message).toMatch(/signature is invalid/);
  });

  test('a removed checkpoint is reported once a verification has seen it', async () => {
    await appendEvents(3);
    await gw.services.checkpoints.signNow();
    await appendEvents(3);
    await gw.services.checkpoints.signNow();
    expect(await verify('new')).toMatchObject({ ok: true, lastCheckpoint: { body: { seq: 2 } } });
    await bypassAppendOnly();
    await gw.sql('DELETE FROM audit_checkpoints WHERE seq = 2');
    expect(await verify('new')).toMatchObject({
      ok: false,
      problem: { kind: 'checkpoint-missing', checkpointSeq: 2 },
    });
  });
});

describe('audit proof', () => {
  async function addSession(login: string): Promise<number> {
    const userId = await gw.addUser(login, 'Operator');
    const s = finishedSession(login, Date.parse('2026-01-01T00:00:00Z'));
    return gw.store.sessions.insert({ ...s, userId, hash: `h-${login}`, startedAt: Number(s.startedAt) });
  }

  const prove = (sessionIds: unknown) =>
    gw.request({ method: 'POST', url: '/api/v1/audit/proof', payload: { sessionIds }, token });

  /** Recomputes a segment with node:crypto and the documented formula only. */
  function recompute(events: AuditProof['segments'][number]['events']): string {
    let prev = events[0]!.prevHash;
    for (const e of events) {
      expect(e.prevHash).toBe(prev);
      const fields = JSON.stringify([e.id, e.atMs, e.type, e.actorId, e.originIp, e.sessionId, e.note]);
      prev = createHash('sha256').update(`${prev}\n${fields}`, 'utf8').digest('hex');
      expect(e.hash).toBe(prev);
    }
    return prev;
  }

  const verifies = (checkpoint: AuditCheckpoint, publicKey: string): boolean =>
    verifySignature(
      null,
      Buffer.from(canonical(checkpoint.body), 'utf8'),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );

  test('segments run from each event of the sessions to a signed checkpoint and recompute to it', async () => {
    const a = await addSession('ana');
    const b = await addSession('bia');
    const other = await addSession('caio');
    await appendEvents(1, other);
    await appendEvents(2, a);
    await appendEvents(1, other);
    const first = (await gw.services.checkpoints.signNow())!;
    await appendEvents(2, b); // right after the first checkpoint: joins the segment before it
    await appendEvents(2, other);
    await gw.services.checkpoints.signNow();
    await appendEvents(3, other);
    await gw.services.checkpoints.signNow();
    await appendEvents(1, a); // not covered yet: the proof signs a checkpoint first
    const newest = await headId();

    const res = await prove([b, a, a]);
    expect(res.statusCode).toBe(200);
    const proof = res.json() as AuditProof;
    expect(proof.sessionIds).toEqual([a, b]);
    expect(proof.latestCheckpoint.body).toMatchObject({ seq: 4, eventId: newest });
    expect(proof.segments.map((s) => [s.events[0]!.id, s.checkpoint.body.eventId])).toEqual([
      [first.body.eventId - 2, first.body.eventId + 4],
      [newest, newest],
    ]);
    const proven = new Set<number>();
    for (const segment of proof.segments) {
      expect(recompute(segment.events)).toBe(segment.checkpoint.body.hash);
      expect(segment.events.at(-1)!.id).toBe(segment.checkpoint.body.eventId);
      expect(verifies(segment.checkpoint, proof.publicKey)).toBe(true);
      expect(segment.checkpoint.body.keyId).toBe(proof.keyId);
      for (const e of segment.events) proven.add(e.id);
    }
    const wanted = [...(await gw.store.events.forSession(a)), ...(await gw.store.events.forSession(b))];
    expect(wanted).toHaveLength(5);
    for (const e of wanted) expect(proven.has(e.id)).toBe(true);
    expect(proof.actors).toEqual([{ id: adminId, login: 'admin', name: 'admin name' }]);
    expect(verifies(proof.latestCheckpoint, proof.publicKey)).toBe(true);
    // A changed field no longer recomputes to the signed hash.
    const tampered = proof.segments[0]!.events.map((e, i) => (i === 1 ? { ...e, note: 'changed' } : e));
    expect(() => recompute(tampered)).toThrow();
  });

  test('unknown sessions are 404 and a bad body 400', async () => {
    const a = await addSession('ana');
    expect((await prove([a, 9999])).json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'no session 9999' },
    });
    expect((await prove([a, 9999])).statusCode).toBe(404);
    expect((await prove([])).statusCode).toBe(400);
    expect((await prove(['x'])).statusCode).toBe(400);
    expect((await prove([0])).statusCode).toBe(400);
  });
});
