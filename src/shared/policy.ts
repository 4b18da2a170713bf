import { AUDIT_ROLES, type Permission, type Role } from './permissions';

/**
 * The single RBAC policy (SPEC §1). The gateway's route guard and the `allowedActions` field of
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
  /** Whether the principal is listed as an auditor of this session (SPEC §8, ★ scoped access). */
  isAuditor: boolean;
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

/** Why callers without an audit role are refused everything of the audit area (SPEC §1). */
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
  if (rule.state !== undefined && rule.state !== facts.status) {
    return { allowed: false, kind: 'state', reason: `Only possible while the session is ${rule.state}` };
  }
  return { allowed: true };
}

export function allowedActions(principal: Principal, facts: SessionFacts): SessionAction[] {
  return SESSION_ACTIONS.filter((a) => decide(principal, a, facts).allowed);
}

/** Permission needed for gateway-wide actions that are not tied to one session. */
export function canUseGlobal(principal: Principal, permission: Permission): boolean {
  return hasPermission(principal, permission);
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
