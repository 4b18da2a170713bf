import type { Db } from './database';

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

interface SealableRow {
  id: number;
  hash: string;
  user_login: string;
  credential: string;
  device: string;
  protocol: string;
  started_at: number;
  ended_at: number;
  duration_ms: number | null;
  error_message: string | null;
  recording_path: string;
  recording_size: number;
  recording_sha256: string;
}

const SEALABLE = `
  SELECT s.id, s.hash, s.user_login, s.credential, s.device, s.protocol, s.started_at, s.ended_at,
    s.duration_ms, s.error_message, s.recording_path, s.recording_size, s.recording_sha256
  FROM sessions s
  WHERE s.status = 'finished' AND s.ended_at IS NOT NULL AND s.recording_path IS NOT NULL
    AND s.recording_size IS NOT NULL AND s.recording_sha256 IS NOT NULL`;

const toSealable = (r: SealableRow): SealableSession => ({
  id: r.id,
  hash: r.hash,
  operator: r.user_login,
  account: r.credential,
  target: r.device,
  protocol: r.protocol,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms ?? r.ended_at - r.started_at,
  errorMessage: r.error_message,
  recording: { path: r.recording_path, size: r.recording_size, sha256: r.recording_sha256 },
});

/** The `recording_seals` table: one signed manifest per finished recording, written once. */
export class RecordingSealsRepository {
  constructor(private readonly db: Db) {}

  /** The session's facts when it is finished with a hashed recording; null otherwise. */
  sealable(sessionId: number): SealableSession | null {
    const row = this.db.prepare(`${SEALABLE} AND s.id = ?`).get(sessionId) as SealableRow | undefined;
    return row === undefined ? null : toSealable(row);
  }

  /** Finished recordings that have no seal yet (a sealing failure, or a gateway stopped mid-way). */
  unsealed(): SealableSession[] {
    return (
      this.db
        .prepare(
          `${SEALABLE} AND NOT EXISTS (SELECT 1 FROM recording_seals r WHERE r.session_id = s.id) ORDER BY s.id`,
        )
        .all() as SealableRow[]
    ).map(toSealable);
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
      .get(sessionId) as
      { manifest: string; signature: string; key_id: string; signed_at: number } | undefined;
    return row === undefined
      ? null
      : { manifest: row.manifest, signature: row.signature, keyId: row.key_id, signedAt: row.signed_at };
  }
}
