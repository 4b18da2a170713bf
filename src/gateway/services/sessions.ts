import type { Readable } from 'node:stream';
import {
  justificationError,
  type Auditors,
  type Session,
  type SessionEvent,
  type SessionEventList,
  type SessionList,
  type SessionLogs,
  type SessionQuery,
  type SessionTextPage,
  type UserList,
} from '../../shared/api';
import { AUDIT_ROLES } from '../../shared/permissions';
import { hasAuditRole, mayListSelfAsAuditor } from '../../shared/policy';
import type { EventRecord } from '../db/events';
import type { SessionRecord, Visibility } from '../db/sessionTypes';
import type { Store } from '../db/store';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { LiveHub } from '../live/hub';
import { iso, type Clock } from '../time';
import { callerEvent, type Caller } from './caller';
import { CSV_SELECT, csvStream } from './csv';
import { toApiSession, toUserRef } from './mappers';
import { describeQuery, paging, toSessionFilter } from './queries';

/** Where a changed session row is announced, so lists following the session updates refresh it. */
export type SessionChanges = Pick<LiveHub, 'notify'>;

/**
 * The Remote sessions use cases. Authorization happened in the route guard before any call here:
 * methods receive the caller, the list visibility and the already-authorized session.
 */
export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly changes: SessionChanges,
  ) {}

  list(caller: Caller, visibility: Visibility, query: SessionQuery): SessionList {
    const filter = toSessionFilter(query);
    const { page, pageSize, offset } = paging(query);
    const { total, items } = this.store.sessions.list(filter, visibility, caller.userId, offset, pageSize);
    return { items: items.map((s) => toApiSession(s, caller.principal)), total, page, pageSize };
  }

  /** The session as `caller` sees it, or null when it does not exist. */
  find(caller: Caller, id: number): SessionRecord | null {
    return this.store.sessions.get(id, caller.userId);
  }

  view(caller: Caller, session: SessionRecord): Session {
    return toApiSession(session, caller.principal);
  }

  exportCsv(caller: Caller, visibility: Visibility, query: SessionQuery): Readable {
    const filter = toSessionFilter(query);
    const plan = this.store.sessions.exportPlan(filter, visibility, CSV_SELECT);
    this.event(
      caller,
      'Exported Details',
      null,
      `Exported the sessions list as CSV (${describeQuery(query)})`,
    );
    return csvStream(this.store.path, plan);
  }

  setPreventPurge(caller: Caller, session: SessionRecord, rawJustification: string): Session {
    const justification = checkJustification(rawJustification);
    this.store.transaction(() => {
      if (!this.store.sessions.setPreventPurge(session.id, justification, caller.userId, this.clock())) {
        throw conflict('Prevent purge is already set for this session');
      }
      this.event(caller, 'Prevent purge set', session.id, justification);
    });
    this.changes.notify(session.id, 'updated');
    return this.reload(caller, session.id);
  }

  clearPreventPurge(caller: Caller, session: SessionRecord, rawJustification: string): Session {
    const justification = checkJustification(rawJustification);
    this.store.transaction(() => {
      if (!this.store.sessions.clearPreventPurge(session.id)) {
        throw conflict('Prevent purge is not set for this session');
      }
      this.event(caller, 'Prevent purge cleared', session.id, justification);
    });
    this.changes.notify(session.id, 'updated');
    return this.reload(caller, session.id);
  }

  /** The session's audit events, oldest first (live or finished). */
  events(session: SessionRecord): SessionEventList {
    return { items: this.store.events.forSession(session.id).map(toSessionEvent) };
  }

  /**
   * The logs of a finished session; reading them is a "Log viewer" event. Risky commands carry the
   * rule as it was when the command matched, since the rule may have changed or gone since.
   * `text` is the first page of the session text (SessionTextService).
   */
  logs(caller: Caller, session: SessionRecord, text: SessionTextPage): SessionLogs {
    this.event(caller, 'Log viewer', session.id, `Read the logs of session ${session.id}`);
    const commands = this.store.sessionCommands
      .list(session.id)
      .map((c) => ({ at: iso(c.at), offsetMs: c.offsetMs, minute: c.minute, command: c.command }));
    return {
      session: toApiSession(session, caller.principal),
      user: { ...toUserRef(session.user), originIp: session.originIp },
      riskyCommands: this.store.commandRules.risky(session.id).map((r) => ({
        rule: r.rule,
        score: r.score,
        criticality: r.criticality,
        action: r.action,
        command: r.command,
        at: iso(r.at),
        offsetMs: r.offsetMs,
        minute: r.minute,
      })),
      events: this.events(session).items,
      commands,
      text,
    };
  }

  auditors(session: SessionRecord): Auditors {
    return { auditors: this.store.auditors.list(session.id).map(toUserRef) };
  }

  /** Only users holding an audit role may audit; unknown ids are refused, nothing changes. */
  setAuditors(caller: Caller, session: SessionRecord, userIds: readonly number[]): Auditors {
    const wanted = [...new Set(userIds)];
    const users = this.store.users.withRoles(wanted);
    const unknown = wanted.filter((id) => !users.some((u) => u.id === id));
    if (unknown.length > 0)
      throw badRequest(`Unknown user id${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
    const notAuditors = users.filter((u) => !hasAuditRole({ roles: u.roles, permissions: [] }));
    if (notAuditors.length > 0) {
      throw badRequest(
        `Only PAM Administrators, PAM Auditors and System Administrators may audit sessions: ` +
          notAuditors.map((u) => u.login).join(', '),
        'NOT_AN_AUDITOR',
      );
    }
    const listed = this.store.auditors.list(session.id);
    if (
      wanted.includes(caller.userId) &&
      !listed.some((u) => u.id === caller.userId) &&
      !mayListSelfAsAuditor(caller.principal)
    ) {
      const reason = 'Listing yourself as an auditor needs the Logs and Recording permissions it would grant';
      this.event(caller, 'Auditors changed (attempted)', session.id, `Refused: ${reason}`);
      throw forbidden(reason);
    }
    const before = listed.map((u) => u.login);
    this.store.transaction(() => {
      this.store.auditors.replace(session.id, wanted, caller.userId, this.clock());
      const after = this.store.auditors.list(session.id).map((u) => u.login);
      this.event(caller, 'Auditors changed', session.id, auditorsNote(before, after));
    });
    this.changes.notify(session.id, 'updated');
    return this.auditors(session);
  }

  /** Users who may be picked as auditors: holders of an audit role. */
  auditorCandidates(): UserList {
    return {
      items: this.store.users
        .list(AUDIT_ROLES)
        .map((u) => ({ id: u.id, login: u.login, name: u.name, roles: u.roles })),
    };
  }

  private reload(caller: Caller, id: number): Session {
    const record = this.store.sessions.get(id, caller.userId);
    if (record === null) throw notFound(`Session ${id} not found`);
    return toApiSession(record, caller.principal);
  }

  private event(
    caller: Caller,
    type:
      | 'Exported Details'
      | 'Log viewer'
      | 'Prevent purge set'
      | 'Prevent purge cleared'
      | 'Auditors changed'
      | 'Auditors changed (attempted)',
    sessionId: number | null,
    note: string,
  ) {
    this.store.events.append(callerEvent(caller, type, this.clock(), sessionId, note));
  }
}

function toSessionEvent(e: EventRecord): SessionEvent {
  return {
    at: iso(e.at),
    type: e.type,
    actor: e.actor === null ? null : toUserRef(e.actor),
    originIp: e.originIp,
    note: e.note,
  };
}

function checkJustification(raw: string): string {
  const error = justificationError(raw);
  if (error !== null) throw badRequest(error);
  return raw.trim();
}

function auditorsNote(before: string[], after: string[]): string {
  const added = after.filter((l) => !before.includes(l));
  const removed = before.filter((l) => !after.includes(l));
  const list = (xs: string[]) => (xs.length === 0 ? '(none)' : xs.join(', '));
  return `Auditors: ${list(after)}; added: ${list(added)}; removed: ${list(removed)}`;
}
