import type { AsyncStore } from '../db/asyncStore';
import type { Attempt } from '../plugins/guard';
import type { Clock } from '../time';
import { callerEvent, type Caller } from './caller';

/** Writes the "(attempted)" events the route guard reports. */
export class AttemptLog {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
  ) {}

  async record(caller: Caller, attempt: Attempt): Promise<void> {
    await this.store.events.append(
      callerEvent(caller, attempt.type, this.clock(), attempt.sessionId, `Refused: ${attempt.note}`),
    );
  }
}
