import type { AsyncRepository } from '../asyncStore';
import {
  chainRowsSelect,
  checkChain,
  checkpointInsertValues,
  checkpointSql,
  eventHash,
  eventInsertValues,
  GENESIS_HASH,
  type ChainChunk,
  type ChainLink,
  type ChainRow,
  type CheckpointRecord,
  type EventFilter,
  type EventRecord,
  type EventsRepository,
  type NewCheckpoint,
  type NewEvent,
} from '../events';
import { likeSubstring } from '../sessionFilters';
import type { Executor } from './connection';
import { eventToRecord, type EventRow } from '../rows/events';

const SELECT = `
  SELECT e.id, e.at, e.type, e.actor_id, u.login::text AS actor_login, u.name AS actor_name, e.origin_ip,
    e.session_id, e.note, e.hash
  FROM events e LEFT JOIN users u ON u.id = e.actor_id`;

/**
 * Held by the appender from reading the last link to inserting the next one. Gateway nodes append
 * through separate connections; without it two of them could read the same last event and fork
 * the chain. Transaction-scoped, so a crashed node never leaves it taken.
 */
const CHAIN_LOCK = 0x76696702;

/** The audit trail on PostgreSQL (append-only: triggers refuse UPDATE, DELETE and TRUNCATE). */
export class PgEventsRepository implements AsyncRepository<EventsRepository> {
  constructor(private readonly sql: Executor) {}

  append(event: NewEvent): Promise<EventRecord> {
    return this.sql.atomic(async (tx) => {
      await tx.rows('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const [last] = await tx.rows<ChainLink>('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1');
      const id = (last?.id ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = eventHash(prevHash, { ...event, id });
      await tx.run(
        `INSERT INTO events (id, at, type, actor_id, origin_ip, session_id, note, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        eventInsertValues(id, event, prevHash, hash),
      );
      const [row] = await tx.rows<EventRow>(`${SELECT} WHERE e.id = $1`, [id]);
      return eventToRecord(row!);
    });
  }

  async get(id: number): Promise<EventRecord | null> {
    const [row] = await this.sql.rows<EventRow>(`${SELECT} WHERE e.id = $1`, [id]);
    return row === undefined ? null : eventToRecord(row);
  }

  /** Newest first. */
  async list(
    filter: EventFilter,
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: EventRecord[] }> {
    const { where, values } = eventWhere(filter);
    const [count] = await this.sql.rows<{ n: number }>(`SELECT count(*) AS n FROM events e ${where}`, values);
    const rows = await this.sql.rows<EventRow>(
      `${SELECT} ${where} ORDER BY e.id DESC LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, limit, offset],
    );
    return { total: count?.n ?? 0, items: rows.map(eventToRecord) };
  }

  /** Every event of one session, oldest first. */
  async forSession(sessionId: number): Promise<EventRecord[]> {
    const rows = await this.sql.rows<EventRow>(`${SELECT} WHERE e.session_id = $1 ORDER BY e.id`, [
      sessionId,
    ]);
    return rows.map(eventToRecord);
  }

  /** Same contract as the SQLite repository's verifyChunk. */
  async verifyChunk(from: ChainLink, limit: number): Promise<ChainChunk> {
    const rows = await this.sql.rows<ChainRow>(chainRowsSelect('$1', '$2'), [from.id, limit]);
    return checkChain(from, rows, limit);
  }

  async prevHashOf(id: number): Promise<string | null> {
    const [row] = await this.sql.rows<{ prev_hash: string }>('SELECT prev_hash FROM events WHERE id = $1', [
      id,
    ]);
    return row?.prev_hash ?? null;
  }

  async total(): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>('SELECT count(*) AS n FROM events');
    return row?.n ?? 0;
  }

  async head(): Promise<ChainLink | null> {
    const [row] = await this.sql.rows<ChainLink>('SELECT id, hash FROM events ORDER BY id DESC LIMIT 1');
    return row ?? null;
  }

  async hashOf(id: number): Promise<string | null> {
    const [row] = await this.sql.rows<{ hash: string }>('SELECT hash FROM events WHERE id = $1', [id]);
    return row?.hash ?? null;
  }

  chainRange(fromId: number, toId: number): Promise<ChainRow[]> {
    return this.sql.rows<ChainRow>(checkpointSql.chainRange('$1', '$2'), [fromId, toId]);
  }

  async addCheckpoint(checkpoint: NewCheckpoint): Promise<boolean> {
    const values = checkpointInsertValues(checkpoint);
    const placeholders = values.map((_, i) => `$${i + 1}`);
    return (await this.sql.run(checkpointSql.insert(placeholders), values)) === 1;
  }

  async latestCheckpoint(): Promise<CheckpointRecord | null> {
    const [row] = await this.sql.rows<CheckpointRecord>(checkpointSql.latest);
    return row ?? null;
  }

  checkpointsFrom(seq: number, limit: number): Promise<CheckpointRecord[]> {
    return this.sql.rows<CheckpointRecord>(checkpointSql.fromSeq('$1', '$2'), [seq, limit]);
  }

  checkpointsAtOrAfter(eventId: number): Promise<CheckpointRecord[]> {
    return this.sql.rows<CheckpointRecord>(checkpointSql.atOrAfterEvent('$1'), [eventId]);
  }
}

function eventWhere(filter: EventFilter): { where: string; values: unknown[] } {
  const terms: string[] = [];
  const values: unknown[] = [];
  const add = (term: (n: string) => string, value: unknown) => {
    values.push(value);
    terms.push(term(`$${values.length}`));
  };
  if (filter.sessionId !== undefined) add((p) => `e.session_id = ${p}`, filter.sessionId);
  if (filter.type !== undefined) add((p) => `e.type = ${p}`, filter.type);
  if (filter.actor !== undefined) {
    // users.login is CITEXT, so LIKE is case-insensitive as SQLite's is for ASCII.
    add(
      (p) => `e.actor_id IN (SELECT id FROM users WHERE login LIKE ${p} ESCAPE '\\')`,
      likeSubstring(filter.actor),
    );
  }
  if (filter.from !== undefined) add((p) => `e.at >= ${p}`, filter.from);
  if (filter.to !== undefined) add((p) => `e.at <= ${p}`, filter.to);
  return { where: terms.length === 0 ? '' : `WHERE ${terms.join(' AND ')}`, values };
}
