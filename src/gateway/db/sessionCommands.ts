import type { Db } from './database';

export interface SessionCommandRecord {
  id: number;
  sessionId: number;
  /** When Enter was pressed (ms since the epoch). */
  at: number;
  /** Milliseconds since the session started. */
  offsetMs: number;
  /** The minute of the session the command ran in (0 = the first minute). */
  minute: number;
  command: string;
}

export type NewSessionCommand = Omit<SessionCommandRecord, 'id' | 'minute'>;

/** Commands typed in each SSH session, for the session logs. */
export class SessionCommandsRepository {
  constructor(private readonly db: Db) {}

  addMany(commands: readonly NewSessionCommand[]): void {
    if (commands.length === 0) return;
    const insert = this.db.prepare(
      'INSERT INTO session_commands (session_id, at, offset_ms, minute, command) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const c of commands) {
        insert.run(c.sessionId, c.at, c.offsetMs, Math.floor(c.offsetMs / 60_000), c.command);
      }
    })();
  }

  list(sessionId: number): SessionCommandRecord[] {
    const rows = this.db
      .prepare(
        `SELECT id, session_id, at, offset_ms, minute, command FROM session_commands
         WHERE session_id = ? ORDER BY id`,
      )
      .all(sessionId) as {
      id: number;
      session_id: number;
      at: number;
      offset_ms: number;
      minute: number;
      command: string;
    }[];
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
