import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AsyncStore } from '../db/asyncStore';

export interface SearchIndexerOptions {
  /** How often new typed commands are looked for (ms). */
  pollMs: number;
  /** How often every session's indexed text is checked against its built text (ms). */
  reconcileMs: number;
  /** Commands per transaction. */
  commandBatch: number;
  /** Text lines read and indexed per transaction. */
  lineBatch: number;
}

export const DEFAULT_SEARCH_INDEXER: SearchIndexerOptions = {
  pollMs: 1_000,
  reconcileMs: 60_000,
  commandBatch: 2_000,
  lineBatch: 2_000,
};

/**
 * Commands already indexed are read again from this many ids back: on PostgreSQL a command with a
 * lower id may commit after one with a higher id (another node's), and must not be skipped. What
 * is indexed already is recognized by its session's mark.
 */
const COMMAND_LOOKBACK = 200;
/** Sessions whose text is checked per query of the reconciliation. */
const SYNC_BATCH = 200;

/**
 * Keeps the search index up to date, off the sessions' data path: typed commands are indexed in
 * batches shortly after they are written (polled from the database, so commands written by any
 * node or process count), a session's text when it is built. What the index holds of each session
 * is marked, so after a stop it catches up at start: commands after the mark, texts built, rebuilt
 * by a newer extractor or removed (retention) since.
 */
export class SearchIndexer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private lastReconcile = Number.NEGATIVE_INFINITY;
  private lastError: string | null = null;
  private readonly textQueue = new Set<number>();

  constructor(
    private readonly store: AsyncStore,
    private readonly log: (message: string) => void,
    private readonly options: SearchIndexerOptions = DEFAULT_SEARCH_INDEXER,
    private readonly now: () => number = Date.now,
  ) {}

  /** Catches up (in the background), then keeps polling. */
  start(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** A session's text was built, rebuilt or removed: index it soon. */
  textChanged(sessionId: number): void {
    if (this.closed) return;
    this.textQueue.add(sessionId);
    this.kick();
  }

  /** Indexes everything pending now, checking every session's text; resolves when done. */
  async flush(): Promise<void> {
    this.lastReconcile = Number.NEGATIVE_INFINITY;
    await this.running;
    this.again = false;
    await this.run();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private kick(): void {
    if (this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    void this.run();
  }

  private run(): Promise<void> {
    const run = (async () => {
      do {
        this.again = false;
        try {
          await this.indexCommands();
          await this.syncTexts();
        } catch (error) {
          // Said once until it changes: a lasting fault (a full disk) is retried every poll.
          const message = `Search index: ${(error as Error).message}`;
          if (!this.closed && message !== this.lastError) this.log(message);
          this.lastError = message;
          return;
        }
        this.lastError = null;
      } while (this.again && !this.closed);
    })().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }

  private async indexCommands(): Promise<void> {
    const { searchIndex } = this.store;
    for (;;) {
      if (this.closed) return;
      const mark = await searchIndex.commandMark();
      const batch = await searchIndex.pendingCommands(
        Math.max(0, mark - COMMAND_LOOKBACK),
        this.options.commandBatch + COMMAND_LOOKBACK,
      );
      const last = batch[batch.length - 1]?.id ?? 0;
      if (last <= mark) return;
      await searchIndex.addCommands(batch, last);
      await yieldToLoop();
    }
  }

  private async syncTexts(): Promise<void> {
    const queued = [...this.textQueue];
    this.textQueue.clear();
    for (const sessionId of queued) await this.syncText(sessionId);
    if (this.now() - this.lastReconcile < this.options.reconcileMs) return;
    this.lastReconcile = this.now();
    for (;;) {
      if (this.closed) return;
      const due = await this.store.searchIndex.textsToSync(SYNC_BATCH);
      for (const { sessionId } of due) await this.syncText(sessionId);
      if (due.length < SYNC_BATCH) return;
    }
  }

  /**
   * Brings the index of one session's text in line with its built text (or its absence). Removing a
   * text removes its entries in the same transaction (the text repository does it), so here a text
   * is only added, from where its indexed part ends.
   */
  private async syncText(sessionId: number): Promise<void> {
    const { searchIndex, sessionText } = this.store;
    const state = await sessionText.state(sessionId);
    const held = await searchIndex.textMark(sessionId);
    if (state?.status !== 'ready') {
      // Lines kept by a text no longer built: out of the index by their words while they are there.
      if (held.version !== null || held.lines !== 0)
        while (await searchIndex.forgetSomeText(sessionId)) await yieldToLoop();
      return;
    }
    if (held.version === state.version && held.lines === state.lines) return;
    if (held.version !== null) {
      this.log(
        `Search index: session ${sessionId}'s text changed without being removed first; not indexed again`,
      );
      return;
    }
    if (state.lines === 0) {
      await searchIndex.markText(sessionId, { version: state.version, lines: 0 });
      return;
    }
    for (let next = held.lines; next < state.lines;) {
      if (this.closed) return;
      const added = await searchIndex.addTextLines(sessionId, next, this.options.lineBatch);
      // Removed or rebuilt meanwhile: its new state decides, on the next turn.
      if (added <= 0) {
        this.textQueue.add(sessionId);
        return;
      }
      next += added;
      await yieldToLoop();
    }
    const after = await sessionText.state(sessionId);
    const same = after?.status === 'ready' && after.version === state.version && after.lines === state.lines;
    if (!same || !(await searchIndex.completeText(sessionId, state.version, state.lines)))
      this.textQueue.add(sessionId);
  }
}
