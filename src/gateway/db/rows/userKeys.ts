import type { UserKeyRecord } from '../userKeys';

export interface UserKeyRow {
  id: number;
  user_id: number;
  algorithm: string;
  public_key: Buffer;
  fingerprint: string;
  comment: string;
  created_at: number;
}

export const userKeyToRecord = (r: UserKeyRow): UserKeyRecord => ({
  id: r.id,
  userId: r.user_id,
  algorithm: r.algorithm,
  publicKey: r.public_key,
  fingerprint: r.fingerprint,
  comment: r.comment,
  createdAt: r.created_at,
});
