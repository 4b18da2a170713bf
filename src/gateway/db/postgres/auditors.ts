import type { AsyncRepository } from '../asyncStore';
import {
  MARK_COLUMNS,
  toAuditMark,
  type AuditMarkRecord,
  type AuditMarkRow,
  type AuditorsRepository,
  type SessionAuditorRecord,
} from '../auditors';
import type { UserRefRecord } from '../sessionTypes';
import type { Executor } from './connection';

/** Who audits which session, on PostgreSQL. */
export class PgAuditorsRepository implements AsyncRepository<AuditorsRepository> {
  constructor(private readonly sql: Executor) {}

  list(sessionId: number): Promise<UserRefRecord[]> {
    return this.sql.rows<UserRefRecord>(
      `SELECT u.id, u.login, u.name FROM session_auditors a JOIN users u ON u.id = a.user_id
       WHERE a.session_id = $1 ORDER BY u.login, u.id`,
      [sessionId],
    );
  }

  async isAuditor(sessionId: number, userId: number): Promise<boolean> {
    const rows = await this.sql.rows(
      'SELECT 1 FROM session_auditors WHERE session_id = $1 AND user_id = $2',
      [sessionId, userId],
    );
    return rows.length > 0;
  }

  /** As on SQLite: auditors who stay keep their Audited? flag and comment. */
  replace(sessionId: number, userIds: readonly number[], addedBy: number | null, at: number): Promise<void> {
    const wanted = [...new Set(userIds)];
    return this.sql.atomic(async (tx) => {
      await tx.run('DELETE FROM session_auditors WHERE session_id = $1 AND user_id <> ALL($2::bigint[])', [
        sessionId,
        wanted,
      ]);
      await tx.run(
        `INSERT INTO session_auditors (session_id, user_id, added_by, added_at)
         SELECT $1, unnest($2::bigint[]), $3, $4 ON CONFLICT DO NOTHING`,
        [sessionId, wanted, addedBy, at],
      );
    });
  }

  /** As on SQLite: every listed session's auditors in one query. */
  forSessions(sessionIds: readonly number[]): Promise<SessionAuditorRecord[]> {
    if (sessionIds.length === 0) return Promise.resolve([]);
    return this.sql.rows<SessionAuditorRecord>(
      `SELECT a.session_id AS "sessionId", u.id, u.login, u.name
       FROM session_auditors a JOIN users u ON u.id = a.user_id
       WHERE a.session_id = ANY($1::bigint[]) ORDER BY a.session_id, u.login, u.id`,
      [sessionIds],
    );
  }

  async mark(sessionId: number, userId: number): Promise<AuditMarkRecord | null> {
    const [row] = await this.sql.rows<AuditMarkRow>(
      `SELECT ${MARK_COLUMNS} FROM session_auditors a WHERE a.session_id = $1 AND a.user_id = $2`,
      [sessionId, userId],
    );
    return row === undefined ? null : toAuditMark(row);
  }

  async setMark(
    sessionId: number,
    userId: number,
    audited: boolean,
    comment: string,
    at: number,
  ): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE session_auditors SET
         audited_at = CASE WHEN $3::smallint = 0 THEN NULL WHEN audited = 1 THEN audited_at ELSE $5::bigint END,
         audited = $3::smallint, comment = $4, mark_updated_at = $5::bigint
       WHERE session_id = $1 AND user_id = $2`,
      [sessionId, userId, audited ? 1 : 0, comment, at],
    );
    return changed === 1;
  }

  async assigned(
    userId: number,
    audited: boolean | undefined,
    offset: number,
    limit: number,
  ): Promise<{ total: number; items: AuditMarkRecord[] }> {
    const values: unknown[] = [userId];
    const flag = audited === undefined ? '' : `AND a.audited = $${values.push(audited ? 1 : 0)}`;
    const [count] = await this.sql.rows<{ n: number }>(
      `SELECT count(*) AS n FROM session_auditors a WHERE a.user_id = $1 ${flag}`,
      values,
    );
    const total = count?.n ?? 0;
    if (total <= offset) return { total, items: [] };
    const n = values.length;
    const rows = await this.sql.rows<AuditMarkRow>(
      `SELECT ${MARK_COLUMNS} FROM session_auditors a JOIN sessions s ON s.id = a.session_id
       WHERE a.user_id = $1 ${flag}
       ORDER BY s.started_at DESC, s.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...values, limit, offset],
    );
    return { total, items: rows.map(toAuditMark) };
  }
}
