import type { EventType } from '../../shared/events';
import type { Store } from '../db/store';
import type { Clock } from '../time';

/** An event of the administration CLI: no actor (whoever runs it has the data folder), no session. */
export function logAdministration(store: Store, clock: Clock, type: EventType, note: string): void {
  store.events.append({ type, at: clock(), actorId: null, originIp: null, sessionId: null, note });
}
