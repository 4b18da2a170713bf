import type { Store } from '../db/store';
import type { Attempt } from '../plugins/guard';
import type { Caller, Clock } from './caller';

/** Writes the "(attempted)" events the route guard reports (SPEC §1: refusals are evidence too). */
export class AttemptLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(caller: Caller, attempt: Attempt): void {
    this.store.events.append({
      type: attempt.type,
      at: this.clock(),
      actorId: caller.userId,
      originIp: caller.originIp,
      sessionId: attempt.sessionId,
      note: `Refused: ${attempt.note}`,
    });
  }
}
