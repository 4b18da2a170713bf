import type { AlertKind } from '../../../shared/alerts';
import { hasAuditRole, hasPermission, type Principal } from '../../../shared/policy';
import type { AsyncStore } from '../../db/asyncStore';
import type { AlertEventRecord } from '../../db/rows/alertEvents';

/** Who receives an alert, besides the kind it makes and the targets the app watches. */
export interface AlertReceiver {
  userId: number;
  principal: Principal;
  /** Target names (lower case) whose session starts this app asked for. */
  watched: ReadonlySet<string>;
}

/** Holders of these see every session's live activity and logs: every alert is theirs to see. */
const GLOBAL = ['PAM.SessionManagement.Livestream', 'PAM.SessionManagement.Logs'] as const;

/**
 * Whether an alert may reach a user, decided with the user's current permissions: holders of the
 * global Live Stream or Logs permission, and the auditors listed on that session. Nobody is alerted
 * about their own session, nor about a block or drop they did themselves.
 */
export class AlertAudience {
  constructor(private readonly store: Pick<AsyncStore, 'auditors'>) {}

  async admits(receiver: AlertReceiver, record: AlertEventRecord, kind: AlertKind): Promise<boolean> {
    const { principal, userId } = receiver;
    if (!hasAuditRole(principal)) return false;
    if ((kind === 'sessionBlocked' || kind === 'sessionDropped') && record.actorId === userId) return false;
    const global = GLOBAL.some((p) => hasPermission(principal, p));
    const session = record.session;
    if (session === null) return global && record.actorId !== userId;
    if (session.operatorId === userId) return false;
    if (kind === 'watchedTarget' && !receiver.watched.has(session.device.toLowerCase())) return false;
    return global || (await this.store.auditors.isAuditor(session.id, userId));
  }
}
