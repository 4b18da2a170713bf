import type { Db } from './database';
import { userKeyToRecord, type UserKeyRow } from './rows/userKeys';

export interface UserKeyRecord {
  id: number;
  userId: number;
  algorithm: string;
  /** SSH wire encoding of the public key. */
  publicKey: Buffer;
  fingerprint: string;
  comment: string;
  createdAt: number;
}

/** Public keys operators log into the SSH proxy with (`user key add`). */
export class UserKeysRepository {
  constructor(private readonly db: Db) {}

  /** false when the user already has this key (nothing changed). */
  add(input: Omit<UserKeyRecord, 'id'>): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO user_keys (user_id, algorithm, public_key, fingerprint, comment, created_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, fingerprint) DO NOTHING`,
        )
        .run(
          input.userId,
          input.algorithm,
          input.publicKey,
          input.fingerprint,
          input.comment,
          input.createdAt,
        ).changes === 1
    );
  }

  listForUser(userId: number): UserKeyRecord[] {
    return (
      this.db.prepare('SELECT * FROM user_keys WHERE user_id = ? ORDER BY id').all(userId) as UserKeyRow[]
    ).map(userKeyToRecord);
  }

  /** Deletes the user's keys with this fingerprint or comment; the deleted keys. */
  remove(userId: number, fingerprintOrComment: string): UserKeyRecord[] {
    return this.db
      .transaction(() => {
        const keys = this.listForUser(userId).filter(
          (k) => k.fingerprint === fingerprintOrComment || k.comment === fingerprintOrComment,
        );
        const remove = this.db.prepare('DELETE FROM user_keys WHERE id = ?');
        for (const key of keys) remove.run(key.id);
        return keys;
      })
      .immediate();
  }

  /** The user's key with exactly this public key blob, or null. */
  find(userId: number, publicKey: Buffer): UserKeyRecord | null {
    const row = this.db
      .prepare('SELECT * FROM user_keys WHERE user_id = ? AND public_key = ?')
      .get(userId, publicKey) as UserKeyRow | undefined;
    return row === undefined ? null : userKeyToRecord(row);
  }
}
