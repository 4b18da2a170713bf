import type { AsyncRepository } from '../asyncStore';
import type { UserKeyRecord, UserKeysRepository } from '../userKeys';
import { userKeyToRecord, type UserKeyRow } from '../rows/userKeys';
import type { Executor } from './connection';

/** Operators' SSH public keys, on PostgreSQL. */
export class PgUserKeysRepository implements AsyncRepository<UserKeysRepository> {
  constructor(private readonly sql: Executor) {}

  async add(input: Omit<UserKeyRecord, 'id'>): Promise<boolean> {
    return (
      (await this.sql.run(
        `INSERT INTO user_keys (user_id, algorithm, public_key, fingerprint, comment, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, fingerprint) DO NOTHING`,
        [input.userId, input.algorithm, input.publicKey, input.fingerprint, input.comment, input.createdAt],
      )) === 1
    );
  }

  async listForUser(userId: number): Promise<UserKeyRecord[]> {
    const rows = await this.sql.rows<UserKeyRow>('SELECT * FROM user_keys WHERE user_id = $1 ORDER BY id', [
      userId,
    ]);
    return rows.map(userKeyToRecord);
  }

  async remove(userId: number, fingerprintOrComment: string): Promise<UserKeyRecord[]> {
    const rows = await this.sql.rows<UserKeyRow>(
      'DELETE FROM user_keys WHERE user_id = $1 AND (fingerprint = $2 OR comment = $2) RETURNING *',
      [userId, fingerprintOrComment],
    );
    return rows.map(userKeyToRecord).sort((a, b) => a.id - b.id);
  }

  async find(userId: number, publicKey: Buffer): Promise<UserKeyRecord | null> {
    const [row] = await this.sql.rows<UserKeyRow>(
      'SELECT * FROM user_keys WHERE user_id = $1 AND public_key = $2',
      [userId, publicKey],
    );
    return row === undefined ? null : userKeyToRecord(row);
  }
}
