import { ACCESS_GENERATION_KEY } from '../db/migrations';
import type { SessionUpdate } from '../../shared/live';
import type { AsyncStore } from '../db/asyncStore';
import type { Clock } from '../time';
import type { LiveHub, LiveSession } from './hub';

/** What is re-checked besides the live sessions: live viewers and update subscribers. */
export interface Recheckable {
  recheck(): void | Promise<void>;
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
  #ticking = false;
  readonly #ending = new Set<LiveSession>();
  /** Sessions that held a grant when they started: losing it ends them. */
  readonly #granted = new WeakSet<LiveSession>();

  constructor(
    private readonly store: AsyncStore,
    private readonly hub: LiveHub,
    private readonly others: readonly Recheckable[],
    private readonly clock: Clock,
    private readonly options: AccessWatcherOptions = DEFAULT_ACCESS_WATCH,
    private readonly log: WatcherLogger = { warn: () => undefined },
  ) {}

  async start(): Promise<void> {
    if (this.#timer !== null) return;
    this.hub.on('update', this.onUpdate);
    for (const live of this.hub.list()) await this.noteGrant(live);
    this.#generation = await this.readGeneration();
    this.#lastFull = this.clock();
    this.#timer = setInterval(() => void this.tick(), this.options.pollMs);
    this.#timer.unref();
  }

  stop(): void {
    this.hub.off('update', this.onUpdate);
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Re-checks everything now. */
  async check(): Promise<void> {
    for (const live of this.hub.list()) await this.checkSession(live);
    for (const other of this.others) await other.recheck();
  }

  private readonly onUpdate = (update: SessionUpdate): void => {
    if (update.change !== 'started') return;
    const live = this.hub.get(update.sessionId);
    if (live === undefined) return;
    this.noteGrant(live).catch((err: Error) =>
      this.log.warn({ sessionId: live.sessionId, err: err.message }, 'Access check failed'),
    );
  };

  private async noteGrant(live: LiveSession): Promise<void> {
    const row = await this.store.sessions.get(live.sessionId, live.operatorUserId);
    if (row !== null && (await this.store.targets.stillGranted(row.user.id, row.device, row.credential)))
      this.#granted.add(live);
  }

  /** One poll; a poll still running when the next is due lets that one pass. */
  private async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const generation = await this.readGeneration();
      const now = this.clock();
      if (generation === this.#generation && now - this.#lastFull < this.options.fullCheckMs) return;
      this.#generation = generation;
      this.#lastFull = now;
      await this.check();
    } catch (err) {
      // A closing database during shutdown, or a busy one: the next tick tries again.
      this.log.warn({ err: (err as Error).message }, 'Access check failed');
    } finally {
      this.#ticking = false;
    }
  }

  private readGeneration(): Promise<string | null> {
    return this.store.meta.get(ACCESS_GENERATION_KEY);
  }

  private async checkSession(live: LiveSession): Promise<void> {
    if (this.#ending.has(live)) return;
    const row = await this.store.sessions.get(live.sessionId, live.operatorUserId);
    if (row === null || row.status !== 'live') return;
    let why: string;
    if ((await this.store.users.findById(row.user.id)) === null) {
      why = `${row.user.login} was disabled or removed`;
    } else if (
      this.#granted.has(live) &&
      !(await this.store.targets.stillGranted(row.user.id, row.device, row.credential))
    ) {
      why = `${row.user.login} no longer has access to ${row.credential}@${row.device}`;
    } else {
      return;
    }
    this.#ending.add(live);
    await this.store.events.append({
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
