import type headless from '@xterm/headless';
import type { SerializeAddon } from '@xterm/addon-serialize';

/**
 * Repairs what @xterm/addon-serialize drops. Its output is compact but not exact: blank cells
 * with a background colour after the last text (a full-screen program's coloured panes), some
 * attributes (underline), the cursor after wide characters or at a line's end, the saved cursor,
 * the scroll region, and the normal screen behind the alternate one come back wrong. A screen
 * rebuilt from it (a checkpoint, a seek) then differs from the real one, and the output replayed
 * on top inherits the error. The fix is checked, not guessed: the serialized screen is written
 * into a scratch terminal, compared cell by cell with the source, and every cell that came out
 * different is drawn again; then the state no cell shows is set.
 */
type Terminal = InstanceType<typeof headless.Terminal>;
type Buffer_ = Terminal['buffer']['normal'];

/** The parts of an xterm cell or attribute set that a screen shows. */
export interface CellStyle {
  getFgColorMode(): number;
  getFgColor(): number;
  getBgColorMode(): number;
  getBgColor(): number;
  isBold(): number;
  isDim(): number;
  isItalic(): number;
  isUnderline(): number;
  isBlink(): number;
  isInverse(): number;
  isInvisible(): number;
  isStrikethrough(): number;
  isOverline(): number;
}

export interface ScreenCell extends CellStyle {
  getChars(): string;
  getWidth(): number;
}

/** xterm's colour modes (the high byte of the colour word). */
const COLOR_MODE = { palette16: 0x1000000, palette256: 0x2000000, rgb: 0x3000000 } as const;

function colorSgr(mode: number, color: number, base: number, bright: number, extended: number): string[] {
  if (mode === COLOR_MODE.palette16) return [String(color < 8 ? base + color : bright + color - 8)];
  if (mode === COLOR_MODE.palette256) return [String(extended), '5', String(color)];
  if (mode === COLOR_MODE.rgb)
    return [
      String(extended),
      '2',
      String((color >> 16) & 0xff),
      String((color >> 8) & 0xff),
      String(color & 0xff),
    ];
  return [];
}

function flagCodes(style: CellStyle): string[] {
  const flags: [number, string][] = [
    [style.isBold(), '1'],
    [style.isDim(), '2'],
    [style.isItalic(), '3'],
    [style.isUnderline(), '4'],
    [style.isBlink(), '5'],
    [style.isInverse(), '7'],
    [style.isInvisible(), '8'],
    [style.isStrikethrough(), '9'],
    [style.isOverline(), '53'],
  ];
  return flags.flatMap(([on, code]) => (on ? [code] : []));
}

/** SGR parameters that turn a reset pen into `style`. */
export function sgrOf(style: CellStyle): string {
  const params = ['0', ...flagCodes(style)];
  params.push(...colorSgr(style.getFgColorMode(), style.getFgColor(), 30, 90, 38));
  params.push(...colorSgr(style.getBgColorMode(), style.getBgColor(), 40, 100, 48));
  return `\x1b[${params.join(';')}m`;
}

/** What a cell shows: an empty cell looks like a space. */
export function charsOf(cell: ScreenCell): string {
  return cell.getChars() || ' ';
}

export function sameCell(a: ScreenCell, b: ScreenCell): boolean {
  return (
    a.getWidth() === b.getWidth() &&
    a.getFgColorMode() === b.getFgColorMode() &&
    a.getFgColor() === b.getFgColor() &&
    a.getBgColorMode() === b.getBgColorMode() &&
    a.getBgColor() === b.getBgColor() &&
    flagMask(a) === flagMask(b) &&
    charsOf(a) === charsOf(b)
  );
}

function flagMask(style: CellStyle): number {
  return (
    (style.isBold() ? 1 : 0) |
    (style.isDim() ? 2 : 0) |
    (style.isItalic() ? 4 : 0) |
    (style.isUnderline() ? 8 : 0) |
    (style.isBlink() ? 16 : 0) |
    (style.isInverse() ? 32 : 0) |
    (style.isInvisible() ? 64 : 0) |
    (style.isStrikethrough() ? 128 : 0) |
    (style.isOverline() ? 256 : 0)
  );
}

/** Escape sequences that draw `cell` at (x, y), zero-based. */
export function drawCell(x: number, y: number, cell: ScreenCell): string {
  const at = `\x1b[${y + 1};${x + 1}H${sgrOf(cell)}`;
  // An empty cell that only has a background is erased with it (as ED/EL/ECH made it); one that
  // shows more (an underlined blank) can only be drawn as a space.
  const onlyBackground = cell.getFgColorMode() === 0 && flagCodes(cell).length === 0;
  return cell.getChars() === '' && onlyBackground ? `${at}\x1b[X` : `${at}${charsOf(cell)}`;
}

/** xterm internals the public API does not expose (the serialize addon reads the pen the same way). */
interface TerminalInternals {
  _core: {
    _inputHandler: { _curAttrData: CellStyle };
    buffers: { normal: BufferInternals; alt: BufferInternals; active: BufferInternals };
  };
}
interface BufferInternals {
  savedX: number;
  savedY: number;
  savedCurAttrData: CellStyle;
  scrollTop: number;
  scrollBottom: number;
  ybase: number;
}

function internals(term: Terminal): TerminalInternals['_core'] {
  return (term as unknown as TerminalInternals)._core;
}

/**
 * Parses `data` into the scratch terminal at once. xterm's public write() parses in a timer of
 * its own, a tick per call; the scratch holds nothing else, so the synchronous path is safe.
 */
