import { randomBytes } from 'node:crypto';
import type { RuleAction } from '../../shared/rules';
import type { NewRiskyCommand } from '../db/commandRules';
import type { LostSession } from '../db/nodeSessions';
import type { NewSessionCommand } from '../db/sessionCommands';
import type { SessionsRepository } from '../db/sessions';
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import type { RecordingSeal } from '../seal/recordingSeal';
import type { Clock } from '../time';

export const SSH_PROXY_NAME = 'SSH Proxy';
export const RDP_PROXY_NAME = 'RDP Proxy';

/** Characters of a matched command in its event's note (the risky command keeps it whole). */
const MAX_NOTE_COMMAND = 500;
const MATCH_OUTCOME: Record<RuleAction, string> = {
  allow: 'allowed',
  block: 'blocked',
  interrupt: 'blocked, session dropped',
};

export type LiveSessionRow = ReturnType<SessionsRepository['listLive']>[number];

export interface InterruptedOutcome {
  endedAt: number;
  errorMessage: string;
  /** The note of the Terminated event. */
  note: string;
  recording: RecordingFacts | null;
}

/** Who opened what, as the session row (and the sessions list) keeps it. */
export interface SessionFacts {
  userId: number;
  originIp: string;
  /** The remote account. */
  credential: string;
  /** The target's name. */
  device: string;
  /** `shell` or the command of `ssh … command`, for the Started event's note. */
  request: string;
  /** SSH unless said otherwise. */
  protocol?: 'ssh' | 'rdp';
}

export interface RecordingFacts {
  /** Relative to the data folder, e.g. `recordings/<hash>.vrec`. */
  path: string;
  size: number;
  sha256: string;
}

/**
 * The session rows and events the protocol proxies write: opened, failed, finished, and the
 * sessions a stopped gateway left live. The proxies never write to the store themselves.
 */
