import type { Db } from './database';
import { BLOCK_SELECT, blockStatusWhere, blockToRecord, type BlockRow } from './rows/blocks';
import type { UserRefRecord } from './sessionTypes';

/** One "Hold on!" block: who was blocked in which session, by whom, and its release. */
export interface BlockRecord {
  id: number;
  sessionId: number;
  blockedUser: UserRefRecord;
  author: UserRefRecord;
  blockedAt: number;
  releasedAt: number | null;
  releaser: UserRefRecord | null;
}

export type BlockStatus = 'active' | 'released';

/**
 * The blocks table. A block stays active after its session ended until someone releases it: while
 * it is active the blocked operator may not start new sessions. A live session row's
 * `blocked` flag follows its operator's active blocks; a finished one its own.
 */
export class BlocksRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates an active block for the session's operator; null when the session already has one
   * (nothing changed). Runs in an IMMEDIATE transaction, so two auditors cannot both block.
   */
  create(input: {
    sessionId: number;
    blockedUserId: number;
    authorId: number;
    at: number;
  }): BlockRecord | null {
    return this.db
      .transaction(() => {
        if (this.activeForSession(input.sessionId) !== null) return null;
        const result = this.db
          .prepare(
            'INSERT INTO blocks (session_id, blocked_user_id, author_id, blocked_at) VALUES (?, ?, ?, ?)',
          )
          .run(input.sessionId, input.blockedUserId, input.authorId, input.at);
        // A block holds every live session of the operator, not only the one it was set in.
        this.db
          .prepare(`UPDATE sessions SET blocked = 1 WHERE id = ? OR (user_id = ? AND status = 'live')`)
          .run(input.sessionId, input.blockedUserId);
        return this.get(Number(result.lastInsertRowid));
      })
      .immediate();
  }

  /** Releases an active block; false when it does not exist or was already released. */
  release(id: number, releaserId: number, at: number): boolean {
    return this.db
      .transaction(() => {
        const changed =
          this.db
            .prepare(
              'UPDATE blocks SET released_at = ?, releaser_id = ? WHERE id = ? AND released_at IS NULL',
            )
            .run(at, releaserId, id).changes === 1;
        if (changed) {
          // A live session stays blocked while its operator has any active block; a finished one
          // while it has its own.
          this.db
            .prepare(
              `UPDATE sessions SET blocked = 0
               WHERE blocked = 1
                 AND (id = (SELECT session_id FROM blocks WHERE id = @id)
                   OR (status = 'live' AND user_id = (SELECT blocked_user_id FROM blocks WHERE id = @id)))
                 AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.released_at IS NULL
                   AND (b.session_id = sessions.id
                     OR (sessions.status = 'live' AND b.blocked_user_id = sessions.user_id)))`,
            )
            .run({ id });
        }
        return changed;
      })
      .immediate();
  }

  get(id: number): BlockRecord | null {
    const row = this.db.prepare(`${BLOCK_SELECT} WHERE b.id = ?`).get(id) as BlockRow | undefined;
    return row === undefined ? null : blockToRecord(row);
  }

  /** The session's active block, if any. */
  activeForSession(sessionId: number): BlockRecord | null {
    const row = this.db
      .prepare(`${BLOCK_SELECT} WHERE b.session_id = ? AND b.released_at IS NULL ORDER BY b.id LIMIT 1`)
      .get(sessionId) as BlockRow | undefined;
    return row === undefined ? null : blockToRecord(row);
  }

  /**
   * The operator's oldest active block, or null: the SSH proxy refuses new sessions while there is
   * one, naming its author and time (blockedOperatorMessage in src/shared/messages.ts).
   */
  activeBlockForUser(userId: number): BlockRecord | null {
    const row = this.db
      .prepare(`${BLOCK_SELECT} WHERE b.blocked_user_id = ? AND b.released_at IS NULL ORDER BY b.id LIMIT 1`)
      .get(userId) as BlockRow | undefined;
    return row === undefined ? null : blockToRecord(row);
  }

  /** The Blocked users report, newest first; optionally only active or only released blocks. */
  list(status?: BlockStatus): BlockRecord[] {
    const where = blockStatusWhere(status);
    return (
      this.db.prepare(`${BLOCK_SELECT} ${where} ORDER BY b.blocked_at DESC, b.id DESC`).all() as BlockRow[]
    ).map(blockToRecord);
  }
}
