import type { HeadlessScreen } from '../headlessScreen';
import { blend, PALETTE_256, THEME } from './palette';

/** One character cell with its colours resolved (inverse, dim and bold-as-bright applied). */
export interface GridCell {
  text: string;
  /** A wide character (CJK, most emoji) takes this cell and the next. */
  wide: boolean;
  fg: number;
  bg: number;
  bold: boolean;
  underline: boolean;
}

/** What a terminal screen looks like, in plain data: what the rasteriser draws. */
export interface ScreenGrid {
  cols: number;
  rows: number;
  /** Per row, a cell per column; null where the right half of a wide character is. */
  cells: (GridCell | null)[][];
  /** One string per row, equal exactly when two rows look the same. */
  rowKeys: string[];
  /** Null while a program hides the cursor. */
  cursor: { x: number; y: number } | null;
}

type Cell = ReturnType<HeadlessScreen['activeBuffer']['getNullCell']>;

function colour(
  mode: 'default' | 'palette' | 'rgb',
  value: number,
  fallback: number,
  bright: boolean,
): number {
  if (mode === 'rgb') return value;
  if (mode === 'palette') return PALETTE_256[bright && value < 8 ? value + 8 : value] ?? fallback;
  return fallback;
}

function readCell(cell: Cell): GridCell {
  const bold = cell.isBold() !== 0;
  const fgMode = cell.isFgRGB() ? 'rgb' : cell.isFgPalette() ? 'palette' : 'default';
  const bgMode = cell.isBgRGB() ? 'rgb' : cell.isBgPalette() ? 'palette' : 'default';
  // As xterm.js draws by default: bold text in the 8 basic colours uses their bright variants.
  let fg = colour(fgMode, cell.getFgColor(), THEME.foreground, bold);
  let bg = colour(bgMode, cell.getBgColor(), THEME.background, false);
  if (cell.isInverse()) [fg, bg] = [bg, fg];
  if (cell.isDim()) fg = blend(fg, bg);
  const text = cell.isInvisible() ? '' : cell.getChars();
  return {
    text: text === ' ' ? '' : text,
    wide: cell.getWidth() === 2,
    fg,
    bg,
    bold,
    underline: cell.isUnderline() !== 0,
  };
}

function cellKey(c: GridCell | null): string {
  if (!c) return '\u0000';
  return `${c.text}\u0001${c.fg}\u0001${c.bg}${c.bold ? 'b' : ''}${c.underline ? 'u' : ''}${c.wide ? 'w' : ''}\u0002`;
}

/** The visible screen of `screen` now. */
export function readScreenGrid(screen: HeadlessScreen): ScreenGrid {
  const buffer = screen.activeBuffer;
  const nullCell = buffer.getNullCell();
  const { cols, rows } = screen;
  const cells: (GridCell | null)[][] = [];
  const rowKeys: string[] = [];
  for (let y = 0; y < rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    const row: (GridCell | null)[] = [];
    let key = '';
    for (let x = 0; x < cols; x++) {
      const cell = line?.getCell(x, nullCell);
      const grid = cell && cell.getWidth() === 0 ? null : readCell(cell ?? nullCell);
      row.push(grid);
      key += cellKey(grid);
    }
    cells.push(row);
    rowKeys.push(key);
  }
  const { x, y } = screen.cursor();
  const cursor = screen.cursorHidden() ? null : { x: Math.min(x, cols - 1), y: Math.min(y, rows - 1) };
  return { cols, rows, cells, rowKeys, cursor };
}

/** True when two grids would draw the same picture. */
export function sameGrid(a: ScreenGrid, b: ScreenGrid): boolean {
  if (a.cols !== b.cols || a.rows !== b.rows) return false;
  if (a.cursor?.x !== b.cursor?.x || a.cursor?.y !== b.cursor?.y) return false;
  return a.rowKeys.every((key, y) => key === b.rowKeys[y]);
}
