import { Type, type TSchema, type Static } from 'typebox';
import { Value } from 'typebox/value';
import {
  API_PREFIX,
  AssignedAuditListSchema,
  AuditMarkSchema,
  AuditorsSchema,
  SessionListSchema,
  SessionSchema,
  UserListSchema,
  type AssignedAuditList,
  type AssignedAuditQuery,
  type AuditMark,
  type Auditors,
  type Session,
  type SessionList,
  type SessionQuery,
  type UserSummary,
} from '../../shared/api';
import type { ExportResult } from '../../shared/ipc';
import type { AuthService } from './auth-service';
import type { CallOptions } from './gateway-client';
import type { SaveTarget } from './save-target';

const SESSIONS = `${API_PREFIX}/sessions`;

/** The Remote sessions screen's calls to the gateway, all made with the logged-in token. */
export class SessionsService {
  constructor(
    private readonly auth: AuthService,
    private readonly saveTarget: SaveTarget,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(query: SessionQuery): Promise<SessionList> {
    return this.call('GET', SESSIONS, SessionListSchema, { query });
  }

  get(sessionId: number): Promise<Session> {
    return this.call('GET', `${SESSIONS}/${sessionId}`, SessionSchema);
  }

  /** Streams the CSV export to a file the user picks; nothing is fetched if they cancel. */
  async exportCsv(query: SessionQuery): Promise<ExportResult> {
    const name = `vigil-sessions-${fileStamp(this.now())}.csv`;
    const path = await this.saveTarget.choose(name);
    if (path === null) return { path: null, bytes: 0 };
    const bytes = await this.auth.withSession((client, token) =>
      client.download(`${SESSIONS}/export.csv`, path, { token, query }),
    );
    const download = this.saveTarget.deliver?.(path, name);
    return download ? { path: download.fileName, bytes, download } : { path, bytes };
  }

  setPreventPurge(sessionId: number, justification: string): Promise<Session> {
    return this.changeSession('PUT', sessionId, justification);
  }

  clearPreventPurge(sessionId: number, justification: string): Promise<Session> {
    return this.changeSession('DELETE', sessionId, justification);
  }

  getAuditors(sessionId: number): Promise<Auditors> {
    return this.call('GET', `${SESSIONS}/${sessionId}/auditors`, AuditorsSchema);
  }

  setAuditors(sessionId: number, userIds: number[]): Promise<Auditors> {
    return this.call('PUT', `${SESSIONS}/${sessionId}/auditors`, AuditorsSchema, { body: { userIds } });
  }

  /** Drop: the gateway ends both legs at once (409 unless the session is live). */
  drop(sessionId: number): Promise<Session> {
    return this.changed('POST', `${SESSIONS}/${sessionId}/drop`, sessionId);
  }

  /** "Hold on!": blocks (true) or releases (false) the operator's input. */
  setInteractivity(sessionId: number, blocked: boolean): Promise<Session> {
    return this.changed('PUT', `${SESSIONS}/${sessionId}/interactivity`, sessionId, { blocked });
  }

  /** Sessions for audit: the logged-in user's own assignments. */
  assignedForAudit(query: AssignedAuditQuery): Promise<AssignedAuditList> {
    return this.call('GET', `${API_PREFIX}/audit/assigned`, AssignedAuditListSchema, { query });
  }

  setAuditMark(sessionId: number, audited: boolean, comment: string): Promise<AuditMark> {
    return this.call('PUT', `${SESSIONS}/${sessionId}/audit-mark`, AuditMarkSchema, {
      body: { audited, comment },
    });
  }

  async users(): Promise<UserSummary[]> {
    return (await this.call('GET', `${API_PREFIX}/users`, UserListSchema)).items;
  }

  private changeSession(
    method: 'PUT' | 'DELETE',
    sessionId: number,
    justification: string,
  ): Promise<Session> {
    return this.changed(method, `${SESSIONS}/${sessionId}/prevent-purge`, sessionId, { justification });
  }

  /** Change answers may or may not carry the session; the caller always gets the fresh one. */
  private async changed(method: string, path: string, sessionId: number, body?: unknown): Promise<Session> {
    const answer = await this.call(method, path, Type.Unknown(), { body });
    return Value.Check(SessionSchema, answer) ? answer : this.get(sessionId);
  }

  private call<S extends TSchema>(
    method: string,
    path: string,
    schema: S,
    options: Omit<CallOptions, 'token'> = {},
  ): Promise<Static<S>> {
    return this.auth.withSession((client, token) => client.call(method, path, schema, { ...options, token }));
  }
}

function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}
