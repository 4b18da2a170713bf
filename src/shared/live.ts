/**
 * Wire protocol of the Live Stream WebSocket (`/api/v1/sessions/:id/live?ticket=…`, SPEC §3) and of
 * the session-updates push. Terminal output travels as binary frames (the raw bytes the target sent);
 * everything else is a JSON text frame of the types below. Viewers are read-only: the gateway ignores
 * whatever a viewer sends and closes the socket if it keeps sending.
 */
export type LiveServerMessage =
  /** First message: the current screen, so a late joiner sees what the operator sees. */
  | { type: 'snapshot'; cols: number; rows: number; screen: string; blocked: boolean; startedAt: string }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'interactivity'; blocked: boolean; by: string; at: string }
  /** The session ended (terminated, dropped or failed); the socket closes right after. */
  | { type: 'ended'; reason: 'terminated' | 'dropped' | 'failed'; at: string; message: string | null };

/** Close codes the live socket uses besides 1000. */
export const LIVE_CLOSE = {
  badTicket: 4401,
  forbidden: 4403,
  notLive: 4409,
} as const;

/** Pushed on `/api/v1/sessions/updates` whenever a session row changes (start, block, end…). */
export interface SessionUpdate {
  type: 'session';
  sessionId: number;
  change: 'started' | 'updated' | 'finished';
}
