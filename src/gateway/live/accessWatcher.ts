import { ACCESS_GENERATION_KEY } from '../db/migrations';
import type { SessionUpdate } from '../../shared/live';
import type { Store } from '../db/store';
import type { Clock } from '../time';
import type { LiveHub, LiveSession } from './hub';

/** What is re-checked besides the live sessions: live viewers and update subscribers. */
export interface Recheckable {
  recheck(): void;
}

export interface AccessWatcherOptions {
  /** How often the access-generation counter is read (one indexed row). */
  pollMs: number;
  /** Everything is re-checked this often anyway (tokens also end by expiring). */
  fullCheckMs: number;
}

export const DEFAULT_ACCESS_WATCH: AccessWatcherOptions = { pollMs: 250, fullCheckMs: 15_000 };

/** The few pino methods the watcher logs with. */
export interface WatcherLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Takes access away in the running gateway. The CLI is another process writing the same database:
 * every change that reduces access (logout, disabled or removed user, revoked role permission or
 * grant, removed credential or target) bumps a counter in the database, polled here. When it moves,
 * live sessions whose operator lost the right are dropped (the operator reads "You have been
 * disconnected"), and live viewers and update subscribers are checked again.
 */
export class AccessWatcher {
  #generation: string | null = null;
  #lastFull = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #ending = new Set<LiveSession>();
  /** Sessions that held a grant when they started: losing it ends them. */
  readonly #granted = new WeakSet<LiveSession>();

  constructor(
    private readonly store: Store,
    private readonly hub: LiveHub,
    private readonly others: readonly Recheckable[],
    private readonly clock: Clock,
    private readonly options: AccessWatcherOptions = DEFAULT_ACCESS_WATCH,
    private readonly log: WatcherLogger = { warn: () => undefined },
  ) {}

  start(): void {
    if (this.#timer !== null) return;
    this.hub.on('update', this.onUpdate);
    for (const live of this.hub.list()) this.noteGrant(live);
    this.#generation = this.readGeneration();
    this.#lastFull = this.clock();
    this.#timer = setInterval(() => this.tick(), this.options.pollMs);
    this.#timer.unref();
  }

  stop(): void {
    this.hub.off('update', this.onUpdate);
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Re-checks everything now. */
  check(): void {
    for (const live of this.hub.list()) this.checkSession(live);
    for (const other of this.others) other.recheck();
  }

  private readonly onUpdate = (update: SessionUpdate): void => {
    if (update.change !== 'started') return;
    const live = this.hub.get(update.sessionId);
    if (live === undefined) return;
    try {
      this.noteGrant(live);
    } catch (err) {
      this.log.warn({ sessionId: live.sessionId, err: (err as Error).message }, 'Access check failed');
    }
  };

  private noteGrant(live: LiveSession): void {
    const row = this.store.sessions.get(live.sessionId, live.operatorUserId);
    if (row !== null && this.store.targets.stillGranted(row.user.id, row.device, row.credential))
      this.#granted.add(live);
  }

  private tick(): void {
    try {
      const generation = this.readGeneration();
      const now = this.clock();
      if (generation === this.#generation && now - this.#lastFull < this.options.fullCheckMs) return;
      this.#generation = generation;
      this.#lastFull = now;
      this.check();
    } catch (err) {
      // A closing database during shutdown, or a busy one: the next tick tries again.
      this.log.warn({ err: (err as Error).message }, 'Access check failed');
    }
  }

  private readGeneration(): string | null {
    return this.store.meta.get(ACCESS_GENERATION_KEY);
  }

  private checkSession(live: LiveSession): void {
    if (this.#ending.has(live)) return;
    const row = this.store.sessions.get(live.sessionId, live.operatorUserId);
    if (row === null || row.status !== 'live') return;
    let why: string;
    if (this.store.users.findById(row.user.id) === null) {
      why = `${row.user.login} was disabled or removed`;
    } else if (
      this.#granted.has(live) &&
      !this.store.targets.stillGranted(row.user.id, row.device, row.credential)
    ) {
      why = `${row.user.login} no longer has access to ${row.credential}@${row.device}`;
    } else {
      return;
    }
    this.#ending.add(live);
    this.store.events.append({
      type: 'Access revoked',
      at: this.clock(),
      actorId: null,
      originIp: null,
      sessionId: live.sessionId,
      note: `Session ended: ${why}`,
    });
    void live
      .drop('Vigil (access revoked)')
      .catch((err: Error) => this.log.warn({ sessionId: live.sessionId, err: err.message }, 'Drop failed'))
      .finally(() => this.#ending.delete(live));
  }
}
