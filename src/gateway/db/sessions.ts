import type { Statement } from 'better-sqlite3';
import type { Db } from './database';
import type { SessionFilter } from './sessionFilters';
import { SessionSearch, type ExportPlan } from './sessionSearch';
import { sessionSelect, sessionToRecord, type SessionRow } from './rows/sessions';
import {
  byEnd,
  purgeColumns,
  purgeDueWhere,
  purgeRowToCandidate,
  type PurgeCandidate,
  type PurgeCursor,
  type PurgeRow,
} from './rows/recordingPurges';
import type { NewSession, SessionRecord, Visibility } from './sessionTypes';

const SELECT = sessionSelect('@viewer');

/** The sessions table. Sessions enter only through `insert` (proxy, tests, seeding), never via HTTP. */
export class SessionsRepository {
  private readonly search: SessionSearch;
  private readonly insertStatement: Statement;
  private readonly byId: Statement;
  private readonly byIds: Statement;

  constructor(private readonly db: Db) {
    this.search = new SessionSearch(db);
    this.insertStatement = db.prepare(`
      INSERT INTO sessions (hash, user_id, user_login, origin_ip, credential, device, protocol, proxy, status,
        started_at, ended_at, duration_ms, blocked, reason, error_message, recording_path, recording_size,
        recording_sha256)
      SELECT @hash, u.id, u.login, @originIp, @credential, @device, @protocol, @proxy, @status, @startedAt,
        @endedAt, @durationMs, @blocked, @reason, @errorMessage, @recordingPath, @recordingSize, @recordingSha256
      FROM users u WHERE u.id = @userId`);
    this.byId = db.prepare(`${SELECT} WHERE s.id = @id`);
    this.byIds = db.prepare(`${SELECT} WHERE s.id IN (SELECT value FROM json_each(@ids))`);
  }

  /** Inserts one session and returns its id; the user must exist. */
  insert(session: NewSession): number {
    const result = this.insertStatement.run({
      hash: session.hash,
      userId: session.userId,
      originIp: session.originIp,
      credential: session.credential,
      device: session.device,
      protocol: session.protocol,
      proxy: session.proxy,
      status: session.status,
      startedAt: session.startedAt,
      endedAt: session.endedAt ?? null,
      durationMs: session.durationMs ?? null,
      blocked: session.blocked === true ? 1 : 0,
      reason: session.reason ?? null,
      errorMessage: session.errorMessage ?? null,
      recordingPath: session.recording?.path ?? null,
      recordingSize: session.recording?.size ?? null,
      recordingSha256: session.recording?.sha256 ?? null,
    });
    if (result.changes !== 1) throw new Error(`No user with id ${session.userId}`);
    return Number(result.lastInsertRowid);
  }

  insertMany(sessions: Iterable<NewSession>): number[] {
    return this.db.transaction((items: Iterable<NewSession>) => Array.from(items, (s) => this.insert(s)))(
      sessions,
    );
  }

  get(id: number, viewerId: number): SessionRecord | null {
    const row = this.byId.get({ id, viewer: viewerId }) as SessionRow | undefined;
    return row === undefined ? null : sessionToRecord(row);
  }

