import headless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import type { ParseBudget } from './parseBudget';
import { charsOf, exactSerialization } from './screenPatch';

const { Terminal } = headless;
type HeadlessTerminal = InstanceType<typeof Terminal>;
type HeadlessAddon = Parameters<HeadlessTerminal['loadAddon']>[0];
export type HeadlessBuffer = HeadlessTerminal['buffer']['active'];

/** Chunk fed to the parser per budget turn: ~1-4 ms of parsing. */
const BUDGETED_CHUNK_BYTES = 128 * 1024;

export class TerminalEmulationError extends Error {
  override name = 'TerminalEmulationError';
}

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

  /**
   * Parses `data` now, on this call stack. xterm's own write() parses in a timer, where an
   * emulator bug (a malformed sequence hitting a corner case) would be an uncaught exception that
   * ends the process; here it is a TerminalEmulationError the caller can answer.
   */
  parse(data: Uint8Array | string): void {
    try {
      (this.term as unknown as { _core: { writeSync(data: Uint8Array | string): void } })._core.writeSync(
        data,
      );
    } catch (err) {
      throw new TerminalEmulationError(err instanceof Error ? err.message : String(err));
    }
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

  /**
   * True when everything written so far is fully parsed: no escape sequence or UTF-8 character is
   * half-way (output arrives in chunks cut anywhere). A serialized screen cannot carry a parser
   * state, so a screen taken elsewhere would misread the rest of the sequence as text.
   */
  betweenSequences(): boolean {
    const handler = (this.term as unknown as { _core: { _inputHandler: ParserInternals } })._core
      ._inputHandler;
    return (
      handler._parser.currentState === GROUND_STATE &&
      handler._utf8Decoder.interim[0] === 0 &&
      handler._stringDecoder._interim === 0
    );
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

  /**
   * serialize(), checked against a scratch terminal and repaired where it falls short (see
   * screenPatch.ts): both screens, the cursor (and the saved one), the scroll region, the modes
   * and the current colours come back exactly.
   */
  async serializeExact(): Promise<string> {
    const scratch = new HeadlessScreen(this.cols, this.rows);
    try {
      return exactSerialization(this.term, this.serializer, scratch.term);
    } finally {
      scratch.dispose();
    }
  }

  /** Visible rows as plain text, trailing blanks trimmed. */
  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++)
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  /**
   * Every visible cell (text, width, colours, attributes; an empty cell reads as a space) and which
   * buffer is shown, one string per row: two screens look the same exactly when these are equal
   * (serialized forms are not unique).
   */
  cells(): string[] {
    const buffer = this.term.buffer.active;
    const cell = buffer.getNullCell();
    const rows: string[] = [`buffer ${buffer.type}`];
    for (let y = 0; y < this.term.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      let row = '';
      for (let x = 0; x < this.term.cols; x++) {
        line?.getCell(x, cell);
        const flags = [
          cell.isBold(),
          cell.isDim(),
          cell.isItalic(),
          cell.isUnderline(),
          cell.isBlink(),
          cell.isInverse(),
          cell.isInvisible(),
          cell.isStrikethrough(),
          cell.isOverline(),
        ]
          .map((on) => (on ? 1 : 0))
          .join('');
        row += `${charsOf(cell)}/${cell.getWidth()}/${cell.getFgColorMode()}:${cell.getFgColor()}/`;
        row += `${cell.getBgColorMode()}:${cell.getBgColor()}/${flags};`;
      }
      rows.push(row);
    }
    return rows;
  }

  cursor(): { x: number; y: number } {
    return { x: this.term.buffer.active.cursorX, y: this.term.buffer.active.cursorY };
  }

  /** The buffer on screen (normal or alternate), for reading its cells; valid until the next parse. */
  get activeBuffer(): HeadlessBuffer {
    return this.term.buffer.active;
  }

  /** True while a program hid the cursor (DECTCEM); xterm keeps this internal. */
  cursorHidden(): boolean {
    const core = this.term as unknown as { _core: { coreService?: { isCursorHidden?: boolean } } };
    return core._core.coreService?.isCursorHidden === true;
  }

  dispose(): void {
    this.term.dispose();
  }
}

/** xterm's parser and decoders, internal: no public API tells whether a sequence is half-read. */
interface ParserInternals {
  _parser: { currentState: number };
  _utf8Decoder: { interim: Uint8Array };
  _stringDecoder: { _interim: number };
}
const GROUND_STATE = 0;
