import type { AsyncRepository } from '../asyncStore';
import {
  LOST_SESSIONS,
  toLostSession,
  type LostSession,
  type LostSessionRow,
  type NodeSessionsRepository,
} from '../nodeSessions';
import type { Executor } from './connection';

export class PgNodeSessionsRepository implements AsyncRepository<NodeSessionsRepository> {
  constructor(private readonly sql: Executor) {}

  async register(sessionId: number, nodeId: string): Promise<void> {
    await this.sql.run(
      `INSERT INTO node_sessions (session_id, node_id) VALUES ($1, $2)
       ON CONFLICT (session_id) DO UPDATE SET node_id = EXCLUDED.node_id`,
      [sessionId, nodeId],
    );
  }

  async ownerOf(sessionId: number): Promise<string | null> {
    const [row] = await this.sql.rows<{ node_id: string }>(
      'SELECT node_id FROM node_sessions WHERE session_id = $1',
      [sessionId],
    );
    return row?.node_id ?? null;
  }

  async lostSessionsOf(nodeId: string, errorMessage: string): Promise<LostSession[]> {
    const rows = await this.sql.rows<LostSessionRow>(LOST_SESSIONS.replace('?', '$1').replace('?', '$2'), [
      nodeId,
      errorMessage,
    ]);
    return rows.map(toLostSession);
  }

  async sessionsOf(nodeId: string): Promise<number[]> {
    const rows = await this.sql.rows<{ session_id: number }>(
      'SELECT session_id FROM node_sessions WHERE node_id = $1 ORDER BY session_id',
      [nodeId],
    );
    return rows.map((r) => r.session_id);
  }
}
