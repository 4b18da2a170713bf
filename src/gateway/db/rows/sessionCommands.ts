import type { SessionCommandRecord } from '../sessionCommands';

export interface SessionCommandRow {
  id: number;
  session_id: number;
  at: number;
  offset_ms: number;
  minute: number;
  command: string;
}

/** A session's commands in the order they were typed; `session` is the engine's placeholder. */
export const sessionCommandsSelect = (session: string): string =>
  `SELECT id, session_id, at, offset_ms, minute, command FROM session_commands
   WHERE session_id = ${session} ORDER BY id`;

export const sessionCommandToRecord = (r: SessionCommandRow): SessionCommandRecord => ({
  id: r.id,
  sessionId: r.session_id,
  at: r.at,
  offsetMs: r.offset_ms,
  minute: r.minute,
  command: r.command,
});
