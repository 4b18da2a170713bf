import type { AsyncRepository } from '../asyncStore';
import type { NewSessionCommand, SessionCommandRecord, SessionCommandsRepository } from '../sessionCommands';
import {
  sessionCommandsSelect,
  sessionCommandToRecord,
  type SessionCommandRow,
} from '../rows/sessionCommands';
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
    const rows = await this.sql.rows<SessionCommandRow>(sessionCommandsSelect('$1'), [sessionId]);
    return rows.map(sessionCommandToRecord);
  }
}
