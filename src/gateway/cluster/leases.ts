import type pg from 'pg';
import { inTransaction, type Executor } from '../db/postgres/connection';
import { PgEventsRepository } from '../db/postgres/events';

/** What a live session of a node that died ends with. */
export const NODE_LOST_MESSAGE = 'gateway node lost';

export interface LeaseOptions {
  /** How often this node renews its lease. */
  heartbeatMs: number;
  /** A lease not renewed for this long is expired: its node is taken for dead. */
  expireAfterMs: number;
  /** How often this node looks for expired peers. */
  scanMs: number;
}

/**
 * A dead node's sessions must be finished within 15 s of its death: its lease expires 10 s after
 * its last heartbeat, and peers look every 2 s, so the worst case is 12 s plus the claim itself.
 */
export const DEFAULT_LEASE_OPTIONS: LeaseOptions = {
  heartbeatMs: 3_000,
  expireAfterMs: 10_000,
  scanMs: 2_000,
};

/** A node found dead, and the live sessions this node finished for it. */
export interface ClaimedNode {
  nodeId: string;
  lastHeartbeatAt: number;
  sessionIds: number[];
}

/**
 * Times are the database's clock, so nodes whose clocks disagree still agree on who expired.
 * (clock_timestamp, not now(): now() is frozen at the start of the transaction.)
 */
const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * One node's lease in PostgreSQL, and its watch over its peers' leases. Claiming is exactly once:
 * the claimer locks the expired lease row (FOR UPDATE SKIP LOCKED), so a peer racing it skips
 * that node, and deletes the row in the same transaction that finishes the sessions.
 */
export class NodeLeases {
  readonly #options: LeaseOptions;
  #heartbeat: NodeJS.Timeout | null = null;
  #scan: NodeJS.Timeout | null = null;
  #held = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly nodeId: string,
    options: Partial<LeaseOptions> = {},
    /** Called with what each scan claimed, and with failures nobody else waits for. */
    private readonly events: {
      claimed?: (node: ClaimedNode) => void;
      lost?: () => void;
      error?: (error: Error) => void;
    } = {},
  ) {
    this.#options = { ...DEFAULT_LEASE_OPTIONS, ...options };
  }

  /** Takes the lease and keeps it; `watchPeers` also claims the sessions of nodes that died. */
  async start({ watchPeers = true }: { watchPeers?: boolean } = {}): Promise<void> {
    // The tables (node_leases, node_sessions) come with the schema (migration gatewayNodes).
    await this.heartbeat();
    this.#heartbeat = setInterval(() => void this.beat(), this.#options.heartbeatMs);
    if (watchPeers) this.#scan = setInterval(() => void this.scan(), this.#options.scanMs);
  }

  /**
   * Renews the lease; true when it was still held. False means peers took this node for dead and
   * finished its sessions: whatever it still runs is no longer recorded as live.
   */
  async heartbeat(): Promise<boolean> {
    const [row] = await this.pool
      .query<{ inserted: boolean }>(
        `INSERT INTO node_leases (node_id, started_at, heartbeat_at) VALUES ($1, ${NOW_MS}, ${NOW_MS})
       ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at
       RETURNING (xmax = 0) AS inserted`,
        [this.nodeId],
      )
      .then((r) => r.rows);
    const continuous = !(row?.inserted ?? false) || !this.#held;
    this.#held = true;
    return continuous;
  }

  /** This node runs `sessionId` (called when the session starts). */
  async registerSession(sessionId: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO node_sessions (session_id, node_id) VALUES ($1, $2)
       ON CONFLICT (session_id) DO UPDATE SET node_id = EXCLUDED.node_id`,
      [sessionId, this.nodeId],
    );
  }

  /** Peers whose lease expired and that no peer claimed yet. */
  async expiredPeers(): Promise<string[]> {
    const rows = await this.pool.query<{ node_id: string }>(
      `SELECT node_id FROM node_leases WHERE heartbeat_at < ${NOW_MS} - $1::bigint AND node_id <> $2
       ORDER BY node_id`,
      [this.#options.expireAfterMs, this.nodeId],
    );
    return rows.rows.map((r) => r.node_id);
  }

  /** Finishes the live sessions of every node whose lease expired that no peer is claiming now. */
  claimExpired(): Promise<ClaimedNode[]> {
    return inTransaction(this.pool, async (sql) => {
      const expired = await sql.rows<{ node_id: string; heartbeat_at: number }>(
        `SELECT node_id, heartbeat_at FROM node_leases
         WHERE heartbeat_at < ${NOW_MS} - $1::bigint AND node_id <> $2
         ORDER BY node_id FOR UPDATE SKIP LOCKED`,
        [this.#options.expireAfterMs, this.nodeId],
      );
      const claimed: ClaimedNode[] = [];
      for (const lease of expired) {
        claimed.push({
          nodeId: lease.node_id,
          lastHeartbeatAt: lease.heartbeat_at,
          sessionIds: await finishSessionsOf(sql, lease.node_id, lease.heartbeat_at),
        });
        await sql.run('DELETE FROM node_leases WHERE node_id = $1', [lease.node_id]);
      }
      return claimed;
    });
  }

  /** Stops heartbeating; `release` also gives the lease up (a clean shutdown, nothing left live). */
  async stop({ release = false }: { release?: boolean } = {}): Promise<void> {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    if (this.#scan !== null) clearInterval(this.#scan);
    this.#heartbeat = null;
    this.#scan = null;
    // Without `release` the lease stays: a node that only paused learns at its next heartbeat
    // whether peers took it for dead meanwhile.
    if (release) {
      await this.pool.query('DELETE FROM node_leases WHERE node_id = $1', [this.nodeId]);
      this.#held = false;
    }
  }

  private async beat(): Promise<void> {
    try {
      if (!(await this.heartbeat())) this.events.lost?.();
    } catch (error) {
      this.events.error?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async scan(): Promise<void> {
    try {
      for (const node of await this.claimExpired()) this.events.claimed?.(node);
    } catch (error) {
      this.events.error?.(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/**
 * Marks the node's live sessions finished, each with its audit event (dated when the claim is
 * made). They ended no earlier than the node's last heartbeat; that is the end recorded (its
 * recording, recovered when the node comes back, may show a little more).
 */
async function finishSessionsOf(sql: Executor, nodeId: string, lastHeartbeatAt: number): Promise<number[]> {
  const finished = await sql.rows<{ id: number; user_id: number; now: number }>(
    `UPDATE sessions s SET status = 'finished', ended_at = greatest(s.started_at, $2::bigint),
       duration_ms = greatest(s.started_at, $2::bigint) - s.started_at,
       error_message = $3
     FROM node_sessions n
     WHERE n.session_id = s.id AND n.node_id = $1 AND s.status = 'live'
     RETURNING s.id, s.user_id, ${NOW_MS} AS now`,
    [nodeId, lastHeartbeatAt, NODE_LOST_MESSAGE],
  );
  finished.sort((a, b) => a.id - b.id);
  const events = new PgEventsRepository(sql);
  for (const session of finished) {
    await events.append({
      type: 'Terminated',
      at: session.now,
      actorId: session.user_id,
      originIp: null,
      sessionId: session.id,
      note: `${NODE_LOST_MESSAGE}: node ${nodeId} stopped renewing its lease`,
    });
  }
  return finished.map((s) => s.id);
}
