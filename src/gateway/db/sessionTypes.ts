/** Storage-side shapes of a session (times in ms since the epoch). */
export type Protocol = 'ssh' | 'rdp';
export type SessionStatus = 'live' | 'finished';

export interface NewSession {
  hash: string;
  userId: number;
  originIp: string;
  credential: string;
  device: string;
  protocol: Protocol;
  proxy: string;
  status: SessionStatus;
  startedAt: number;
  endedAt?: number | null;
  durationMs?: number | null;
  blocked?: boolean;
  reason?: string | null;
  errorMessage?: string | null;
  recording?: { path: string; size: number; sha256: string } | null;
}

export interface UserRefRecord {
  id: number;
  login: string;
  name: string;
}

export interface SessionRecord {
  id: number;
  hash: string;
  user: UserRefRecord;
  originIp: string;
  credential: string;
  device: string;
  protocol: Protocol;
  proxy: string;
  status: SessionStatus;
  startedAt: number;
  endedAt: number | null;
  durationMs: number | null;
  blocked: boolean;
  reason: string | null;
  errorMessage: string | null;
  preventPurge: { justification: string; by: UserRefRecord; at: number } | null;
  /** `purgedAt`: when retention deleted the file (its path, size and SHA-256 stay as sealed). */
  recording: { path: string | null; size: number; sha256: string; purgedAt: number | null } | null;
  /** Whether the user the record was read for is listed as an auditor of the session. */
  isAuditor: boolean;
  /** Whether the user the record was read for is the session's operator. */
  isOperator: boolean;
  /** Who dropped the session, once it finished that way. */
  droppedBy: UserRefRecord | null;
}

/** Who is listing: everyone's sessions, or only those the user audits (★ scoped access). */
export type Visibility = { kind: 'all' } | { kind: 'audited'; userId: number };
