import headless from '@xterm/headless';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;
type Buffer_ = HeadlessTerminal['buffer']['normal'];
type IMarker = NonNullable<ReturnType<HeadlessTerminal['registerMarker']>>;

/** A rendered line of the session text and the session time (ms) it was last written. */
export interface TextLine {
  offsetMs: number;
  text: string;
}

/**
 * Rows kept above the screen. Each piece fed to the terminal is at most PIECE_BYTES (one byte
 * scrolls at most one row), rows that left the screen are harvested after every piece, and the
 * harvested history is erased once it exceeds TRIM_AT_ROWS: the terminal never drops a row unread.
 */
export const PIECE_BYTES = 4096;
const TRIM_AT_ROWS = 4096;
const SCROLLBACK = TRIM_AT_ROWS + PIECE_BYTES + 2048;
/** A recording's resize comes from the client: keep the emulator's memory bounded. */
const MAX_COLS = 1000;
const MAX_ROWS = 500;
const ERASE_SAVED_LINES = '\x1b[3J';

export type ClearKind = 'screen' | 'reset';

/**
 * The normal screen of a headless xterm turned into lines as a person reads them. Rows get a
 * logical number that survives scrolling, the erasing of history, clearing and resizes; each row
 * carries the time of the last output that passed over it (the cursor's path from before to after
 * the output). A row is final once it scrolled above the screen (wrapped rows join their line);
 * what a clear erases is taken just before. The alternate screen (vim, less, top) is never read.
 */
export class ScreenText {
  private readonly term: HeadlessTerminal;
  /** logical row = shift + row index in the normal buffer. */
  private shift = 0;
  /** The next logical row to harvest. */
  private next = 0;
  private readonly stamps = new Map<number, number>();
  /** Logical row of the normal cursor after the previous output. */
  private lastRow = 0;
  private lastTime = 0;
  private started = false;
  private blanks: TextLine[] = [];
  private lines: TextLine[] = [];
  private flushedForClear = false;

  /** `newlineReturns`: a line feed also returns the cursor (output without a pty, as a terminal shows it). */
  constructor(cols: number, rows: number, newlineReturns = false) {
    this.term = new Terminal({
      convertEol: newlineReturns,
      cols: clamp(cols, MAX_COLS),
      rows: clamp(rows, MAX_ROWS),
      scrollback: SCROLLBACK,
      allowProposedApi: true,
      logLevel: 'off',
    });
  }

