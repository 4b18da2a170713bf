import type { Db } from './database';
import type { UserRefRecord } from './sessionTypes';

/** An auditor's Audited? flag and comment on one session (`updatedAt` null until first set). */
export interface AuditMarkRecord {
  sessionId: number;
  audited: boolean;
  comment: string;
  updatedAt: number | null;
}

/** One auditor of one session, as the sessions list shows them. */
export interface SessionAuditorRecord extends UserRefRecord {
  sessionId: number;
}

export interface AuditMarkRow {
  session_id: number;
  audited: number;
  comment: string | null;
  mark_updated_at: number | null;
}

export const MARK_COLUMNS = 'a.session_id, a.audited, a.comment, a.mark_updated_at';

export const toAuditMark = (row: AuditMarkRow): AuditMarkRecord => ({
  sessionId: row.session_id,
  audited: row.audited === 1,
  comment: row.comment ?? '',
  updatedAt: row.mark_updated_at,
});

/** Who audits which session (★ scoped access and the "Sessions for audit" view). */
export class AuditorsRepository {
  constructor(private readonly db: Db) {}

  list(sessionId: number): UserRefRecord[] {
    return this.db
      .prepare(
        `SELECT u.id, u.login, u.name FROM session_auditors a JOIN users u ON u.id = a.user_id
         WHERE a.session_id = ? ORDER BY u.login COLLATE NOCASE, u.id`,
      )
      .all(sessionId) as UserRefRecord[];
  }

  isAuditor(sessionId: number, userId: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM session_auditors WHERE session_id = ? AND user_id = ?')
        .get(sessionId, userId) !== undefined
    );
  }

  /**
   * Makes `userIds` the session's auditors. Auditors who stay keep their Audited? flag and comment.
   * Call inside a transaction together with the audit event.
   */
  replace(sessionId: number, userIds: readonly number[], addedBy: number | null, at: number): void {
    const wanted = [...new Set(userIds)];
    this.db
      .prepare(
        'DELETE FROM session_auditors WHERE session_id = ? AND user_id NOT IN (SELECT value FROM json_each(?))',
      )
      .run(sessionId, JSON.stringify(wanted));
    const add = this.db.prepare(
      'INSERT OR IGNORE INTO session_auditors (session_id, user_id, added_by, added_at) VALUES (?, ?, ?, ?)',
    );
    for (const userId of wanted) add.run(sessionId, userId, addedBy, at);
  }

  /** The auditors of every session in `sessionIds` at once (one query for a whole list page). */
  forSessions(sessionIds: readonly number[]): SessionAuditorRecord[] {
    if (sessionIds.length === 0) return [];
    return this.db
      .prepare(
        `SELECT a.session_id AS sessionId, u.id, u.login, u.name
         FROM session_auditors a JOIN users u ON u.id = a.user_id
         WHERE a.session_id IN (SELECT value FROM json_each(?))
         ORDER BY a.session_id, u.login COLLATE NOCASE, u.id`,
      )
      .all(JSON.stringify(sessionIds)) as SessionAuditorRecord[];
  }

  /** The auditor's mark on the session, or null when they do not audit it. */
  mark(sessionId: number, userId: number): AuditMarkRecord | null {
    const row = this.db
      .prepare(`SELECT ${MARK_COLUMNS} FROM session_auditors a WHERE a.session_id = ? AND a.user_id = ?`)
      .get(sessionId, userId) as AuditMarkRow | undefined;
    return row === undefined ? null : toAuditMark(row);
  }

  /** Sets the auditor's mark; false when they do not audit the session. `audited_at` keeps when it became audited. */
  setMark(sessionId: number, userId: number, audited: boolean, comment: string, at: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE session_auditors SET
             audited_at = CASE WHEN @audited = 0 THEN NULL WHEN audited = 1 THEN audited_at ELSE @at END,
             audited = @audited, comment = @comment, mark_updated_at = @at
           WHERE session_id = @sessionId AND user_id = @userId`,
        )
        .run({ sessionId, userId, audited: audited ? 1 : 0, comment, at }).changes === 1
    );
  }

  /**
   * A page of the sessions the user audits, newest session first, with their marks; `audited`
   * keeps only the marked (true) or not yet marked (false) ones.
   */
  assigned(
    userId: number,
    audited: boolean | undefined,
    offset: number,
    limit: number,
  ): { total: number; items: AuditMarkRecord[] } {
    const flag = audited === undefined ? '' : 'AND a.audited = @audited';
    const params = { userId, audited: audited === true ? 1 : 0, offset, limit };
    const { n } = this.db
      .prepare(`SELECT count(*) AS n FROM session_auditors a WHERE a.user_id = @userId ${flag}`)
      .get(params) as { n: number };
    if (n <= offset) return { total: n, items: [] };
    const rows = this.db
      .prepare(
        `SELECT ${MARK_COLUMNS} FROM session_auditors a CROSS JOIN sessions s ON s.id = a.session_id
         WHERE a.user_id = @userId ${flag}
         ORDER BY s.started_at DESC, s.id DESC LIMIT @limit OFFSET @offset`,
      )
      .all(params) as AuditMarkRow[];
    return { total: n, items: rows.map(toAuditMark) };
  }
}
