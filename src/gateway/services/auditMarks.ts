import {
  auditCommentError,
  type AssignedAuditList,
  type AssignedAuditQuery,
  type AuditMark,
  type AuditMarkBody,
} from '../../shared/api';
import type { AuditMarkRecord } from '../db/auditors';
import type { AsyncStore } from '../db/asyncStore';
import type { SessionRecord } from '../db/sessionTypes';
import { badRequest, forbidden } from '../errors';
import { iso, type Clock } from '../time';
import { callerEvent, type Caller } from './caller';
import type { SessionService } from './sessions';
import { paging } from './queries';

/** How many characters of the comment the audit-trail note repeats. */
const NOTE_COMMENT_CHARS = 200;

/**
 * Sessions for audit: the sessions each auditor is listed for, and the Audited? flag and comment
 * the auditor keeps on each (one mark per session and auditor). Every change is an audit event.
 */
export class AuditMarkService {
  constructor(
    private readonly store: AsyncStore,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  /** The caller's own assignments, newest session first. */
  async assigned(caller: Caller, query: AssignedAuditQuery): Promise<AssignedAuditList> {
    const { page, pageSize, offset } = paging(query);
    const audited = query.audited === undefined ? undefined : query.audited === 'true';
    const { total, items } = await this.store.auditors.assigned(caller.userId, audited, offset, pageSize);
    const records = await this.store.sessions.getMany(
      items.map((m) => m.sessionId),
      caller.userId,
    );
    const sessions = await this.sessions.withAuditors(caller, records);
    const byId = new Map(sessions.map((s) => [s.id, s]));
    return {
      items: items.flatMap((mark) => {
        const session = byId.get(mark.sessionId);
        return session === undefined ? [] : [{ session, ...markFields(mark) }];
      }),
      total,
      page,
      pageSize,
    };
  }

  /**
   * Sets the caller's mark on a session they can see (the route guard checked that); only its
   * auditors have one. An unchanged mark is answered as is, with no event.
   */
  async setMark(caller: Caller, session: SessionRecord, body: AuditMarkBody): Promise<AuditMark> {
    const error = auditCommentError(body.comment);
    if (error !== null) throw badRequest(error);
    const comment = body.comment.trim();
    const before = await this.store.auditors.mark(session.id, caller.userId);
    if (before === null) throw forbidden('Only the auditors of this session can mark it audited');
    if (before.audited === body.audited && before.comment === comment) {
      return toAuditMark(before);
    }
    const mark = await this.store.transaction(async (tx) => {
      const at = this.clock();
      if (!(await tx.auditors.setMark(session.id, caller.userId, body.audited, comment, at))) {
        throw forbidden('Only the auditors of this session can mark it audited');
      }
      await tx.events.append(
        callerEvent(caller, 'Audit status changed', at, session.id, markNote(body.audited, comment)),
      );
      return tx.auditors.mark(session.id, caller.userId);
    });
    // No session update is announced: a mark is not part of the session row lists show.
    return toAuditMark(mark!);
  }
}

function markFields(mark: AuditMarkRecord): Omit<AuditMark, 'sessionId'> {
  return {
    audited: mark.audited,
    comment: mark.comment,
    updatedAt: mark.updatedAt === null ? null : iso(mark.updatedAt),
  };
}

function toAuditMark(mark: AuditMarkRecord): AuditMark {
  return { sessionId: mark.sessionId, ...markFields(mark) };
}

function markNote(audited: boolean, comment: string): string {
  const shown =
    comment === ''
      ? '(no comment)'
      : comment.length > NOTE_COMMENT_CHARS
        ? `${comment.slice(0, NOTE_COMMENT_CHARS)}…`
        : comment;
  return `Audited: ${audited ? 'yes' : 'no'} — ${shown}`;
}
