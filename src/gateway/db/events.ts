import { createHash } from 'node:crypto';
import type { EventType } from '../../shared/events';
import type { Db } from './database';
import { likeSubstring, merge, whereSql, type Params, type Where } from './sessionFilters';
import type { UserRefRecord } from './sessionTypes';
import { eventToRecord, type EventRow } from './rows/events';

export interface NewEvent {
  type: EventType;
  at: number;
  actorId: number | null;
  originIp: string | null;
  sessionId: number | null;
  note: string;
}

export interface EventRecord extends NewEvent {
  id: number;
  actor: UserRefRecord | null;
  hash: string;
}

export interface EventFilter {
  sessionId?: number;
  type?: EventType;
  /** Part of the actor's login, case-insensitive. */
  actor?: string;
  from?: number;
  to?: number;
}

/** One verified position of the chain: an event's id and stored hash. */
export interface ChainLink {
  id: number;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * Each event's hash covers the previous event's hash and the event's own fields, so changing,
 * removing or reordering any row breaks every later link. The id is part of the hash.
 */
export function eventHash(prevHash: string, e: NewEvent & { id: number }): string {
  const canonical = JSON.stringify([e.id, e.at, e.type, e.actorId, e.originIp, e.sessionId, e.note]);
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

/** The values of an event's INSERT, in the order of its column list on both engines. */
export const eventInsertValues = (id: number, event: NewEvent, prevHash: string, hash: string) => [
  id,
  event.at,
  event.type,
  event.actorId,
  event.originIp,
  event.sessionId,
  event.note,
  prevHash,
  hash,
];

/** How far one `verifyChunk` got: the last event that checked out and the first that did not. */
export interface ChainChunk {
  last: ChainLink;
  brokenAt: number | null;
  done: boolean;
}

/** An event as stored, with the hash it links to. */
export interface ChainRow {
  id: number;
  at: number;
  type: EventType;
  actor_id: number | null;
  origin_ip: string | null;
  session_id: number | null;
  note: string;
  prev_hash: string;
  hash: string;
}

/** Up to `limit` stored events after `after`, oldest first (placeholders in the engine's style). */
export const chainRowsSelect = (after: string, limit: string): string =>
  `SELECT id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash FROM events
   WHERE id > ${after} ORDER BY id LIMIT ${limit}`;

/** Checks `rows` (read with a `limit`) as the continuation of the chain after `from`. */
export function checkChain(from: ChainLink, rows: readonly ChainRow[], limit: number): ChainChunk {
  let last = from;
  for (const r of rows) {
    const expected = eventHash(last.hash, {
      id: r.id,
      at: r.at,
      type: r.type,
      actorId: r.actor_id,
      originIp: r.origin_ip,
      sessionId: r.session_id,
      note: r.note,
    });
    if (r.id !== last.id + 1 || r.prev_hash !== last.hash || r.hash !== expected) {
      return { last, brokenAt: r.id, done: true };
    }
    last = { id: r.id, hash: r.hash };
  }
  return { last, brokenAt: null, done: rows.length < limit };
}

/** A signed checkpoint as stored: `body` is the exact canonical JSON that `signature` signs. */
export interface CheckpointRecord {
  seq: number;
  eventId: number;
  hash: string;
  body: string;
  signature: string;
}

export interface NewCheckpoint extends CheckpointRecord {
  signedAt: number;
  keyId: string;
}

const CHECKPOINT_COLUMNS = 'seq, event_id AS "eventId", hash, body, signature';

/** The values of a checkpoint's INSERT, in the order of its column list on both engines. */
export const checkpointInsertValues = (c: NewCheckpoint) => [
  c.seq,
  c.eventId,
  c.hash,
  c.signedAt,
  c.keyId,
  c.body,
  c.signature,
];

/** Statements shared by both engines (placeholders filled in the engine's style). */
export const checkpointSql = {
  insert: (p: readonly string[]) =>
    `INSERT INTO audit_checkpoints (seq, event_id, hash, signed_at, key_id, body, signature)
     VALUES (${p.join(', ')}) ON CONFLICT (seq) DO NOTHING`,
  latest: `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`,
  fromSeq: (seq: string, limit: string) =>
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE seq >= ${seq} ORDER BY seq LIMIT ${limit}`,
  atOrAfterEvent: (eventId: string) =>
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE event_id >= ${eventId} ORDER BY event_id, seq`,
  chainRange: (from: string, to: string) =>
    `SELECT id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash FROM events
     WHERE id BETWEEN ${from} AND ${to} ORDER BY id`,
};

/** The append-only audit trail (SQLite triggers refuse UPDATE and DELETE on it). */
export class EventsRepository {
  constructor(private readonly db: Db) {}

  /** Appends under an IMMEDIATE lock, so gateway and CLI never fork the chain. */
  append(event: NewEvent): EventRecord {
    return this.db
      .transaction(() => {
        const last = this.db.prepare('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1').get() as
          { id: number; hash: string } | undefined;
        const id = (last?.id ?? 0) + 1;
        const prevHash = last?.hash ?? GENESIS_HASH;
        const hash = eventHash(prevHash, { ...event, id });
        this.db
          .prepare(
            `INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(...eventInsertValues(id, event, prevHash, hash));
        return this.get(id)!;
      })
      .immediate();
  }

  get(id: number): EventRecord | null {
    const row = this.db.prepare(`${SELECT} WHERE e.id = ?`).get(id) as EventRow | undefined;
    return row === undefined ? null : eventToRecord(row);
  }

  /** Newest first. */
  list(filter: EventFilter, offset: number, limit: number): { total: number; items: EventRecord[] } {
    const where = eventWhere(filter);
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM events e ${whereSql(where)}`).get(where.params) as {
        n: number;
      }
    ).n;
    const rows = this.db
      .prepare(`${SELECT} ${whereSql(where)} ORDER BY e.id DESC LIMIT @limit OFFSET @offset`)
      .all({ ...where.params, limit, offset }) as EventRow[];
    return { total, items: rows.map(eventToRecord) };
  }

  /** Every event of one session, oldest first. */
  forSession(sessionId: number): EventRecord[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE e.session_id = ? ORDER BY e.id`)
      .all(sessionId) as EventRow[];
    return rows.map(eventToRecord);
  }

  /**
   * Checks up to `limit` events after `from` (an event already verified, or id 0 with the genesis
   * hash): each must follow the previous id, link to its hash and hash to what it stores. Returns
   * the last event that checked out and the first one that did not; `done` when the chain ended.
   */
  verifyChunk(from: ChainLink, limit: number): ChainChunk {
    const rows = this.db.prepare(chainRowsSelect('?', '?')).all(from.id, limit) as ChainRow[];
    return checkChain(from, rows, limit);
  }

  /** The previous hash one event links to (null when the row is gone). */
  prevHashOf(id: number): string | null {
    const row = this.db.prepare('SELECT prev_hash FROM events WHERE id = ?').get(id) as
      { prev_hash: string } | undefined;
    return row?.prev_hash ?? null;
  }

  total(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  /** The newest event's link, or null on an empty trail. */
  head(): ChainLink | null {
    const row = this.db.prepare('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1').get() as
      ChainLink | undefined;
    return row ?? null;
  }

  /** The hash stored with one event (null when the row is gone). */
  hashOf(id: number): string | null {
    const row = this.db.prepare('SELECT hash FROM events WHERE id = ?').get(id) as
      { hash: string } | undefined;
    return row?.hash ?? null;
  }

  /** The stored events from `fromId` to `toId`, oldest first, with every field their hashes cover. */
  chainRange(fromId: number, toId: number): ChainRow[] {
    return this.db.prepare(checkpointSql.chainRange('?', '?')).all(fromId, toId) as ChainRow[];
  }

  /** Stores a signed checkpoint; false when another writer already took its `seq`. */
  addCheckpoint(checkpoint: NewCheckpoint): boolean {
    const placeholders = checkpointInsertValues(checkpoint).map(() => '?');
    return (
      this.db.prepare(checkpointSql.insert(placeholders)).run(...checkpointInsertValues(checkpoint))
        .changes === 1
    );
  }

  latestCheckpoint(): CheckpointRecord | null {
    return (this.db.prepare(checkpointSql.latest).get() as CheckpointRecord | undefined) ?? null;
  }

  /** Up to `limit` checkpoints from `seq` on, in signing order. */
  checkpointsFrom(seq: number, limit: number): CheckpointRecord[] {
    return this.db.prepare(checkpointSql.fromSeq('?', '?')).all(seq, limit) as CheckpointRecord[];
  }

  /** The checkpoints that sign `eventId` or a later event, by the event they sign. */
  checkpointsAtOrAfter(eventId: number): CheckpointRecord[] {
    return this.db.prepare(checkpointSql.atOrAfterEvent('?')).all(eventId) as CheckpointRecord[];
  }
}

const SELECT = `
  SELECT e.id, e.at, e.type, e.actor_id, u.login AS actor_login, u.name AS actor_name, e.origin_ip, e.session_id,
    e.note, e.hash
  FROM events e LEFT JOIN users u ON u.id = e.actor_id`;

function eventWhere(filter: EventFilter): Where {
  const parts: Where[] = [];
  const add = (term: string, params: Params) => parts.push({ terms: [term], params });
  if (filter.sessionId !== undefined) add('e.session_id = @sessionId', { sessionId: filter.sessionId });
  if (filter.type !== undefined) add('e.type = @type', { type: filter.type });
  if (filter.actor !== undefined) {
    add("e.actor_id IN (SELECT id FROM users WHERE login LIKE @actor ESCAPE '\\')", {
      actor: likeSubstring(filter.actor),
    });
  }
  if (filter.from !== undefined) add('e.at >= @from', { from: filter.from });
  if (filter.to !== undefined) add('e.at <= @to', { to: filter.to });
  return merge(...parts);
}
