import type { AsyncRepository } from '../asyncStore';
import type { ExportRows, SessionExportRow } from '../sessionExport';
import type { SessionFilter } from '../sessionFilters';
import type { SessionsRepository } from '../sessions';
import { sessionSelect, sessionToRecord, type SessionRow } from '../rows/sessions';
import {
  byEnd,
  purgeColumns,
  purgeDueWhere,
  purgeRowToCandidate,
  type PurgeCandidate,
  type PurgeCursor,
  type PurgeRow,
} from '../rows/recordingPurges';
import type { NewSession, SessionRecord, Visibility } from '../sessionTypes';
import type { Executor } from './connection';
import { PgSessionSearch } from './sessionSearch';

/**
 * The export plan of the SQLite repository is SQLite SQL to run in batches; both engines offer the
 * engine-neutral `exportRows` instead (the rows themselves, newest first, in batches).
 */
export type PgSessionsContract = Omit<AsyncRepository<SessionsRepository>, 'exportPlan'> & {
  exportRows: ExportRows;
};

/** The viewer is always $1. */
const SELECT = sessionSelect('$1');

/** The sessions table on PostgreSQL (all but the SQLite export plan). */
export class PgSessionsRepository implements PgSessionsContract {
  private readonly search: PgSessionSearch;

  constructor(private readonly sql: Executor) {
    this.search = new PgSessionSearch(sql);
  }

  async insert(session: NewSession): Promise<number> {
    const [row] = await this.sql.rows<{ id: number }>(
      `INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status,
         started_at, ended_at, duration_ms, blocked, reason, error_message, recording_path, recording_size,
         recording_sha256)
       SELECT $1, u.id, u.login, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
       FROM users u WHERE u.id = $2
       RETURNING id`,
      [
        session.hash,
        session.userId,
        session.originIp,
        session.credential,
        session.device,
        session.protocol,
        session.proxy,
        session.status,
        session.startedAt,
        session.endedAt ?? null,
        session.durationMs ?? null,
        session.blocked === true ? 1 : 0,
        session.reason ?? null,
        session.errorMessage ?? null,
        session.recording?.path ?? null,
        session.recording?.size ?? null,
        session.recording?.sha256 ?? null,
      ],
    );
    if (row === undefined) throw new Error(`No user with id ${session.userId}`);
    return row.id;
  }

  insertMany(sessions: Iterable<NewSession>): Promise<number[]> {
    const items = [...sessions];
    return this.sql.atomic(async (tx) => {
      const repository = new PgSessionsRepository(tx);
      const ids: number[] = [];
      for (const session of items) ids.push(await repository.insert(session));
      return ids;
    });
  }

  async get(id: number, viewerId: number): Promise<SessionRecord | null> {
    const [row] = await this.sql.rows<SessionRow>(`${SELECT} WHERE s.id = $2`, [viewerId, id]);
    return row === undefined ? null : sessionToRecord(row);
  }

  async getMany(ids: readonly number[], viewerId: number): Promise<SessionRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows<SessionRow>(`${SELECT} WHERE s.id = ANY($2::bigint[])`, [viewerId, ids]);
    const byId = new Map(rows.map((r) => [r.id, sessionToRecord(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async list(
    filter: SessionFilter,
    visibility: Visibility,
    viewerId: number,
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: SessionRecord[] }> {
    const { total, ids } = await this.search.search(filter, visibility, offset, limit);
    return { total, items: await this.getMany(ids, viewerId) };
  }

  exportRows(
    filter: SessionFilter,
    visibility: Visibility,
    batchRows?: number,
  ): AsyncIterable<SessionExportRow[]> {
    return this.search.exportRows(filter, visibility, batchRows);
  }

  async setPreventPurge(id: number, justification: string, byUserId: number, at: number): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET prevent_purge_justification = $1, prevent_purge_by = $2, prevent_purge_at = $3
         WHERE id = $4 AND prevent_purge_at IS NULL`,
        [justification, byUserId, at, id],
      )) === 1
    );
  }

  async clearPreventPurge(id: number): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET prevent_purge_justification = NULL, prevent_purge_by = NULL, prevent_purge_at = NULL
         WHERE id = $1 AND prevent_purge_at IS NOT NULL`,
        [id],
      )) === 1
    );
  }

