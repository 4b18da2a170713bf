import type { Db } from './database';

/** A session a peer finished for a node it took for dead, whose recording that node still has. */
export interface LostSession {
  id: number;
  userId: number;
  startedAt: number;
  endedAt: number;
  recordingPath: string;
}

export interface LostSessionRow {
  id: number;
  user_id: number;
  started_at: number;
  ended_at: number;
  recording_path: string;
}

export const LOST_SESSIONS = `SELECT s.id, s.user_id, s.started_at, s.ended_at, s.recording_path
  FROM node_sessions n JOIN sessions s ON s.id = n.session_id
  WHERE n.node_id = ? AND s.status = 'finished' AND s.error_message = ?
    AND s.recording_path IS NOT NULL AND s.recording_sha256 IS NULL
  ORDER BY s.id`;

export const toLostSession = (r: LostSessionRow): LostSession => ({
  id: r.id,
  userId: r.user_id,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  recordingPath: r.recording_path,
});

/**
 * Which gateway node runs each live session. Several nodes share one PostgreSQL database; a single
 * gateway (SQLite) never writes here, and every session is its own.
 */
export class NodeSessionsRepository {
  constructor(private readonly db: Db) {}

  register(sessionId: number, nodeId: string): void {
    this.db
      .prepare(
        'INSERT INTO node_sessions (session_id, node_id) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET node_id = excluded.node_id',
      )
      .run(sessionId, nodeId);
  }

  /** The node running the session, or null when none registered it (a single gateway). */
  ownerOf(sessionId: number): string | null {
    const row = this.db.prepare('SELECT node_id FROM node_sessions WHERE session_id = ?').get(sessionId) as
      { node_id: string } | undefined;
    return row?.node_id ?? null;
  }

  /**
   * Sessions of `nodeId` that peers finished with `errorMessage` while it was gone, whose recording
   * (on this node's disk) was never measured nor sealed.
   */
  lostSessionsOf(nodeId: string, errorMessage: string): LostSession[] {
    return (this.db.prepare(LOST_SESSIONS).all(nodeId, errorMessage) as LostSessionRow[]).map(toLostSession);
  }

  /** The sessions a node registered (live or since finished), oldest first. */
  sessionsOf(nodeId: string): number[] {
    return this.db
      .prepare('SELECT session_id FROM node_sessions WHERE node_id = ? ORDER BY session_id')
      .pluck()
      .all(nodeId) as number[];
  }
}
