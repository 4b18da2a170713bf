import { HeadlessScreen } from './headlessScreen';
import { processParseBudget, type ParseBudget } from './parseBudget';
import { incompleteCharBytes, sequenceStart } from './outputCut';

export interface MirrorSnapshot {
  /**
   * Serialized screen: write it into a fresh terminal of cols x rows, then the output after
   * `position`. When the output before it ended inside an escape sequence, the screen ends with
   * that sequence's start, so the output after `position` completes it as it would have.
   */
  screen: string;
  cols: number;
  rows: number;
  /**
   * Output bytes written to the mirror before this snapshot was asked for; more when that output
   * ended inside a character, whose remaining bytes the screen then includes (a terminal drops
   * them when they come again without the character's first byte).
   */
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
/** An unfinished escape sequence longer than this (a huge image or clipboard string) is not carried. */
const MAX_CARRY_BYTES = 256 * 1024;

/**
 * The live screen of a session, for viewers who join late. Output is queued and parsed in the
 * background under the shared parse budget, so the proxy never waits for terminal emulation. A
 * snapshot request parses what is queued before it at full speed and is exact at its `position`.
 * If bulk output outruns the budget beyond `maxBacklogBytes`, the oldest unparsed output is dropped
 * and the terminal restarts from the newest `keepOnOverflowBytes` (plenty to repaint a screen):
 * memory stays bounded and the snapshot is flagged approximate.
 *
 * A snapshot is serialized as exactly as a player checkpoint, and only where the output is between
 * escape sequences: output arrives cut anywhere, and a serialized screen cannot hold a parser half
 * way through a sequence. So the start of an unfinished sequence is carried after the screen, and a
 * character cut in two is waited for.
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
  /** Output parsed since the parser was last seen between sequences (the start of the unfinished one). */
  private carry: Buffer = Buffer.alloc(0);
  /** The unfinished sequence outgrew MAX_CARRY_BYTES: snapshots until it ends are approximate. */
  private carryLost = false;
  private waitingSnapshots = 0;
  /** A snapshot waits for the rest of a character: nothing to do until more comes in. */
  private stalled = false;
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
    this.stalled = false;
    if (this.running) return;
    this.running = true;
    this.pump()
      .catch((err: unknown) => this.failed(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.running = false;
        if (this.disposed) this.screen.dispose();
        else if (this.queue.length > 0 && !this.stalled) this.kick();
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
    this.forgetCarry();
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
        let missing = incompleteCharBytes(this.carry);
        while (missing > 0) {
          const rest = this.takeBytes(missing);
          // No output after the cut yet: the snapshot waits for it (the next write resumes here).
          if (rest === null) {
            this.queue.unshift(item);
            this.stalled = true;
            return;
          }
          if (rest.length === 0) break;
          await this.parse([rest]);
          item.position += rest.length;
          missing = incompleteCharBytes(this.carry);
        }
        this.waitingSnapshots--;
        item.resolve(await this.snapshotAt(item.position));
      } else {
        await this.parse(this.takeBatch(item.data));
      }
    }
  }

  private async snapshotAt(position: number): Promise<MirrorSnapshot> {
    let carried = '';
    let lost = false;
    if (!this.screen.betweenSequences()) {
      const start = this.carryLost ? -1 : sequenceStart(this.carry);
      if (start >= 0) carried = this.carry.subarray(start).toString('utf8');
      else lost = true;
    }
    return {
      screen: (await this.screen.serializeExact()) + carried,
      cols: this.screen.cols,
      rows: this.screen.rows,
      position,
      approximate: lost || this.skipped > 0 || this.failures > 0,
    };
  }

  /**
   * Up to `count` bytes from the data at the head of the queue (what completes a character cut in
   * two); null when no output is queued yet. Stops at a resize or snapshot: the character is then
   * left unfinished rather than crossing them.
   */
  private takeBytes(count: number): Buffer | null {
    const taken: Buffer[] = [];
    let left = count;
    while (left > 0 && this.queue[0]?.kind === 'data') {
      const head = this.queue[0];
      const piece = head.data.subarray(0, left);
      taken.push(piece);
      left -= piece.length;
      if (piece.length === head.data.length) this.queue.shift();
      else head.data = head.data.subarray(piece.length);
    }
    if (taken.length === 0 && this.queue.length === 0) return null;
    return Buffer.concat(taken);
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
      this.forgetCarry();
    }
    // A viewer waiting for a snapshot goes ahead of the budget.
    if (this.waitingSnapshots > 0) await Promise.all(pieces.map((piece) => this.screen.write(piece)));
    else await this.screen.writeBudgeted(pieces, this.budget, () => this.disposed);
    for (const piece of pieces) this.backlog -= piece.length;
    this.keepCarry(pieces);
  }

  /** Keeps the output from the start of the sequence left unfinished, if any. */
  private keepCarry(pieces: Buffer[]): void {
    if (this.screen.betweenSequences()) {
      this.forgetCarry();
      return;
    }
    const joined = Buffer.concat([this.carry, ...pieces]);
    // The last sequence introducer starts what is unfinished; anything before it is complete.
    const start = sequenceStart(joined);
    if (start < 0) {
      // No new sequence: the lost one goes on, or a character is cut (its first bytes are enough).
      this.carry = Buffer.from(joined.subarray(Math.max(0, joined.length - 3)));
      return;
    }
    this.carryLost = joined.length - start > MAX_CARRY_BYTES;
    this.carry = this.carryLost ? Buffer.alloc(0) : Buffer.from(joined.subarray(start));
  }

  private forgetCarry(): void {
    this.carry = Buffer.alloc(0);
    this.carryLost = false;
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
