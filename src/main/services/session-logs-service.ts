import type { TSchema, Static } from 'typebox';
import {
  API_PREFIX,
  SessionLogSearchSchema,
  SessionLogsSchema,
  SessionTextPageSchema,
  type SessionLogSearch,
  type SessionLogs,
  type SessionTextPage,
} from '../../shared/api';
import type { SessionLogSearchInput, SessionTextInput } from '../../shared/ipc';
import type { AuthService } from './auth-service';
import type { QueryValues } from './gateway-client';

const logsPath = (sessionId: number) => `${API_PREFIX}/sessions/${sessionId}/logs`;

/**
 * The Session Logs screen's calls to the gateway: the logs of a finished session (with the first
 * page of its text), further text pages, and search. All made with the logged-in token; a limit
 * left out is the gateway's default.
 */
export class SessionLogsService {
  constructor(private readonly auth: AuthService) {}

  get(sessionId: number): Promise<SessionLogs> {
    return this.call(logsPath(sessionId), SessionLogsSchema);
  }

  text({ sessionId, offset, limit }: SessionTextInput): Promise<SessionTextPage> {
    return this.call(`${logsPath(sessionId)}/text`, SessionTextPageSchema, { offset, limit });
  }

  search({ sessionId, q, limit }: SessionLogSearchInput): Promise<SessionLogSearch> {
    return this.call(`${logsPath(sessionId)}/search`, SessionLogSearchSchema, { q, limit });
  }

  private call<S extends TSchema>(path: string, schema: S, query?: QueryValues): Promise<Static<S>> {
    return this.auth.withSession((client, token) => client.call('GET', path, schema, { token, query }));
  }
}