  /** The sessions with these ids, in the order of `ids`. */
  getMany(ids: readonly number[], viewerId: number): SessionRecord[] {
    if (ids.length === 0) return [];
    const rows = this.byIds.all({ ids: JSON.stringify(ids), viewer: viewerId }) as SessionRow[];
    const byId = new Map(rows.map((r) => [r.id, sessionToRecord(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  list(
    filter: SessionFilter,
    visibility: Visibility,
    viewerId: number,
    offset: number,
    limit: number,
  ): { total: number; items: SessionRecord[] } {
    const { total, ids } = this.search.search(filter, visibility, offset, limit);
    return { total, items: this.getMany(ids, viewerId) };
  }

  /** Sets prevent-purge; false when it was already set (nothing changed). */
  setPreventPurge(id: number, justification: string, byUserId: number, at: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE sessions SET prevent_purge_justification = ?, prevent_purge_by = ?, prevent_purge_at = ?
           WHERE id = ? AND prevent_purge_at IS NULL`,
        )
        .run(justification, byUserId, at, id).changes === 1
    );
  }

  /** Clears prevent-purge; false when it was not set. */
  clearPreventPurge(id: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE sessions SET prevent_purge_justification = NULL, prevent_purge_by = NULL, prevent_purge_at = NULL
           WHERE id = ? AND prevent_purge_at IS NOT NULL`,
        )
        .run(id).changes === 1
    );
  }

  /** Finishes a live session (used by the proxy and by tests). */
  finish(id: number, endedAt: number, errorMessage: string | null = null): boolean {
    return (
      this.db
        .prepare(
          `UPDATE sessions SET status = 'finished', ended_at = @endedAt, duration_ms = @endedAt - started_at,
             error_message = coalesce(@errorMessage, error_message)
           WHERE id = @id AND status = 'live'`,
        )
        .run({ id, endedAt, errorMessage }).changes === 1
    );
  }

  /** Where a live session's recording is being written; size and SHA-256 follow when it is finished. */
  setRecordingPath(id: number, path: string): void {
    this.db.prepare('UPDATE sessions SET recording_path = ? WHERE id = ?').run(path, id);
  }

  /** The finished recording's file, size and SHA-256. */
  setRecording(id: number, recording: { path: string; size: number; sha256: string }): void {
    this.db
      .prepare(
        'UPDATE sessions SET recording_path = ?, recording_size = ?, recording_sha256 = ? WHERE id = ?',
      )
      .run(recording.path, recording.size, recording.sha256, id);
  }

  /** Sessions still marked live, oldest first (after a crash: none of them is running any more). */
  listLive(): { id: number; userId: number; startedAt: number; recordingPath: string | null }[] {
    return (
      this.db
        .prepare(
          `SELECT id, user_id, started_at, recording_path FROM sessions WHERE status = 'live' ORDER BY id`,
        )
        .all() as { id: number; user_id: number; started_at: number; recording_path: string | null }[]
    ).map((r) => ({ id: r.id, userId: r.user_id, startedAt: r.started_at, recordingPath: r.recording_path }));
  }

  /**
   * Finished sessions ended before `endedBefore` whose recording is kept and not protected, oldest
   * end first, resuming after `after` (a keyset page: a dry run pages through without changing them).
   */
  purgeDue(endedBefore: number, after: PurgeCursor | null, limit: number): PurgeCandidate[] {
    return (
      this.db
        .prepare(
          `SELECT ${purgeColumns()} FROM sessions
           WHERE ${purgeDueWhere('@endedBefore')} AND (ended_at, id) > (@afterEndedAt, @afterId)
           ORDER BY ended_at, id LIMIT @limit`,
        )
        .all({
          endedBefore,
          afterEndedAt: after?.endedAt ?? -1,
          afterId: after?.id ?? 0,
          limit,
        }) as PurgeRow[]
    ).map(purgeRowToCandidate);
  }

  /**
   * Marks these recordings purged at `at`, their files still to delete, those still due: one that
   * another purger took first, or that got Prevent Purge meanwhile, is not returned. One statement
   * decides.
   */
  claimPurges(ids: readonly number[], endedBefore: number, at: number): PurgeCandidate[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `UPDATE sessions SET recording_purged_at = @at, recording_purge_pending = 1
         WHERE id IN (SELECT value FROM json_each(@ids)) AND ${purgeDueWhere('@endedBefore')}
         RETURNING ${purgeColumns()}`,
      )
      .all({ ids: JSON.stringify(ids), endedBefore, at }) as PurgeRow[];
    return rows.map(purgeRowToCandidate).sort(byEnd);
  }

  /**
   * Sessions purged before `claimedBefore` whose files are not known to be deleted (a delete that
   * failed), by id from `afterId`.
   */
  purgesPending(claimedBefore: number, afterId: number, limit: number): PurgeCandidate[] {
    return (
      this.db
        .prepare(
          `SELECT ${purgeColumns()} FROM sessions
           WHERE recording_purge_pending = 1 AND id > ? AND recording_purged_at < ? ORDER BY id LIMIT ?`,
        )
        .all(afterId, claimedBefore, limit) as PurgeRow[]
    ).map(purgeRowToCandidate);
  }

  /** The purged recording's files are gone from this node and from the shared store. */
  purgeFilesDeleted(id: number): void {
    this.db.prepare('UPDATE sessions SET recording_purge_pending = 0 WHERE id = ?').run(id);
  }

  /** Which of these session hashes belong to purged recordings (files a node may still hold). */
  purgedHashes(hashes: readonly string[]): string[] {
    if (hashes.length === 0) return [];
    return this.db
      .prepare(
        `SELECT hash FROM sessions
         WHERE hash IN (SELECT value FROM json_each(?)) AND recording_purged_at IS NOT NULL`,
      )
      .pluck()
      .all(JSON.stringify(hashes)) as string[];
  }

  /** How to stream every matching session (selected `columns` of `s`), newest first. */
  exportPlan(filter: SessionFilter, visibility: Visibility, columns: string): ExportPlan {
    return this.search.exportPlan(filter, visibility, columns);
  }
}
