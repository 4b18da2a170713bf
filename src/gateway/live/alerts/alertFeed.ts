import type { AsyncStore } from '../../db/asyncStore';
import type { AlertEventRecord } from '../../db/rows/alertEvents';
import type { SessionChanges } from '../../cluster/directory';

export type AlertListener = (records: readonly AlertEventRecord[]) => void;

/** Something that says "events were just written here" (the ledger, for matched commands and refusals). */
export interface EventsWritten {
  onEventsWritten(listener: () => void): void;
}

export interface AlertFeedOptions {
  /** How often the events table is read for what other processes (CLI, other nodes) wrote. */
  pollMs: number;
  /** Events read at once; a full batch is followed at once by the next. */
  batch: number;
}

export const DEFAULT_ALERT_FEED: AlertFeedOptions = { pollMs: 500, batch: 500 };

/** The few pino methods the feed logs with. */
export interface FeedLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The alert events as they are appended, in id order, to whoever listens. Events appended by this
 * gateway are read at once: a session change or a write of the ledger pokes the feed, which reads
 * the rows after its cursor (one indexed range read; pokes arriving meanwhile make one more read).
 * What other processes append is found by a light poll, which runs only while someone listens.
 */
export class AlertFeed {
  readonly #listeners = new Set<AlertListener>();
  #cursor = 0;
  #timer: NodeJS.Timeout | null = null;
  #starting: Promise<void> | null = null;
  #reading = false;
  #again = false;

  constructor(
    private readonly store: Pick<AsyncStore, 'alertEvents'>,
    private readonly changes: SessionChanges,
    written: EventsWritten,
    private readonly options: AlertFeedOptions = DEFAULT_ALERT_FEED,
    private readonly log: FeedLogger = { warn: () => undefined },
  ) {
    written.onEventsWritten(this.poke);
  }

  /**
   * Adds a listener; resolves with the cursor it starts after: it receives every alert event with a
   * higher id, and none at or below it.
   */
  async listen(listener: AlertListener): Promise<number> {
    this.#listeners.add(listener);
    if (this.#timer === null) {
      this.#starting ??= this.start().finally(() => (this.#starting = null));
      await this.#starting;
    }
    return this.#cursor;
  }

  unlisten(listener: AlertListener): void {
    this.#listeners.delete(listener);
    if (this.#listeners.size === 0) this.stop();
  }

  get listening(): number {
    return this.#listeners.size;
  }

  /** Reads what was appended since the last read (coalesced with a read in progress). */
  readonly poke = (): void => {
    if (this.#timer === null) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    void this.read();
  };

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.changes.off('update', this.poke);
  }

  private async start(): Promise<void> {
    this.#cursor = await this.store.alertEvents.latestId();
    if (this.#listeners.size === 0 || this.#timer !== null) return;
    this.changes.on('update', this.poke);
    this.#timer = setInterval(this.poke, this.options.pollMs);
    this.#timer.unref();
  }

  private async read(): Promise<void> {
    this.#reading = true;
    try {
      do {
        this.#again = false;
        // The newest id first: events of other kinds then move the cursor too, so no poll reads
        // them twice. Appends are serialized, so nothing below a visible id commits later.
        const latest = await this.store.alertEvents.latestId();
        if (latest <= this.#cursor) continue;
        const records = await this.store.alertEvents.range(
          { after: this.#cursor, before: latest + 1, since: 0 },
          'ASC',
          this.options.batch,
        );
        const full = records.length === this.options.batch;
        this.#cursor = full ? records[records.length - 1]!.id : latest;
        if (full) this.#again = true;
        if (records.length > 0) for (const listener of this.#listeners) listener(records);
      } while (this.#again && this.#timer !== null);
    } catch (err) {
      // A busy or closing database: the next poll tries again from the same cursor.
      this.log.warn({ err: (err as Error).message }, 'Reading alert events failed');
    } finally {
      this.#reading = false;
    }
  }
}
