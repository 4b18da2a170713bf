import { HeadlessScreen } from './headlessScreen';
import { processParseBudget, type ParseBudget } from './parseBudget';

export interface MirrorSnapshot {
  /** Serialized screen: write it into a fresh terminal of cols x rows, then the output after `position`. */
  screen: string;
  cols: number;
  rows: number;
  /** Output bytes written to the mirror before this snapshot was asked for. */
  position: number;
  /** True once output had to be skipped because parsing fell too far behind. */
  approximate: boolean;
}

export interface TerminalMirrorOptions {
  cols: number;
  rows: number;
  /** Lines of history a late joiner gets above the screen. */
  scrollback?: number;
  /** Unparsed output above this is cut down to `keepOnOverflowBytes` (newest kept). */
  maxBacklogBytes?: number;
  keepOnOverflowBytes?: number;
  budget?: ParseBudget;
  /** A parsing failure: the mirror starts over from the next output (viewers see it approximate). */
  onError?: (err: Error) => void;
}

type Item =
  | { kind: 'data'; data: Buffer }
  | { kind: 'resize'; cols: number; rows: number }
  | { kind: 'snapshot'; position: number; resolve: (s: MirrorSnapshot) => void; reject: (e: Error) => void };

const BATCH_BYTES = 128 * 1024;

/**
 * The live screen of a session, for viewers who join late. Output is queued and parsed in the
 * background under the shared parse budget, so the proxy never waits for terminal emulation. A
 * snapshot request parses what is queued before it at full speed and is exact at its `position`.
 * If bulk output outruns the budget beyond `maxBacklogBytes`, the oldest unparsed output is dropped
 * and the terminal restarts from the newest `keepOnOverflowBytes` (plenty to repaint a screen):
 * memory stays bounded and the snapshot is flagged approximate.
 */
export class TerminalMirror {
  private readonly screen: HeadlessScreen;
  private readonly budget: ParseBudget;
  private readonly maxBacklog: number;
  private readonly keepOnOverflow: number;
  private readonly onError: (err: Error) => void;
  private queue: Item[] = [];
  private backlog = 0;
  private written = 0;
  private skipped = 0;
  private failures = 0;
  private resetBeforeNextData = false;
  private waitingSnapshots = 0;
  private running = false;
  private disposed = false;

  constructor(options: TerminalMirrorOptions) {
    this.screen = new HeadlessScreen(options.cols, options.rows, options.scrollback ?? 1000);
    this.budget = options.budget ?? processParseBudget;
    this.maxBacklog = options.maxBacklogBytes ?? 4 * 1024 * 1024;
    this.keepOnOverflow = options.keepOnOverflowBytes ?? 512 * 1024;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Output bytes written so far. */
  get position(): number {
    return this.written;
  }
  get backlogBytes(): number {
    return this.backlog;
  }
  get skippedBytes(): number {
    return this.skipped;
  }

  write(data: Buffer): void {
    if (this.disposed || data.length === 0) return;
    this.written += data.length;
    this.backlog += data.length;
    this.queue.push({ kind: 'data', data });
    if (this.backlog > this.maxBacklog) this.dropOldest();
    this.kick();
  }

  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.queue.push({ kind: 'resize', cols, rows });
    this.kick();
  }

  snapshot(): Promise<MirrorSnapshot> {
    if (this.disposed) return Promise.reject(new Error('terminal mirror disposed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'snapshot', position: this.written, resolve, reject });
      this.waitingSnapshots++;
      this.kick();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of this.queue)
      if (item.kind === 'snapshot') item.reject(new Error('terminal mirror disposed'));
    this.queue = [];
    if (!this.running) this.screen.dispose();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.pump()
      .catch((err: unknown) => this.failed(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.running = false;
        if (this.disposed) this.screen.dispose();
        else if (this.queue.length > 0) this.kick();
      });
  }

  /** Whatever was queued is dropped and the screen restarts from the next output. */
  private failed(err: Error): void {
    this.failures++;
    for (const item of this.queue) {
      if (item.kind === 'data') this.skipped += item.data.length;
      if (item.kind === 'snapshot') {
        this.waitingSnapshots--;
        item.reject(new Error(`terminal mirror failed: ${err.message}`));
      }
    }
    this.queue = [];
    this.backlog = 0;
    this.resetBeforeNextData = true;
    try {
      this.onError(err);
    } catch {
      // A logger that throws must not turn this into the unhandled rejection it prevents.
    }
  }

  private async pump(): Promise<void> {
    while (!this.disposed && this.queue.length > 0) {
      const item = this.queue.shift()!;
      if (item.kind === 'resize') {
        this.screen.resize(item.cols, item.rows);
      } else if (item.kind === 'snapshot') {
        this.waitingSnapshots--;
        item.resolve({
          screen: this.screen.serialize(),
          cols: this.screen.cols,
          rows: this.screen.rows,
          position: item.position,
          approximate: this.skipped > 0 || this.failures > 0,
        });
      } else {
        await this.parse(this.takeBatch(item.data));
      }
    }
  }

  /** The data items that follow `first` (up to a batch), parsed together. */
  private takeBatch(first: Buffer): Buffer[] {
    const pieces = [first];
    let bytes = first.length;
    while (bytes < BATCH_BYTES && this.queue[0]?.kind === 'data') {
      const next = (this.queue.shift() as { data: Buffer }).data;
      pieces.push(next);
      bytes += next.length;
    }
    return pieces;
  }

  private async parse(pieces: Buffer[]): Promise<void> {
    if (this.resetBeforeNextData) {
      this.resetBeforeNextData = false;
      this.screen.reset();
    }
    // A viewer waiting for a snapshot goes ahead of the budget.
    if (this.waitingSnapshots > 0) await Promise.all(pieces.map((piece) => this.screen.write(piece)));
    else await this.screen.writeBudgeted(pieces, this.budget, () => this.disposed);
    for (const piece of pieces) this.backlog -= piece.length;
  }

  private dropOldest(): void {
    const kept: Item[] = [];
    let lastResize: Item | null = null;
    for (const item of this.queue) {
      if (item.kind === 'data' && this.backlog > this.keepOnOverflow) {
        this.backlog -= item.data.length;
        this.skipped += item.data.length;
      } else if (item.kind === 'resize' && this.backlog > this.keepOnOverflow) {
        lastResize = item;
      } else {
        kept.push(item);
      }
    }
    this.queue = lastResize ? [lastResize, ...kept] : kept;
    this.resetBeforeNextData = true;
  }
}