  /** Lines made final since the last call. */
  take(): TextLine[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  /**
   * Feeds output (and resizes) and resolves once all of it is parsed and harvested. Pieces are
   * chained from xterm's write callbacks, so parsing runs in xterm's own time slices (it yields to
   * the event loop every few milliseconds) and nothing can scroll away between harvests.
   */
  feed(items: readonly FeedItem[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let i = 0;
      const step = (): void => {
        try {
          while (i < items.length) {
            const item = items[i++]!;
            if (item.kind === 'resize') {
              this.resize(item.cols, item.rows);
            } else if (item.kind === 'flush') {
              this.flushBeforeClear(item.clear);
            } else {
              this.term.write(item.data, () => {
                try {
                  this.written(item);
                  this.trimHistory(step);
                } catch (err) {
                  reject(err as Error);
                }
              });
              return;
            }
          }
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      };
      step();
    });
  }

  /** Harvests what is left on the normal screen (non-empty rows) and ends the text. */
  finish(): TextLine[] {
    this.harvestScreen();
    this.blanks = [];
    return this.take();
  }

  dispose(): void {
    this.term.dispose();
  }

  private get normal(): Buffer_ {
    return this.term.buffer.normal;
  }

  private normalActive(): boolean {
    return this.term.buffer.active.type === 'normal';
  }

  private cursorRow(): number {
    return this.shift + this.normal.baseY + this.normal.cursorY;
  }

  private written(item: OutputItem): void {
    if (this.normalActive()) {
      const row = this.cursorRow();
      const from = this.lastRow;
      // Just before a clear, a jump up (to home) wrote nothing: keep the rows' own times.
      if (!(item.beforeClear === true && row < from)) {
        for (let r = Math.min(from, row); r <= Math.max(from, row); r++) this.stamps.set(r, item.t);
      }
      this.lastRow = row;
    }
    this.lastTime = Math.max(this.lastTime, item.t);
    if (item.clearSequence === true && this.flushedForClear) this.restartAfterClear();
    this.harvest(this.normal.baseY, false);
  }

  /** Erases harvested history (as ED 3 would) once it grows: memory stays bounded. */
  private trimHistory(then: () => void): void {
    const baseY = this.normal.baseY;
    if (!this.normalActive() || baseY < TRIM_AT_ROWS || this.next - this.shift < baseY) return then();
    this.term.write(ERASE_SAVED_LINES, () => {
      this.shift += baseY - this.normal.baseY;
      then();
    });
  }

  private flushBeforeClear(kind: ClearKind): void {
    // A clear of the alternate screen erases nothing of the text; a reset erases both screens.
    this.flushedForClear = kind === 'reset' || this.normalActive();
    if (this.flushedForClear) this.harvestScreen();
  }

  /** After a clear the screen's rows are new lines, numbered after the ones harvested. */
  private restartAfterClear(): void {
    this.flushedForClear = false;
    this.shift = this.next - this.normal.baseY;
    this.stamps.clear();
    this.lastRow = this.cursorRow();
  }

  private harvestScreen(): void {
    const buffer = this.normal;
    this.harvest(buffer.baseY, false);
    let end = buffer.baseY;
    for (let y = buffer.baseY; y < buffer.length; y++) {
      if ((buffer.getLine(y)?.translateToString(true) ?? '') !== '') end = y + 1;
    }
    this.harvest(end, true);
  }

  private resize(cols: number, rows: number): void {
    const c = clamp(cols, MAX_COLS);
    const r = clamp(rows, MAX_ROWS);
    if (c === this.term.cols && r === this.term.rows) return;
    // Reflow moves rows: markers follow the unharvested ones, so their numbers and times stay theirs.
    const marked = this.markUnharvestedRows();
    const cursor = this.cursorRow();
    this.term.resize(c, r);
    const anchor = marked.find((m) => !m.marker.isDisposed);
    if (anchor === undefined) {
      this.shift = cursor - this.normal.baseY - this.normal.cursorY;
    } else {
      this.shift = anchor.logical - anchor.marker.line;
      const stamps = marked.flatMap((m) => {
        const stamp = this.stamps.get(m.logical);
        return stamp === undefined || m.marker.isDisposed
          ? []
          : [[this.shift + m.marker.line, stamp] as const];
      });
      this.stamps.clear();
      for (const [row, stamp] of stamps) this.stamps.set(row, stamp);
    }
    for (const m of marked) m.marker.dispose();
    this.lastRow = this.cursorRow();
    this.harvest(this.normal.baseY, false);
  }

  private markUnharvestedRows(): { logical: number; marker: IMarker }[] {
    if (!this.normalActive()) return [];
    const buffer = this.normal;
    const cursor = buffer.baseY + buffer.cursorY;
    const marked: { logical: number; marker: IMarker }[] = [];
    for (let row = Math.max(0, this.next - this.shift); row < buffer.length; row++) {
      const marker = this.term.registerMarker(row - cursor);
      if (marker !== undefined) marked.push({ logical: this.shift + row, marker });
    }
    return marked;
  }

  /**
   * Emits the lines from the next unharvested row up to buffer row `end` (exclusive). A line whose
   * wrapped rows reach past `end` waits for them unless `force`.
   */
  private harvest(end: number, force: boolean): void {
    const buffer = this.normal;
    let row = Math.max(0, this.next - this.shift);
    while (row < end) {
      let stop = row + 1;
      while (stop < buffer.length && buffer.getLine(stop)?.isWrapped === true) stop++;
      if (stop > end && !force) break;
      let text = '';
      let time: number | undefined;
      for (let y = row; y < stop; y++) {
        text += buffer.getLine(y)?.translateToString(y === stop - 1) ?? '';
        const stamp = this.stamps.get(this.shift + y);
        if (stamp !== undefined) {
          time = Math.max(time ?? 0, stamp);
          this.stamps.delete(this.shift + y);
        }
      }
      this.emit(text.trimEnd(), time);
      row = stop;
    }
    this.next = Math.max(this.next, this.shift + row);
  }

  private emit(text: string, stamp: number | undefined): void {
    // A row nothing stamped (drawn by cursor addressing) was written before the newest output.
    const line = { text, offsetMs: stamp ?? this.lastTime };
    if (text === '') {
      if (this.started) this.blanks.push(line);
      return;
    }
    this.started = true;
    if (this.blanks.length > 0) {
      this.lines.push(...this.blanks);
      this.blanks = [];
    }
    this.lines.push(line);
  }
}

export interface OutputItem {
  kind: 'output';
  data: Uint8Array;
  t: number;
  /** The piece that ends right before a clear sequence. */
  beforeClear?: boolean;
  /** The clear sequence itself: after it the screen's rows are new lines. */
  clearSequence?: boolean;
}
export type FeedItem =
  | OutputItem
  | { kind: 'resize'; cols: number; rows: number }
  /** Takes the screen's text before a clear erases it. */
  | { kind: 'flush'; clear: ClearKind };

function clamp(n: number, max: number): number {
  return Math.min(max, Math.max(1, Math.floor(n) || 1));
}
