import { decideGlobal, type Principal } from '@shared/policy';

/**
 * Search is offered as the gateway's route decides: to everyone in the audit area. What it finds
 * follows the logs rule — every session with the Logs permission, else only the sessions the
 * caller is listed to audit (which any audit role may be).
 */
export function maySearchSessions(principal: Principal): boolean {
  return decideGlobal(principal, null).allowed;
}
