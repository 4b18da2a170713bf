import {
  API_PREFIX,
  AuditEventListSchema,
  ChainStatusSchema,
  type AuditEventList,
  type AuditEventQuery,
  type ChainStatus,
} from '../../shared/api';
import type { AuthService } from './auth-service';

const AUDIT = `${API_PREFIX}/audit`;

/** The Audit trail screen: the gateway's events, and whether their chain is intact. */
export class AuditTrailService {
  constructor(private readonly auth: AuthService) {}

  events(query: AuditEventQuery): Promise<AuditEventList> {
    return this.auth.withSession((client, token) =>
      client.call('GET', `${AUDIT}/events`, AuditEventListSchema, { token, query }),
    );
  }

  /** Only what came in since the last successful check: the screen can ask again as often as it likes. */
  verify(): Promise<ChainStatus> {
    return this.auth.withSession((client, token) =>
      client.call('GET', `${AUDIT}/verify`, ChainStatusSchema, { token, query: { scope: 'new' } }),
    );
  }
}
