import type { Protocol, SessionRecord, SessionStatus } from '../sessionTypes';
import { flag, type SqlFlag } from './flag';

/** A row of `sessionSelect`, on either engine. */
export interface SessionRow {
  id: number;
  hash: string;
  user_id: number;
  user_login: string;
  user_name: string;
  origin_ip: string;
  credential: string;
  device: string;
  protocol: Protocol;
  proxy: string;
  status: SessionStatus;
  started_at: number;
  ended_at: number | null;
  duration_ms: number | null;
  blocked: number;
  reason: string | null;
  error_message: string | null;
  prevent_purge_justification: string | null;
  prevent_purge_at: number | null;
  prevent_purge_by: number | null;
  pp_login: string | null;
  pp_name: string | null;
  recording_path: string | null;
  recording_size: number | null;
  recording_sha256: string | null;
  recording_purged_at: number | null;
  is_auditor: SqlFlag;
  is_operator: SqlFlag;
  dropped_by_id: number | null;
  dropped_by_login: string | null;
  dropped_by_name: string | null;
}

/** The sessions query with its joins; `viewer` is the engine's placeholder for the viewer's id. */
export const sessionSelect = (viewer: string): string => `
  SELECT s.id, s.hash, s.user_id, s.user_login, u.name AS user_name, s.origin_ip, s.credential, s.device,
    s.protocol, s.proxy, s.status, s.started_at, s.ended_at, s.duration_ms, s.blocked, s.reason,
    s.error_message, s.prevent_purge_justification, s.prevent_purge_at, s.prevent_purge_by,
    pu.login AS pp_login, pu.name AS pp_name, s.recording_path, s.recording_size, s.recording_sha256,
    s.recording_purged_at,
    EXISTS (SELECT 1 FROM session_auditors a WHERE a.session_id = s.id AND a.user_id = ${viewer}) AS is_auditor,
    s.user_id = ${viewer} AS is_operator,
    du.id AS dropped_by_id, du.login AS dropped_by_login, du.name AS dropped_by_name
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  LEFT JOIN users pu ON pu.id = s.prevent_purge_by
  LEFT JOIN users du ON s.status = 'finished' AND du.id = (
    SELECT e.actor_id FROM events e WHERE e.session_id = s.id AND e.type = 'Drop session'
    ORDER BY e.id DESC LIMIT 1)`;

export function sessionToRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    hash: row.hash,
    user: { id: row.user_id, login: row.user_login, name: row.user_name },
    originIp: row.origin_ip,
    credential: row.credential,
    device: row.device,
    protocol: row.protocol,
    proxy: row.proxy,
    status: row.status,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    blocked: row.blocked === 1,
    reason: row.reason,
    errorMessage: row.error_message,
    preventPurge:
      row.prevent_purge_justification === null ||
      row.prevent_purge_at === null ||
      row.prevent_purge_by === null
        ? null
        : {
            justification: row.prevent_purge_justification,
            at: row.prevent_purge_at,
            by: { id: row.prevent_purge_by, login: row.pp_login ?? '', name: row.pp_name ?? '' },
          },
    recording:
      row.recording_size === null || row.recording_sha256 === null
        ? null
        : {
            path: row.recording_path,
            size: row.recording_size,
            sha256: row.recording_sha256,
            purgedAt: row.recording_purged_at,
          },
    isAuditor: flag(row.is_auditor),
    isOperator: flag(row.is_operator),
    droppedBy:
      row.dropped_by_id === null
        ? null
        : { id: row.dropped_by_id, login: row.dropped_by_login ?? '', name: row.dropped_by_name ?? '' },
  };
}
