import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { FONT_FAMILY, registerTerminalFont } from './fonts';
import { cssColour, THEME } from './palette';
import type { GridCell, ScreenGrid } from './screenGrid';

export interface FrameSize {
  width: number;
  height: number;
}

/** Where the terminal sits in the frame, and how big its cells and font are. */
export interface GridLayout {
  cols: number;
  rows: number;
  cellWidth: number;
  cellHeight: number;
  left: number;
  top: number;
  fontSize: number;
  baseline: number;
}

export class FrameSizeError extends Error {
  override name = 'FrameSizeError';
}

/** Largest frame side accepted: 8K; beyond that a terminal video is only a waste of disk. */
const MAX_SIDE = 8192;

export function checkFrameSize({ width, height }: FrameSize): void {
  for (const side of [width, height]) {
    // yuv420p halves the colour planes, so H.264 in that format needs even sides.
    if (!Number.isInteger(side) || side < 16 || side > MAX_SIDE || side % 2 !== 0)
      throw new FrameSizeError(
        `Video size must be even numbers from 16 to ${MAX_SIDE}: got ${width}x${height}`,
      );
  }
}

/** Font proportions of DejaVu Sans Mono (per em): advance, ascent and descent. */
const ADVANCE = 0.602;
const ASCENT = 0.928;
const DESCENT = 0.236;

/** The recorded cols x rows scaled (whole pixels per cell) to fit the frame, centred. */
export function gridLayout(size: FrameSize, cols: number, rows: number): GridLayout {
  const ratio = ADVANCE / (ASCENT + DESCENT);
  const fit = Math.min(size.height / rows, size.width / (cols * ratio));
  const cellHeight = Math.max(1, Math.floor(fit));
  const cellWidth = Math.max(1, Math.floor(cellHeight * ratio));
  const fontSize = Math.min(cellHeight / (ASCENT + DESCENT), cellWidth / ADVANCE);
  const slack = cellHeight - (ASCENT + DESCENT) * fontSize;
  return {
    cols,
    rows,
    cellWidth,
    cellHeight,
    left: Math.floor((size.width - cols * cellWidth) / 2),
    top: Math.floor((size.height - rows * cellHeight) / 2),
    fontSize,
    baseline: slack / 2 + ASCENT * fontSize,
  };
}

/**
 * Draws terminal screens into a frame of a fixed size. It keeps the last picture and redraws only
 * the rows that changed (each row clipped to itself, so a picture drawn in steps is the same as
 * one drawn at once).
 */
export class TerminalRasterizer {
  private readonly canvas: Canvas;
  private readonly ctx: SKRSContext2D;
  private layout: GridLayout | null = null;
  private drawnRows: string[] = [];
  private fillStyle = '';
  private font = '';

  constructor(readonly size: FrameSize) {
    checkFrameSize(size);
    registerTerminalFont();
    this.canvas = createCanvas(size.width, size.height);
    this.ctx = this.canvas.getContext('2d');
    this.ctx.textAlign = 'center';
    this.ctx.textBaseline = 'alphabetic';
  }

  /** Draws `grid`; returns how many rows had to be drawn. */
  draw(grid: ScreenGrid): number {
    if (this.layout?.cols !== grid.cols || this.layout.rows !== grid.rows) {
      this.layout = gridLayout(this.size, grid.cols, grid.rows);
      this.drawnRows = [];
      this.fill(THEME.letterbox, 0, 0, this.size.width, this.size.height);
    }
    let drawn = 0;
    for (let y = 0; y < grid.rows; y++) {
      const cursorX = grid.cursor?.y === y ? grid.cursor.x : -1;
      const key = `${cursorX}|${grid.rowKeys[y]}`;
      if (this.drawnRows[y] === key) continue;
      this.drawRow(this.layout, grid.cells[y]!, y, cursorX);
      this.drawnRows[y] = key;
      drawn++;
    }
    return drawn;
  }

  /** The frame's pixels, RGBA, row after row (opaque, so premultiplied or not is the same). */
  rgba(): Buffer {
    return this.canvas.data();
  }

  private drawRow(layout: GridLayout, cells: readonly (GridCell | null)[], y: number, cursorX: number): void {
    const { ctx } = this;
    const top = layout.top + y * layout.cellHeight;
    ctx.save();
    ctx.beginPath();
    ctx.rect(layout.left, top, layout.cols * layout.cellWidth, layout.cellHeight);
    ctx.clip();
    this.fillStyle = '';
    // Backgrounds first, in runs of one colour, so a glyph overhanging its cell is not cut by the next.
    for (let x = 0; x < cells.length;) {
      const bg = cells[x]?.bg ?? THEME.background;
      let end = x + 1;
      while (end < cells.length && (cells[end]?.bg ?? bg) === bg) end++;
      this.fill(bg, layout.left + x * layout.cellWidth, top, (end - x) * layout.cellWidth, layout.cellHeight);
      x = end;
    }
    for (let x = 0; x < cells.length; x++) {
      const cell = cells[x];
      if (!cell) continue;
      const span = cell.wide ? 2 : 1;
      const left = layout.left + x * layout.cellWidth;
      let fg = cell.fg;
      if (x === cursorX) {
        this.fill(THEME.cursor, left, top, span * layout.cellWidth, layout.cellHeight);
        fg = cell.bg;
      }
      if (cell.text) this.text(cell, fg, left + (span * layout.cellWidth) / 2, top + layout.baseline);
      if (cell.underline) {
        const thickness = Math.max(1, Math.round(layout.fontSize / 14));
        this.fill(
          fg,
          left,
          top + Math.round(layout.baseline) + thickness,
          span * layout.cellWidth,
          thickness,
        );
      }
    }
    ctx.restore();
    this.fillStyle = '';
    this.font = '';
  }

  private text(cell: GridCell, fg: number, centreX: number, baseline: number): void {
    const font = `${cell.bold ? 'bold ' : ''}${this.layout!.fontSize.toFixed(2)}px "${FONT_FAMILY}"`;
    if (font !== this.font) this.ctx.font = this.font = font;
    this.setFill(fg);
    this.ctx.fillText(cell.text, centreX, baseline);
  }

  private fill(rgb: number, x: number, y: number, w: number, h: number): void {
    this.setFill(rgb);
    this.ctx.fillRect(x, y, w, h);
  }

  private setFill(rgb: number): void {
    const style = cssColour(rgb);
    if (style !== this.fillStyle) this.ctx.fillStyle = this.fillStyle = style;
  }
}
