import type { Store } from '../db/store';
import type { Attempt } from '../plugins/guard';
import type { Clock } from '../time';
import { callerEvent, type Caller } from './caller';

/** Writes the "(attempted)" events the route guard reports. */
export class AttemptLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  record(caller: Caller, attempt: Attempt): void {
    this.store.events.append(
      callerEvent(caller, attempt.type, this.clock(), attempt.sessionId, `Refused: ${attempt.note}`),
    );
  }
}
