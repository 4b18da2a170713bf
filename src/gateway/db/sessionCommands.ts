import type { Db } from './database';
import {
  sessionCommandsSelect,
  sessionCommandToRecord,
  type SessionCommandRow,
} from './rows/sessionCommands';

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
    const rows = this.db.prepare(sessionCommandsSelect('?')).all(sessionId) as SessionCommandRow[];
    return rows.map(sessionCommandToRecord);
  }
}
