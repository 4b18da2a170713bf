import { AUDIT_ROLES, type Permission, type Role } from './permissions';

/**
 * The single RBAC policy. The gateway's route guard and the `allowedActions` field of
 * session responses both come from here, so the UI can never offer what the gateway would refuse.
 */
export const SESSION_ACTIONS = [
  'liveStream',
  'interactivity',
  'drop',
  'logs',
  'video',
  'preventPurge',
  'configureAuditors',
] as const;
export type SessionAction = (typeof SESSION_ACTIONS)[number];

export interface Principal {
  roles: readonly Role[];
  permissions: readonly Permission[];
}

export interface SessionFacts {
  status: 'live' | 'finished';
  /** Whether the principal is listed as an auditor of this session. */
  isAuditor: boolean;
  /** Whether the principal is the session's operator: nobody audits their own session. */
  isOperator: boolean;
}

export type Decision = { allowed: true } | { allowed: false; kind: 'permission' | 'state'; reason: string };

interface ActionRule {
  permission: Permission;
  state?: 'live' | 'finished';
  /** Listed auditors of the session may do this even without the global permission. */
  scoped?: boolean;
}

const RULES: Readonly<Record<SessionAction, ActionRule>> = {
  liveStream: { permission: 'PAM.SessionManagement.Livestream', state: 'live' },
  interactivity: { permission: 'PAM.SessionManagement.Livestream', state: 'live' },
  drop: { permission: 'PAM.SessionManagement.Drop', state: 'live' },
  logs: { permission: 'PAM.SessionManagement.Logs', state: 'finished', scoped: true },
  video: { permission: 'PAM.SessionManagement.Recording', state: 'finished', scoped: true },
  preventPurge: { permission: 'PAM.SessionManagement.PreventPurge' },
  configureAuditors: { permission: 'PAM.SessionManagement.Auditors' },
};

/**
 * What an auditor does to the operator of a session: refused on one's own session, so an operator
 * who also holds an audit role cannot watch, release, exempt from purging or pick the auditors of
 * the sessions they opened.
 */
const SELF_AUDIT_ACTIONS: readonly SessionAction[] = [
  'liveStream',
  'interactivity',
  'preventPurge',
  'configureAuditors',
];

export const OWN_SESSION_REASON = 'Nobody may audit their own session: this session is yours';

/** The self-audit rule alone (decide() applies it; a block's release asks it directly). */
export function decideOwnSession(action: SessionAction, isOperator: boolean): Decision {
  return isOperator && SELF_AUDIT_ACTIONS.includes(action)
    ? { allowed: false, kind: 'permission', reason: OWN_SESSION_REASON }
    : { allowed: true };
}

/**
 * Being listed as a session's auditor grants its scoped actions (logs, video). Listing oneself is
 * therefore allowed only to a principal who holds those permissions anyway, so the Auditors
 * permission alone does not open a session's logs and video.
 */
export function mayListSelfAsAuditor(principal: Principal): boolean {
  return SESSION_ACTIONS.every(
    (a) => RULES[a].scoped !== true || hasPermission(principal, RULES[a].permission),
  );
}

export function hasAuditRole(principal: Principal): boolean {
  return principal.roles.some((r) => AUDIT_ROLES.includes(r));
}

export function hasPermission(principal: Principal, permission: Permission): boolean {
  return hasAuditRole(principal) && principal.permissions.includes(permission);
}

/** Whether the principal sees every session in the list, or only those it audits. */
export function seesAllSessions(principal: Principal): boolean {
  return hasAuditRole(principal) && principal.permissions.length > 0;
}

/** Whether the principal may see this session's row at all. */
export function canSeeSession(principal: Principal, facts: Pick<SessionFacts, 'isAuditor'>): boolean {
  return seesAllSessions(principal) || (hasAuditRole(principal) && facts.isAuditor);
}

/** Why callers without an audit role are refused everything of the audit area. */
export const AUDIT_AREA_REASON =
  'Only PAM Administrators, PAM Auditors and System Administrators may use the audit area';

export function decide(principal: Principal, action: SessionAction, facts: SessionFacts): Decision {
  const rule = RULES[action];
  if (!hasAuditRole(principal)) {
    return { allowed: false, kind: 'permission', reason: AUDIT_AREA_REASON };
  }
  const granted =
    principal.permissions.includes(rule.permission) || (rule.scoped === true && facts.isAuditor);
  if (!granted) {
    return { allowed: false, kind: 'permission', reason: `Missing permission ${rule.permission}` };
  }
  const own = decideOwnSession(action, facts.isOperator);
  if (!own.allowed) return own;
  if (rule.state !== undefined && rule.state !== facts.status) {
    return { allowed: false, kind: 'state', reason: `Only possible while the session is ${rule.state}` };
  }
  return { allowed: true };
}

/**
 * Reading a session's events: the logs rule (the Logs permission, or being listed as the
 * session's auditor), in any state of the session.
 */
export function decideSessionEvents(principal: Principal, facts: Omit<SessionFacts, 'status'>): Decision {
  return decide(principal, 'logs', { ...facts, status: RULES.logs.state ?? 'finished' });
}

export function allowedActions(principal: Principal, facts: SessionFacts): SessionAction[] {
  return SESSION_ACTIONS.filter((a) => decide(principal, a, facts).allowed);
}

/**
 * Gateway-wide decisions (the audit area itself, or a permission not tied to one session), with
 * the same reasons as decide(). `null` asks only for access to the audit area.
 */
export function decideGlobal(principal: Principal, permission: Permission | null): Decision {
  if (!hasAuditRole(principal)) return { allowed: false, kind: 'permission', reason: AUDIT_AREA_REASON };
  if (permission !== null && !principal.permissions.includes(permission)) {
    return { allowed: false, kind: 'permission', reason: `Missing permission ${permission}` };
  }
  return { allowed: true };
}

/**
 * The Blocked users report (listing blocks and releasing one) belongs to those who may block
 * interactivity: the gateway's route, the app's navigation and the report's store all ask this.
 */
export function decideBlockedUsersReport(principal: Principal): Decision {
  return decideGlobal(principal, 'PAM.SessionManagement.Livestream');
}

export function maySeeBlockedUsers(principal: Principal): boolean {
  return decideBlockedUsersReport(principal).allowed;
}