function write(term: Terminal, data: string): void {
  if (data !== '') (term as unknown as { _core: { writeSync(data: string): void } })._core.writeSync(data);
}

/** Draws, in `copy`'s coordinates, every cell of `source`'s visible rows that `copy` shows differently. */
function cellPatch(source: Buffer_, copy: Buffer_, cols: number, rows: number): string {
  const a = source.getNullCell();
  const b = copy.getNullCell();
  let patch = '';
  for (let y = 0; y < rows; y++) {
    const lineA = source.getLine(source.baseY + y);
    const lineB = copy.getLine(copy.baseY + y);
    if (!lineA || !lineB) continue;
    for (let x = 0; x < cols; x++) {
      lineA.getCell(x, a);
      lineB.getCell(x, b);
      // The right half of a wide character is drawn with its left half.
      if (a.getWidth() === 0 || sameCell(a, b)) continue;
      patch += drawCell(x, y, a);
    }
  }
  return patch;
}

/**
 * Joins rows that are one wrapped line in `source` but not in `copy` (a resize reflows by these):
 * the end of the row above and the start of the row are printed again, so the text wraps there.
 */
function wrapPatch(source: Buffer_, copy: Buffer_, cols: number, rows: number): string {
  const cell = source.getNullCell();
  let patch = '';
  for (let y = 1; y < rows; y++) {
    const line = source.getLine(source.baseY + y);
    if (!line?.isWrapped || copy.getLine(copy.baseY + y)?.isWrapped !== false) continue;
    const above = source.getLine(source.baseY + y - 1);
    let last = cols - 1;
    above?.getCell(last, cell);
    if (cell.getWidth() === 0 && last > 0) above?.getCell(--last, cell);
    patch += `\x1b[${y};${last + 1}H${sgrOf(cell)}${charsOf(cell)}`;
    line.getCell(0, cell);
    patch += `${sgrOf(cell)}${charsOf(cell)}`;
  }
  return patch;
}

/** Writes what makes `copy` show `source`'s rows (wraps, then cells) into `scratch`; returns it. */
function repair(source: Buffer_, copy: () => Buffer_, scratch: Terminal): string {
  const { cols, rows } = scratch;
  let top = '';
  if (source.getLine(source.baseY)?.isWrapped && copy().getLine(copy().baseY)?.isWrapped === false) {
    // The top row continues a row that left the screen: scroll down, wrap into it, scroll back.
    const cell = source.getNullCell();
    source.getLine(source.baseY)!.getCell(0, cell);
    top = `\x1b[T\x1b[1;${cols}H\x1b[0m ${sgrOf(cell)}${charsOf(cell)}\x1b[S`;
    write(scratch, top);
  }
  const wraps = top + wrapPatch(source, copy(), cols, rows);
  write(scratch, wraps.slice(top.length));
  const cells = cellPatch(source, copy(), cols, rows);
  write(scratch, cells);
  return wraps + cells;
}

/**
 * Moves the cursor to (x, y) of `buffer`. Past the last column (a line written to its end, the
 * wrap still pending) no move can reach it: the row's last character is drawn again instead.
 */
function cursorTo(buffer: Buffer_, x: number, y: number, cols: number, top = 0): string {
  if (x < cols) return `\x1b[${y - top + 1};${x + 1}H`;
  const line = buffer.getLine(buffer.baseY + y);
  const cell = buffer.getNullCell();
  let last = cols - 1;
  line?.getCell(last, cell);
  if (cell.getWidth() === 0 && last > 0) line?.getCell(--last, cell);
  // Printed, never erased: only printing leaves the wrap pending.
  return `\x1b[${y - top + 1};${last + 1}H${sgrOf(cell)}${charsOf(cell)}`;
}

/** The serialized screen of `term`, exact; `scratch` is a fresh terminal of the same size. */
export function exactSerialization(term: Terminal, serializer: SerializeAddon, scratch: Terminal): string {
  const { cols, rows } = term;
  const core = internals(term);
  const altActive = term.buffer.active.type === 'alternate';
  const withAlt = serializer.serialize({ excludeModes: true });
  const normalOnly = serializer.serialize({ excludeModes: true, excludeAltBuffer: true });
  const modes = serializer.serialize().slice(withAlt.length);
  // Drawing happens with default modes (no insert, no origin); the real ones are set at the end.
  write(scratch, normalOnly);
  let out = normalOnly + repair(term.buffer.normal, () => scratch.buffer.normal, scratch);
  const normal = core.buffers.normal;
  const savedAt = (buffer: BufferInternals) =>
    `\x1b[${Math.max(0, buffer.savedY - buffer.ybase) + 1};${buffer.savedX + 1}H${sgrOf(buffer.savedCurAttrData)}`;
  if (altActive) {
    // Entering the alternate screen saves the cursor of the normal one: put it there first.
    const enter = savedAt(normal) + withAlt.slice(normalOnly.length);
    write(scratch, enter);
    out += enter + repair(term.buffer.alternate, () => scratch.buffer.alternate, scratch);
  }
  let step = '';
  const active = core.buffers.active;
  // The cursor an ESC 7 / CSI s saved, for the ESC 8 / CSI u still to come.
  step += `${savedAt(active)}\x1b7`;
  if (active.scrollTop !== 0 || active.scrollBottom !== rows - 1)
    step += `\x1b[${active.scrollTop + 1};${active.scrollBottom + 1}r`;
  const top = term.modes.originMode ? active.scrollTop : 0;
  const buffer = term.buffer.active;
  step += modes + cursorTo(buffer, buffer.cursorX, buffer.cursorY, cols, top);
  step += sgrOf(core._inputHandler._curAttrData);
  return out + step;
}
