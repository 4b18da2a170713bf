import type { Db } from './database';
import type { UserRefRecord } from './sessionTypes';

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
}
