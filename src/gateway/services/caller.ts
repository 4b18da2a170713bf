import type { EventType } from '../../shared/events';
import type { Principal } from '../../shared/policy';
import type { NewEvent } from '../db/events';

/** The authenticated user behind a request, as the route guard established it. */
export interface Caller {
  userId: number;
  login: string;
  name: string;
  principal: Principal;
  tokenHash: string;
  originIp: string | null;
}

/** An audit event done by the caller (actor and origin IP come from the request). */
export function callerEvent(
  caller: Caller,
  type: EventType,
  at: number,
  sessionId: number | null,
  note: string,
): NewEvent {
  return { type, at, actorId: caller.userId, originIp: caller.originIp, sessionId, note };
}
