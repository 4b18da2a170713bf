import type { EventType } from '../../shared/events';
import type { AsyncRepositories } from '../db/asyncStore';
import type { Clock } from '../time';

/** An event of the administration CLI: no actor (whoever runs it has the data folder), no session. */
export async function logAdministration(
  repos: Pick<AsyncRepositories, 'events'>,
  clock: Clock,
  type: EventType,
  note: string,
): Promise<void> {
  await repos.events.append({ type, at: clock(), actorId: null, originIp: null, sessionId: null, note });
}