  async finish(id: number, endedAt: number, errorMessage: string | null = null): Promise<boolean> {
    return (
      (await this.sql.run(
        `UPDATE sessions SET status = 'finished', ended_at = $2::bigint, duration_ms = $2::bigint - started_at,
           error_message = coalesce($3::text, error_message)
         WHERE id = $1 AND status = 'live'`,
        [id, endedAt, errorMessage],
      )) === 1
    );
  }

  async setRecordingPath(id: number, path: string): Promise<void> {
    await this.sql.run('UPDATE sessions SET recording_path = $1 WHERE id = $2', [path, id]);
  }

  async setRecording(id: number, recording: { path: string; size: number; sha256: string }): Promise<void> {
    await this.sql.run(
      'UPDATE sessions SET recording_path = $1, recording_size = $2, recording_sha256 = $3 WHERE id = $4',
      [recording.path, recording.size, recording.sha256, id],
    );
  }

  async purgeDue(endedBefore: number, after: PurgeCursor | null, limit: number): Promise<PurgeCandidate[]> {
    const rows = await this.sql.rows<PurgeRow>(
      `SELECT ${purgeColumns()} FROM sessions
       WHERE ${purgeDueWhere('$1::bigint')} AND (ended_at, id) > ($2::bigint, $3::bigint)
       ORDER BY ended_at, id LIMIT $4`,
      [endedBefore, after?.endedAt ?? -1, after?.id ?? 0, limit],
    );
    return rows.map(purgeRowToCandidate);
  }

  /**
   * Rows another purger is claiming are skipped, not waited for (it takes them); a Prevent Purge
   * being written holds its row, which is skipped too. Each session is claimed once, and two nodes
   * claiming overlapping pages never wait on each other.
   */
  async claimPurges(ids: readonly number[], endedBefore: number, at: number): Promise<PurgeCandidate[]> {
    if (ids.length === 0) return [];
    const rows = await this.sql.rows<PurgeRow>(
      `WITH due AS (
         SELECT id FROM sessions WHERE id = ANY($1::bigint[]) AND ${purgeDueWhere('$2::bigint')}
         ORDER BY id FOR UPDATE SKIP LOCKED)
       UPDATE sessions s SET recording_purged_at = $3::bigint, recording_purge_pending = 1
       FROM due WHERE s.id = due.id
       RETURNING ${purgeColumns('s')}`,
      [ids, endedBefore, at],
    );
    return rows.map(purgeRowToCandidate).sort(byEnd);
  }

  async purgesPending(claimedBefore: number, afterId: number, limit: number): Promise<PurgeCandidate[]> {
    const rows = await this.sql.rows<PurgeRow>(
      `SELECT ${purgeColumns()} FROM sessions
       WHERE recording_purge_pending = 1 AND id > $1 AND recording_purged_at < $2::bigint
       ORDER BY id LIMIT $3`,
      [afterId, claimedBefore, limit],
    );
    return rows.map(purgeRowToCandidate);
  }

  async purgeFilesDeleted(id: number): Promise<void> {
    await this.sql.run('UPDATE sessions SET recording_purge_pending = 0 WHERE id = $1', [id]);
  }

  async purgedHashes(hashes: readonly string[]): Promise<string[]> {
    if (hashes.length === 0) return [];
    const rows = await this.sql.rows<{ hash: string }>(
      `SELECT hash::text AS hash FROM sessions
       WHERE hash = ANY($1::citext[]) AND recording_purged_at IS NOT NULL`,
      [hashes],
    );
    return rows.map((r) => r.hash);
  }

  async listLive(): Promise<
    { id: number; userId: number; startedAt: number; recordingPath: string | null }[]
  > {
    const rows = await this.sql.rows<{
      id: number;
      user_id: number;
      started_at: number;
      recording_path: string | null;
    }>(`SELECT id, user_id, started_at, recording_path FROM sessions WHERE status = 'live' ORDER BY id`);
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      startedAt: r.started_at,
      recordingPath: r.recording_path,
    }));
  }
}
