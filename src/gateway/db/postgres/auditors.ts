import type { AsyncRepository } from '../asyncStore';
import type { AuditorsRepository } from '../auditors';
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
}