export class SessionLedger {
  /** Per live session, the end of its queue of writes (see inOrder). */
  readonly #pending = new Map<number, Promise<unknown>>();
  /** Told once events of matched commands and refusals are committed (alerts read them at once). */
  readonly #eventsWritten = new Set<() => void>();

  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    /** Seals each finished recording after its row is committed (a failure is logged, never thrown). */
    private readonly seal: Pick<RecordingSeal, 'sealQuietly'> | null = null,
    /** This node's name when several share the database: its sessions are registered under it. */
    readonly nodeId: string | null = null,
    /** Told of each recording sealed here (to copy it to the shared store). */
    private readonly sealed: (sessionId: number) => void = () => undefined,
  ) {}

  onEventsWritten(listener: () => void): void {
    this.#eventsWritten.add(listener);
  }

  newHash(): string {
    return randomBytes(16).toString('hex');
  }

  /** A live session: its row, the recording it is written to, and the Started event. */
  open(facts: SessionFacts, hash: string, startedAt: number, recordingPath: string): Promise<number> {
    return this.store.transaction(async (tx) => {
      const id = await tx.sessions.insert({ ...this.row(facts, hash, startedAt), status: 'live' });
      await tx.sessions.setRecordingPath(id, recordingPath);
      if (this.nodeId !== null) await tx.nodeSessions.register(id, this.nodeId);
      await this.event(tx, 'Started', facts, id, startedAt, startedNote(facts));
      return id;
    });
  }

  /** A session whose target leg never opened: finished at once with the reason as its error. */
  failed(facts: SessionFacts, startedAt: number, reason: string): Promise<number> {
    const endedAt = Math.max(startedAt, this.clock());
    return this.store.transaction(async (tx) => {
      const id = await tx.sessions.insert({
        ...this.row(facts, this.newHash(), startedAt),
        status: 'finished',
        endedAt,
        durationMs: endedAt - startedAt,
        errorMessage: reason,
      });
      await this.event(tx, 'Started', facts, id, startedAt, startedNote(facts));
      await this.event(tx, 'Terminated', facts, id, endedAt, `Could not open the target session: ${reason}`);
      return id;
    });
  }

  async finish(
    id: number,
    facts: SessionFacts,
    endedAt: number,
    outcome: { errorMessage: string | null; note: string; recording: RecordingFacts | null },
  ): Promise<void> {
    await this.inOrder(id, () =>
      this.store.transaction(async (tx) => {
        await tx.sessions.finish(id, endedAt, outcome.errorMessage);
        if (outcome.recording !== null) await tx.sessions.setRecording(id, outcome.recording);
        await this.event(
          tx,
          'Terminated',
          facts,
          id,
          endedAt,
          withRecordingHash(outcome.note, outcome.recording),
        );
      }),
    );
    if (outcome.recording !== null) await this.sealNow(id);
  }

  /** A command the operator typed (stored as it happens, so a crash cannot lose it). */
  addCommand(command: NewSessionCommand): Promise<void> {
    return this.inOrder(command.sessionId, () => this.store.sessionCommands.addMany([command]));
  }

  /**
   * A command an audited-command rule matched: the risky command (with a copy of the rule) and its
   * event, Observed for allow, Prohibited for block and interrupt, in one transaction.
   */
  commandMatched(facts: SessionFacts, match: NewRiskyCommand): Promise<void> {
    const shown =
      match.command.length > MAX_NOTE_COMMAND
        ? `${match.command.slice(0, MAX_NOTE_COMMAND)}…`
        : match.command;
    const outcome = MATCH_OUTCOME[match.action];
    const written = this.inOrder(match.sessionId, () =>
      this.store.transaction(async (tx) => {
        await tx.commandRules.addRisky(match);
        await tx.events.append({
          type: match.action === 'allow' ? 'Observed Event' : 'Prohibited Event',
          at: match.at,
          actorId: facts.userId,
          originIp: facts.originIp,
          sessionId: match.sessionId,
          note: `Rule ${match.rule} (${match.criticality}, ${outcome}): ${shown}`,
        });
      }),
    );
    return written.then(() => this.#eventsWritten.forEach((listener) => listener()));
  }

  /** A session the proxy refused to open (no grant, blocked, file transfer): an event, no session row. */
  async refused(who: { userId: number; originIp: string }, note: string): Promise<void> {
    await this.store.events.append({
      type: 'Access refused',
      at: this.clock(),
      actorId: who.userId,
      originIp: who.originIp,
      sessionId: null,
      note,
    });
    this.#eventsWritten.forEach((listener) => listener());
  }

  /**
   * Pins a target's first host key (compare-and-set) and logs it; returns the key the target is
   * pinned to now, which is another one when a concurrent connection pinned first.
   */
  pinHostKey(
    who: { userId: number; originIp: string },
    target: { id: number; name: string },
    fingerprint: string,
    /** What the fingerprint is of, for the event's note. */
    what = 'SSH host key',
  ): Promise<string | null> {
    return this.store.transaction(async (tx) => {
      if (!(await tx.targets.pinHostKey(target.id, fingerprint))) return tx.targets.hostKey(target.id);
      await tx.events.append({
        type: 'Host key pinned',
        at: this.clock(),
        actorId: who.userId,
        originIp: who.originIp,
        sessionId: null,
        note: `Trusted on first use: ${target.name} shows the ${what} ${fingerprint}`,
      });
      return fingerprint;
    });
  }

  /**
   * Sessions the database still calls live that this gateway ran (at start: a crash or kill cut
   * them). With several nodes, only this node's (and any no node registered).
   */
  async listLive(): Promise<LiveSessionRow[]> {
    const live = await this.store.sessions.listLive();
    if (this.nodeId === null) return live;
    const here: LiveSessionRow[] = [];
    for (const session of live) {
      const owner = await this.store.nodeSessions.ownerOf(session.id);
      if (owner === null || owner === this.nodeId) here.push(session);
    }
    return here;
  }

  /** This node's sessions that peers finished while it was gone, with their recordings still here. */
  lostSessions(errorMessage: string): Promise<LostSession[]> {
    return this.nodeId === null
      ? Promise.resolve([])
      : this.store.nodeSessions.lostSessionsOf(this.nodeId, errorMessage);
  }

  /**
   * Attaches the recording a node kept of a session a peer finished for it (the peer could not
   * read it), logs it, and seals it as recovered.
   */
  async recordingRecovered(session: LostSession, recording: RecordingFacts, note: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.sessions.setRecording(session.id, recording);
      await tx.events.append({
        type: 'Recording recovered',
        at: this.clock(),
        actorId: session.userId,
        originIp: null,
        sessionId: session.id,
        note: withRecordingHash(note, recording),
      });
    });
    await this.sealNow(session.id, true);
  }

  /** Finishes a session the previous run left live; false when it was no longer live. */
  async finishInterrupted(session: LiveSessionRow, outcome: InterruptedOutcome): Promise<boolean> {
    const finished = await this.store.transaction(async (tx) => {
      if (!(await tx.sessions.finish(session.id, outcome.endedAt, outcome.errorMessage))) return false;
      if (outcome.recording !== null) await tx.sessions.setRecording(session.id, outcome.recording);
      await tx.events.append({
        type: 'Terminated',
        at: this.clock(),
        actorId: session.userId,
        originIp: null,
        sessionId: session.id,
        note: withRecordingHash(outcome.note, outcome.recording),
      });
      return true;
    });
    if (finished && outcome.recording !== null) await this.sealNow(session.id, true);
    return finished;
  }

  /** Seals a finished recording (a failure is logged by the seal, never thrown) and says so. */
  private async sealNow(sessionId: number, recovered = false): Promise<void> {
    const seal = await this.seal?.sealQuietly(sessionId, recovered ? { recovered } : {});
    if (seal != null) this.sealed(sessionId);
  }

  /**
   * Runs a session's writes one after another, in the order they were asked for: the proxy does not
   * wait for typed commands and rule matches, yet none of them may land after the session's end
   * (on PostgreSQL two writes could otherwise overtake each other on different connections).
   */
  private inOrder<T>(sessionId: number, write: () => Promise<T>): Promise<T> {
    const before = this.#pending.get(sessionId) ?? Promise.resolve();
    const done = before.then(write);
    const settled = done.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.set(sessionId, settled);
    void settled.then(() => {
      if (this.#pending.get(sessionId) === settled) this.#pending.delete(sessionId);
    });
    return done;
  }

  private row(facts: SessionFacts, hash: string, startedAt: number) {
    return {
      hash,
      userId: facts.userId,
      originIp: facts.originIp,
      credential: facts.credential,
      device: facts.device,
      protocol: facts.protocol ?? 'ssh',
      proxy: facts.protocol === 'rdp' ? RDP_PROXY_NAME : SSH_PROXY_NAME,
      startedAt,
    };
  }

  private async event(
    repos: Pick<AsyncRepositories, 'events'>,
    type: 'Started' | 'Terminated',
    facts: SessionFacts,
    sessionId: number,
    at: number,
    note: string,
  ): Promise<void> {
    await repos.events.append({ type, at, actorId: facts.userId, originIp: facts.originIp, sessionId, note });
  }
}

/** The Terminated note names the recording's hash, so the event chain vouches for the file too. */
function withRecordingHash(note: string, recording: RecordingFacts | null): string {
  return recording === null ? note : `${note} (recording SHA-256 ${recording.sha256})`;
}

function startedNote(facts: SessionFacts): string {
  return `${(facts.protocol ?? 'ssh').toUpperCase()} ${facts.request} as ${facts.credential} on ${facts.device}`;
}
