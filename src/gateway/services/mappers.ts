import type { AuditEvent, Session, SessionEndReason, UserRef } from '../../shared/api';
import { allowedActions, type Principal } from '../../shared/policy';
import type { SessionAuditorRecord } from '../db/auditors';
import type { EventRecord } from '../db/events';
import type { SessionRecord, UserRefRecord } from '../db/sessionTypes';
import { iso } from '../time';

export const toUserRef = (u: UserRefRecord): UserRef => ({ id: u.id, login: u.login, name: u.name });

/**
 * The API shape of a session; `allowedActions` comes from the shared policy, as in the route guard.
 * `auditors` (see `auditorsBySession`) fills the list's Auditors column; without it the field is absent.
 */
export function toApiSession(
  record: SessionRecord,
  principal: Principal,
  auditors?: readonly UserRefRecord[],
): Session {
  return {
    id: record.id,
    hash: record.hash,
    user: toUserRef(record.user),
    originIp: record.originIp,
    credential: record.credential,
    device: record.device,
    protocol: record.protocol,
    proxy: record.proxy,
    status: record.status,
    startedAt: iso(record.startedAt),
    endedAt: record.endedAt === null ? null : iso(record.endedAt),
    durationMs: record.durationMs,
    blocked: record.blocked,
    reason: record.reason,
    errorMessage: record.errorMessage,
    preventPurge:
      record.preventPurge === null
        ? null
        : {
            justification: record.preventPurge.justification,
            by: toUserRef(record.preventPurge.by),
            at: iso(record.preventPurge.at),
          },
    recording:
      record.recording === null
        ? null
        : {
            size: record.recording.size,
            sha256: record.recording.sha256,
            purgedAt: record.recording.purgedAt === null ? null : iso(record.recording.purgedAt),
          },
    allowedActions: allowedActions(principal, {
      status: record.status,
      isAuditor: record.isAuditor,
      isOperator: record.isOperator,
    }),
    ...(record.status === 'finished' ? { endReason: toEndReason(record) } : {}),
    ...(auditors === undefined ? {} : { auditors: auditors.map(toUserRef) }),
  };
}

/** The auditors of a page of sessions (read in one query), by session id. */
export function auditorsBySession(rows: readonly SessionAuditorRecord[]): Map<number, UserRefRecord[]> {
  const bySession = new Map<number, UserRefRecord[]>();
  for (const { sessionId, ...user } of rows) {
    const list = bySession.get(sessionId);
    if (list === undefined) bySession.set(sessionId, [user]);
    else list.push(user);
  }
  return bySession;
}

function toEndReason(record: SessionRecord): SessionEndReason {
  if (record.droppedBy !== null) return { kind: 'dropped', by: toUserRef(record.droppedBy) };
  if (record.errorMessage !== null) return { kind: 'error', message: record.errorMessage };
  return { kind: 'finished' };
}

export function toApiEvent(e: EventRecord): AuditEvent {
  return {
    id: e.id,
    at: iso(e.at),
    type: e.type,
    actor: e.actor === null ? null : toUserRef(e.actor),
    originIp: e.originIp,
    sessionId: e.sessionId,
    note: e.note,
    hash: e.hash,
  };
}
