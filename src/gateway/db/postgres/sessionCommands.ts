import type { AsyncRepository } from '../asyncStore';
import type { NewSessionCommand, SessionCommandRecord, SessionCommandsRepository } from '../sessionCommands';
import type { Executor } from './connection';

/** Commands typed in each SSH session, on PostgreSQL. */
export class PgSessionCommandsRepository implements AsyncRepository<SessionCommandsRepository> {
  constructor(private readonly sql: Executor) {}

  /** One statement for the whole batch; ids follow the batch's order (ORDER BY its ordinality). */
  async addMany(commands: readonly NewSessionCommand[]): Promise<void> {
    if (commands.length === 0) return;
    await this.sql.run(
      `INSERT INTO session_commands (session_id, at, offset_ms, minute, command)
       SELECT s, a, o, m, c FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::text[])
         WITH ORDINALITY AS t(s, a, o, m, c, n)
       ORDER BY n`,
      [
        commands.map((c) => c.sessionId),
        commands.map((c) => c.at),
        commands.map((c) => c.offsetMs),
        commands.map((c) => Math.floor(c.offsetMs / 60_000)),
        commands.map((c) => c.command),
      ],
    );
  }

  async list(sessionId: number): Promise<SessionCommandRecord[]> {
    const rows = await this.sql.rows<{
      id: number;
      session_id: number;
      at: number;
      offset_ms: number;
      minute: number;
      command: string;
    }>(
      `SELECT id, session_id, at, offset_ms, minute, command FROM session_commands
       WHERE session_id = $1 ORDER BY id`,
      [sessionId],
    );
    return rows.map((r) => ({
      id: r.id,
      sessionId: r.session_id,
      at: r.at,
      offsetMs: r.offset_ms,
      minute: r.minute,
      command: r.command,
    }));
  }
}
