import type { AsyncRepository } from '../asyncStore';
import type { RecordingSealsRepository, SealableSession, StoredSeal } from '../recordingSeals';
import {
  SEALABLE_SELECT,
  sealableToSession,
  sealRowToSeal,
  type SealableRow,
  type SealRow,
} from '../rows/recordingSeals';
import type { Executor } from './connection';

/** The signed manifests of finished recordings on PostgreSQL: one per recording, written once. */
export class PgRecordingSealsRepository implements AsyncRepository<RecordingSealsRepository> {
  constructor(private readonly sql: Executor) {}

  async sealable(sessionId: number): Promise<SealableSession | null> {
    const [row] = await this.sql.rows<SealableRow>(`${SEALABLE_SELECT} AND s.id = $1`, [sessionId]);
    return row === undefined ? null : sealableToSession(row);
  }

  async unsealed(): Promise<SealableSession[]> {
    const rows = await this.sql.rows<SealableRow>(
      `${SEALABLE_SELECT} AND NOT EXISTS (SELECT 1 FROM recording_seals r WHERE r.session_id = s.id) ORDER BY s.id`,
    );
    return rows.map(sealableToSession);
  }

  /** Keeps the first seal, also when two nodes seal the same recording at once. */
  async insert(sessionId: number, seal: StoredSeal): Promise<boolean> {
    const inserted = await this.sql.run(
      `INSERT INTO recording_seals (session_id, manifest, signature, key_id, signed_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO NOTHING`,
      [sessionId, seal.manifest, seal.signature, seal.keyId, seal.signedAt],
    );
    return inserted === 1;
  }

  async get(sessionId: number): Promise<StoredSeal | null> {
    const [row] = await this.sql.rows<SealRow>(
      'SELECT manifest, signature, key_id, signed_at FROM recording_seals WHERE session_id = $1',
      [sessionId],
    );
    return row === undefined ? null : sealRowToSeal(row);
  }
}
