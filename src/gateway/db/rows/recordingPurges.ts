/** A finished session's recording as retention sees it: what would be (or was) purged. */
export interface PurgeCandidate {
  id: number;
  hash: string;
  operator: string;
  account: string;
  target: string;
  endedAt: number;
  /** When the purge was claimed; null while the recording is kept. */
  purgedAt: number | null;
  recording: { path: string; size: number | null; sha256: string | null };
}

/** Where a keyset page of candidates resumes: after this end time and id. */
export interface PurgeCursor {
  endedAt: number;
  id: number;
}

export interface PurgeRow {
  id: number;
  hash: string;
  user_login: string;
  credential: string;
  device: string;
  ended_at: number;
  recording_purged_at: number | null;
  recording_path: string;
  recording_size: number | null;
  recording_sha256: string | null;
}

const COLUMNS = [
  'id',
  'hash',
  'user_login',
  'credential',
  'device',
  'ended_at',
  'recording_purged_at',
  'recording_path',
  'recording_size',
  'recording_sha256',
];

/** The columns of a `PurgeRow`, qualified with `table` where a statement joins another. */
export const purgeColumns = (table?: string): string =>
  COLUMNS.map((c) => (table === undefined ? c : `${table}.${c}`)).join(', ');

/**
 * A finished session ended before `endedBefore` whose recording is still kept and not protected.
 * `endedBefore` is the engine's placeholder. The claim repeats it where it marks the purge, so a
 * Prevent Purge or a purge by another node committed in between wins.
 */
export const purgeDueWhere = (endedBefore: string): string =>
  `status = 'finished' AND ended_at < ${endedBefore} AND recording_path IS NOT NULL
   AND recording_purged_at IS NULL AND prevent_purge_at IS NULL`;

/** Claims come back in no particular order; events are written oldest end first. */
export const byEnd = (a: PurgeCandidate, b: PurgeCandidate): number => a.endedAt - b.endedAt || a.id - b.id;

export function purgeRowToCandidate(row: PurgeRow): PurgeCandidate {
  return {
    id: row.id,
    hash: row.hash,
    operator: row.user_login,
    account: row.credential,
    target: row.device,
    endedAt: row.ended_at,
    purgedAt: row.recording_purged_at,
    recording: { path: row.recording_path, size: row.recording_size, sha256: row.recording_sha256 },
  };
}
