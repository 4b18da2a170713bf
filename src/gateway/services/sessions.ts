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
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import { badRequest, conflict, forbidden, notFound } from '../errors';
import type { LiveHub } from '../live/hub';
import { iso, type Clock } from '../time';
import { callerEvent, type Caller } from './caller';
import { csvStream } from './csv';
import { auditorsBySession, toApiSession, toUserRef } from './mappers';
import { describeQuery, paging, toSessionFilter } from './queries';

/** Where a changed session row is announced, so lists following the session updates refresh it. */
export type SessionChanges = Pick<LiveHub, 'notify'>;

/**
 * The Remote sessions use cases. Authorization happened in the route guard before any call here:
 * methods receive the caller, the list visibility and the already-authorized session.
 */
export class SessionService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    private readonly changes: SessionChanges,
  ) {}

  async list(caller: Caller, visibility: Visibility, query: SessionQuery): Promise<SessionList> {
    const filter = listFilter(caller, query);
    const { page, pageSize, offset } = paging(query);
    const { total, items } = await this.store.sessions.list(
      filter,
      visibility,
      caller.userId,
      offset,
      pageSize,
    );
    return { items: await this.withAuditors(caller, items), total, page, pageSize };
  }

  /** Sessions in the API shape with their auditors, read for the whole page in one query. */
  async withAuditors(caller: Caller, records: readonly SessionRecord[]): Promise<Session[]> {
    const auditors = auditorsBySession(await this.store.auditors.forSessions(records.map((s) => s.id)));
    return records.map((s) => toApiSession(s, caller.principal, auditors.get(s.id) ?? []));
  }

  /** The session as `caller` sees it, or null when it does not exist. */
  find(caller: Caller, id: number): Promise<SessionRecord | null> {
    return this.store.sessions.get(id, caller.userId);
  }

  async view(caller: Caller, session: SessionRecord): Promise<Session> {
    return (await this.withAuditors(caller, [session]))[0]!;
  }

  async exportCsv(caller: Caller, visibility: Visibility, query: SessionQuery): Promise<Readable> {
    const filter = listFilter(caller, query);
    await this.event(
      this.store,
      caller,
      'Exported Details',
      null,
      `Exported the sessions list as CSV (${describeQuery(query)})`,
    );
    return csvStream(this.store.sessions.exportRows(filter, visibility));
  }

  async setPreventPurge(caller: Caller, session: SessionRecord, rawJustification: string): Promise<Session> {
    const justification = checkJustification(rawJustification);
    await this.store.transaction(async (tx) => {
      if (!(await tx.sessions.setPreventPurge(session.id, justification, caller.userId, this.clock()))) {
        throw conflict('Prevent purge is already set for this session');
      }
      await this.event(tx, caller, 'Prevent purge set', session.id, justification);
    });
    this.changes.notify(session.id, 'updated');
    return this.reload(caller, session.id);
  }

  async clearPreventPurge(
    caller: Caller,
    session: SessionRecord,
    rawJustification: string,
  ): Promise<Session> {
    const justification = checkJustification(rawJustification);
    await this.store.transaction(async (tx) => {
      if (!(await tx.sessions.clearPreventPurge(session.id))) {
        throw conflict('Prevent purge is not set for this session');
      }
      await this.event(tx, caller, 'Prevent purge cleared', session.id, justification);
    });
    this.changes.notify(session.id, 'updated');
    return this.reload(caller, session.id);
  }

  /** The session's audit events, oldest first (live or finished). */
  async events(session: SessionRecord): Promise<SessionEventList> {
    return { items: (await this.store.events.forSession(session.id)).map(toSessionEvent) };
  }

  /**
   * The logs of a finished session; reading them is a "Log viewer" event. Risky commands carry the
   * rule as it was when the command matched, since the rule may have changed or gone since.
   * `text` is the first page of the session text (SessionTextService).
   */
  async logs(caller: Caller, session: SessionRecord, text: SessionTextPage): Promise<SessionLogs> {
    await this.event(this.store, caller, 'Log viewer', session.id, `Read the logs of session ${session.id}`);
    const commands = (await this.store.sessionCommands.list(session.id)).map((c) => ({
      at: iso(c.at),
      offsetMs: c.offsetMs,
      minute: c.minute,
      command: c.command,
    }));
    return {
      session: await this.view(caller, session),
      user: { ...toUserRef(session.user), originIp: session.originIp },
      riskyCommands: (await this.store.commandRules.risky(session.id)).map((r) => ({
        rule: r.rule,
        score: r.score,
        criticality: r.criticality,
        action: r.action,
        command: r.command,
        at: iso(r.at),
        offsetMs: r.offsetMs,
        minute: r.minute,
      })),
      events: (await this.events(session)).items,
      commands,
      text,
    };
  }

  async auditors(session: SessionRecord): Promise<Auditors> {
    return { auditors: (await this.store.auditors.list(session.id)).map(toUserRef) };
  }

  /** Only users holding an audit role may audit; unknown ids are refused, nothing changes. */
  async setAuditors(caller: Caller, session: SessionRecord, userIds: readonly number[]): Promise<Auditors> {
    const wanted = [...new Set(userIds)];
    const users = await this.store.users.withRoles(wanted);
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
    const listed = await this.store.auditors.list(session.id);
    if (
      wanted.includes(caller.userId) &&
      !listed.some((u) => u.id === caller.userId) &&
      !mayListSelfAsAuditor(caller.principal)
    ) {
      const reason = 'Listing yourself as an auditor needs the Logs and Recording permissions it would grant';
      await this.event(this.store, caller, 'Auditors changed (attempted)', session.id, `Refused: ${reason}`);
      throw forbidden(reason);
    }
    const before = listed.map((u) => u.login);
    await this.store.transaction(async (tx) => {
      await tx.auditors.replace(session.id, wanted, caller.userId, this.clock());
      const after = (await tx.auditors.list(session.id)).map((u) => u.login);
      await this.event(tx, caller, 'Auditors changed', session.id, auditorsNote(before, after));
    });
    this.changes.notify(session.id, 'updated');
    return this.auditors(session);
  }

  /** Users who may be picked as auditors: holders of an audit role. */
  async auditorCandidates(): Promise<UserList> {
    return {
      items: (await this.store.users.list(AUDIT_ROLES)).map((u) => ({
        id: u.id,
        login: u.login,
        name: u.name,
        roles: u.roles,
      })),
    };
  }

  private async reload(caller: Caller, id: number): Promise<Session> {
    const record = await this.store.sessions.get(id, caller.userId);
    if (record === null) throw notFound(`Session ${id} not found`);
    return this.view(caller, record);
  }

  private async event(
    repos: Pick<AsyncRepositories, 'events'>,
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
  ): Promise<void> {
    await repos.events.append(callerEvent(caller, type, this.clock(), sessionId, note));
  }
}

/** The list filters; "Assigned to me" narrows to the caller's own auditing. */
function listFilter(caller: Caller, query: SessionQuery) {
  const filter = toSessionFilter(query);
  return query.assignedToMe === 'true' ? { ...filter, assignedTo: caller.userId } : filter;
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
