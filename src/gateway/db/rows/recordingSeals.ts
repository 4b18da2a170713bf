import type { SealableSession, StoredSeal } from '../recordingSeals';

export interface SealableRow {
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

export interface SealRow {
  manifest: string;
  signature: string;
  key_id: string;
  signed_at: number;
}

/** Finished sessions with a hashed recording (`s`); callers add `AND …` terms. */
export const SEALABLE_SELECT = `
  SELECT s.id, s.hash, s.user_login, s.credential, s.device, s.protocol, s.started_at, s.ended_at,
    s.duration_ms, s.error_message, s.recording_path, s.recording_size, s.recording_sha256
  FROM sessions s
  WHERE s.status = 'finished' AND s.ended_at IS NOT NULL AND s.recording_path IS NOT NULL
    AND s.recording_size IS NOT NULL AND s.recording_sha256 IS NOT NULL`;

export const sealableToSession = (r: SealableRow): SealableSession => ({
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

export const sealRowToSeal = (r: SealRow): StoredSeal => ({
  manifest: r.manifest,
  signature: r.signature,
  keyId: r.key_id,
  signedAt: r.signed_at,
});
