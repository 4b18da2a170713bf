import { randomBytes } from 'node:crypto';
import type { NewSessionCommand } from '../db/sessionCommands';
import type { Store } from '../db/store';
import type { Clock } from '../services/caller';

export const SSH_PROXY_NAME = 'SSH Proxy';

/** Who opened what, as the session row keeps it (SPEC §2 columns). */
export interface SessionFacts {
  userId: number;
  originIp: string;
  /** The remote account. */
  credential: string;
  /** The target's name. */
  device: string;
  /** `shell` or the command of `ssh … command`, for the Started event's note. */
  request: string;
}

export interface RecordingFacts {
  /** Relative to the data folder, e.g. `recordings/<hash>.vrec`. */
  path: string;
  size: number;
  sha256: string;
}

/** The session rows and events of SSH sessions: opened, failed, finished. */
export class SessionLedger {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  newHash(): string {
    return randomBytes(16).toString('hex');
  }

  /** A live session: its row, the recording it is written to, and the Started event. */
  open(facts: SessionFacts, hash: string, startedAt: number, recordingPath: string): number {
    return this.store.transaction(() => {
      const id = this.store.sessions.insert({ ...this.row(facts, hash, startedAt), status: 'live' });
      this.store.sessions.setRecordingPath(id, recordingPath);
      this.event('Started', facts, id, startedAt, startedNote(facts));
      return id;
    });
  }

  /** A session whose target leg never opened: finished at once with the reason as its error. */
  failed(facts: SessionFacts, startedAt: number, reason: string): number {
    const endedAt = Math.max(startedAt, this.clock());
    return this.store.transaction(() => {
      const id = this.store.sessions.insert({
        ...this.row(facts, this.newHash(), startedAt),
        status: 'finished',
        endedAt,
        durationMs: endedAt - startedAt,
        errorMessage: reason,
      });
      this.event('Started', facts, id, startedAt, startedNote(facts));
      this.event('Terminated', facts, id, endedAt, `Could not open the target session: ${reason}`);
      return id;
    });
  }

  finish(
    id: number,
    facts: SessionFacts,
    endedAt: number,
    outcome: { errorMessage: string | null; note: string; recording: RecordingFacts | null },
  ): void {
    this.store.transaction(() => {
      this.store.sessions.finish(id, endedAt, outcome.errorMessage);
      if (outcome.recording !== null) this.store.sessions.setRecording(id, outcome.recording);
      this.event('Terminated', facts, id, endedAt, outcome.note);
    });
  }

  /** A command the operator typed (stored as it happens, so a crash cannot lose it). */
  addCommand(command: NewSessionCommand): void {
    this.store.sessionCommands.addMany([command]);
  }

  private row(facts: SessionFacts, hash: string, startedAt: number) {
    return {
      hash,
      userId: facts.userId,
      originIp: facts.originIp,
      credential: facts.credential,
      device: facts.device,
      protocol: 'ssh' as const,
      proxy: SSH_PROXY_NAME,
      startedAt,
    };
  }

  private event(
    type: 'Started' | 'Terminated',
    facts: SessionFacts,
    sessionId: number,
    at: number,
    note: string,
  ) {
    this.store.events.append({ type, at, actorId: facts.userId, originIp: facts.originIp, sessionId, note });
  }
}

function startedNote(facts: SessionFacts): string {
  return `SSH ${facts.request} as ${facts.credential} on ${facts.device}`;
}
