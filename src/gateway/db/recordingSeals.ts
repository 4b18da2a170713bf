import type { Db } from './database';
import {
  SEALABLE_SELECT,
  sealableToSession,
  sealRowToSeal,
  type SealableRow,
  type SealRow,
} from './rows/recordingSeals';

/** A finished session's facts as its recording manifest names them. */
export interface SealableSession {
  id: number;
  hash: string;
  operator: string;
  account: string;
  target: string;
  protocol: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  errorMessage: string | null;
  recording: { path: string; size: number; sha256: string };
}

export interface StoredSeal {
  /** The canonical JSON that was signed. */
  manifest: string;
  /** Base64 Ed25519 signature of `manifest` (UTF-8). */
  signature: string;
  keyId: string;
  signedAt: number;
}

/** The `recording_seals` table: one signed manifest per finished recording, written once. */
export class RecordingSealsRepository {
  constructor(private readonly db: Db) {}

  /** The session's facts when it is finished with a hashed recording; null otherwise. */
  sealable(sessionId: number): SealableSession | null {
    const row = this.db.prepare(`${SEALABLE_SELECT} AND s.id = ?`).get(sessionId) as SealableRow | undefined;
    return row === undefined ? null : sealableToSession(row);
  }

  /** Finished recordings that have no seal yet (a sealing failure, or a gateway stopped mid-way). */
  unsealed(): SealableSession[] {
    return (
      this.db
        .prepare(
          `${SEALABLE_SELECT} AND NOT EXISTS (SELECT 1 FROM recording_seals r WHERE r.session_id = s.id) ORDER BY s.id`,
        )
        .all() as SealableRow[]
    ).map(sealableToSession);
  }

  /** Keeps the first seal of a session (a recording is sealed once); false when it already had one. */
  insert(sessionId: number, seal: StoredSeal): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO recording_seals (session_id, manifest, signature, key_id, signed_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(sessionId, seal.manifest, seal.signature, seal.keyId, seal.signedAt).changes === 1
    );
  }

  get(sessionId: number): StoredSeal | null {
    const row = this.db
      .prepare('SELECT manifest, signature, key_id, signed_at FROM recording_seals WHERE session_id = ?')
      .get(sessionId) as SealRow | undefined;
    return row === undefined ? null : sealRowToSeal(row);
  }
}
