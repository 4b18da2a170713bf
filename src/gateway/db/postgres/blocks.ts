import type { AsyncRepository } from '../asyncStore';
import type { BlockRecord, BlocksRepository, BlockStatus } from '../blocks';
import { BLOCK_SELECT, blockStatusWhere, blockToRecord, type BlockRow } from '../rows/blocks';
import type { Executor } from './connection';

/** Any fixed number, paired with the blocked operator's id. */
const BLOCKS_LOCK = 0x76696703;

/**
 * "Hold on!" blocks on PostgreSQL. SQLite serialises every writer; here auditors on several nodes
 * block and release at once, so each change takes a lock on the blocked operator: two auditors
 * cannot both block one session, and two releases cannot each see the other's block as still
 * active and leave the sessions blocked with no active block.
 */
export class PgBlocksRepository implements AsyncRepository<BlocksRepository> {
  constructor(private readonly sql: Executor) {}

  create(input: {
    sessionId: number;
    blockedUserId: number;
    authorId: number;
    at: number;
  }): Promise<BlockRecord | null> {
    return this.sql.atomic(async (tx) => {
      await tx.rows('SELECT pg_advisory_xact_lock($1, $2)', [BLOCKS_LOCK, input.blockedUserId]);
      if ((await new PgBlocksRepository(tx).activeForSession(input.sessionId)) !== null) return null;
      const [row] = await tx.rows<{ id: number }>(
        'INSERT INTO blocks (session_id, blocked_user_id, author_id, blocked_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [input.sessionId, input.blockedUserId, input.authorId, input.at],
      );
      // A block holds every live session of the operator, not only the one it was set in.
      await tx.run(`UPDATE sessions SET blocked = 1 WHERE id = $1 OR (user_id = $2 AND status = 'live')`, [
        input.sessionId,
        input.blockedUserId,
      ]);
      return new PgBlocksRepository(tx).get(row!.id);
    });
  }

  release(id: number, releaserId: number, at: number): Promise<boolean> {
    return this.sql.atomic(async (tx) => {
      const [block] = await tx.rows<{ blocked_user_id: number }>(
        'SELECT blocked_user_id FROM blocks WHERE id = $1',
        [id],
      );
      if (block === undefined) return false;
      await tx.rows('SELECT pg_advisory_xact_lock($1, $2)', [BLOCKS_LOCK, block.blocked_user_id]);
      const changed =
        (await tx.run(
          'UPDATE blocks SET released_at = $1, releaser_id = $2 WHERE id = $3 AND released_at IS NULL',
          [at, releaserId, id],
        )) === 1;
      if (changed) {
        // A live session stays blocked while its operator has any active block; a finished one
        // while it has its own.
        await tx.run(
          `UPDATE sessions SET blocked = 0
           WHERE blocked = 1
             AND (id = (SELECT session_id FROM blocks WHERE id = $1)
               OR (status = 'live' AND user_id = (SELECT blocked_user_id FROM blocks WHERE id = $1)))
             AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.released_at IS NULL
               AND (b.session_id = sessions.id
                 OR (sessions.status = 'live' AND b.blocked_user_id = sessions.user_id)))`,
          [id],
        );
      }
      return changed;
    });
  }

  async get(id: number): Promise<BlockRecord | null> {
    const [row] = await this.sql.rows<BlockRow>(`${BLOCK_SELECT} WHERE b.id = $1`, [id]);
    return row === undefined ? null : blockToRecord(row);
  }

  async activeForSession(sessionId: number): Promise<BlockRecord | null> {
    const [row] = await this.sql.rows<BlockRow>(
      `${BLOCK_SELECT} WHERE b.session_id = $1 AND b.released_at IS NULL ORDER BY b.id LIMIT 1`,
      [sessionId],
    );
    return row === undefined ? null : blockToRecord(row);
  }

  async activeBlockForUser(userId: number): Promise<BlockRecord | null> {
    const [row] = await this.sql.rows<BlockRow>(
      `${BLOCK_SELECT} WHERE b.blocked_user_id = $1 AND b.released_at IS NULL ORDER BY b.id LIMIT 1`,
      [userId],
    );
    return row === undefined ? null : blockToRecord(row);
  }

  async list(status?: BlockStatus): Promise<BlockRecord[]> {
    const where = blockStatusWhere(status);
    return (
      await this.sql.rows<BlockRow>(`${BLOCK_SELECT} ${where} ORDER BY b.blocked_at DESC, b.id DESC`)
    ).map(blockToRecord);
  }
}
