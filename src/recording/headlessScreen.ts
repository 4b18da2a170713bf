import headless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import type { ParseBudget } from './parseBudget';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;
type HeadlessAddon = Parameters<HeadlessTerminal['loadAddon']>[0];

/** Chunk fed to the parser per budget turn: ~1-4 ms of parsing. */
const BUDGETED_CHUNK_BYTES = 128 * 1024;

/** A headless xterm whose screen can be serialized and restored (checkpoints, late joiners, seeking). */
export class HeadlessScreen {
  private readonly term: HeadlessTerminal;
  private readonly serializer = new SerializeAddon();

  constructor(cols: number, rows: number, scrollback = 0) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
    // The addon is typed against @xterm/xterm's Terminal; the headless one has the same surface it uses.
    this.term.loadAddon(this.serializer as unknown as HeadlessAddon);
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  write(data: Uint8Array | string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  /**
   * Writes `pieces` in slices of ~128 KiB, each after a turn of the shared budget, charging the time
   * parsing took. xterm parses in a timer of its own; a timer set just before it fires just before
   * it, so waiting for that timer is not charged as parsing.
   */
  async writeBudgeted(
    pieces: readonly Buffer[],
    budget: ParseBudget,
    cancelled: () => boolean = () => false,
  ): Promise<void> {
    let index = 0;
    let offset = 0;
    while (index < pieces.length && !cancelled()) {
      await budget.turn();
      let started = performance.now();
      const mark = setTimeout(() => (started = performance.now()));
      let slice = 0;
      let parsed: Promise<void> = Promise.resolve();
      while (index < pieces.length && slice < BUDGETED_CHUNK_BYTES) {
        const piece = pieces[index]!;
        const take = Math.min(piece.length - offset, BUDGETED_CHUNK_BYTES - slice);
        parsed = this.write(piece.subarray(offset, offset + take));
        slice += take;
        offset += take;
        if (offset === piece.length) [index, offset] = [index + 1, 0];
      }
      await parsed;
      clearTimeout(mark);
      budget.spend(performance.now() - started);
    }
  }

  resize(cols: number, rows: number): void {
    if (cols > 0 && rows > 0 && (cols !== this.term.cols || rows !== this.term.rows))
      this.term.resize(cols, rows);
  }

  reset(): void {
    this.term.reset();
  }

  /** Escape sequences that rebuild this screen (and its modes) in a terminal of the same size. */
  serialize(): string {
    return this.serializer.serialize();
  }

  /** Visible rows as plain text, trailing blanks trimmed. */
  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++)
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  cursor(): { x: number; y: number } {
    return { x: this.term.buffer.active.cursorX, y: this.term.buffer.active.cursorY };
  }

  dispose(): void {
    this.term.dispose();
  }
}
