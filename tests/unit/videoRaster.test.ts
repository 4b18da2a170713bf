import { describe, expect, it } from 'vitest';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import { PALETTE_256, THEME } from '../../src/recording/video/palette';
import {
  FrameSizeError,
  gridLayout,
  TerminalRasterizer,
  type FrameSize,
  type GridLayout,
} from '../../src/recording/video/rasterizer';
import { readScreenGrid, type ScreenGrid } from '../../src/recording/video/screenGrid';

const SIZE: FrameSize = { width: 960, height: 540 };

function gridOf(output: string, cols = 40, rows = 10): ScreenGrid {
  const screen = new HeadlessScreen(cols, rows);
  try {
    screen.parse(output);
    return readScreenGrid(screen);
  } finally {
    screen.dispose();
  }
}

interface Picture {
  pixels: Buffer;
  layout: GridLayout;
  size: FrameSize;
}

function draw(output: string, size = SIZE, cols = 40, rows = 10): Picture {
  const rasterizer = new TerminalRasterizer(size);
  rasterizer.draw(gridOf(output, cols, rows));
  return { pixels: Buffer.from(rasterizer.rgba()), layout: gridLayout(size, cols, rows), size };
}

function pixel({ pixels, size }: Picture, x: number, y: number): number {
  const at = (y * size.width + x) * 4;
  return (pixels[at]! << 16) | (pixels[at + 1]! << 8) | pixels[at + 2]!;
}

/** A pixel of cell (col, row): its top-left corner (background, never ink) or its centre. */
function cellPixel(p: Picture, col: number, row: number, where: 'corner' | 'centre'): number {
  const { left, top, cellWidth, cellHeight } = p.layout;
  const offset = where === 'corner' ? [1, 1] : [Math.floor(cellWidth / 2), Math.floor(cellHeight / 2)];
  return pixel(p, left + col * cellWidth + offset[0]!, top + row * cellHeight + offset[1]!);
}

/** Pixels of a cell that differ from its background: the ink of its glyph. */
function ink(p: Picture, col: number, row: number): number {
  const { left, top, cellWidth, cellHeight } = p.layout;
  const background = cellPixel(p, col, row, 'corner');
  let count = 0;
  for (let y = 0; y < cellHeight; y++)
    for (let x = 0; x < cellWidth; x++)
      if (pixel(p, left + col * cellWidth + x, top + row * cellHeight + y) !== background) count++;
  return count;
}

const hex = (rgb: number) => rgb.toString(16).padStart(6, '0');

describe('video frames of a terminal screen', () => {
  it('paints backgrounds in the 16 colours, the 256 and truecolor', () => {
    const p = draw('\x1b[41m \x1b[48;5;202m \x1b[48;2;10;200;30m \x1b[44m \x1b[0m \x1b[?25l');
    expect(hex(cellPixel(p, 0, 0, 'centre'))).toBe(hex(0xcc0000));
    expect(hex(cellPixel(p, 1, 0, 'centre'))).toBe(hex(0xff5f00));
    expect(hex(cellPixel(p, 2, 0, 'centre'))).toBe(hex(0x0ac81e));
    expect(hex(cellPixel(p, 3, 0, 'centre'))).toBe(hex(PALETTE_256[4]!));
    expect(hex(cellPixel(p, 4, 0, 'centre'))).toBe(hex(THEME.background));
  });

  it('draws text in its foreground colour, bold basic colours as their bright variants', () => {
    // A full block fills its cell with the foreground colour.
    const p = draw('\x1b[31m█\x1b[38;5;46m█\x1b[38;2;200;100;50m█\x1b[1;31m█\x1b[0m█\x1b[?25l');
    expect(hex(cellPixel(p, 0, 0, 'centre'))).toBe(hex(PALETTE_256[1]!));
    expect(hex(cellPixel(p, 1, 0, 'centre'))).toBe(hex(0x00ff00));
    expect(hex(cellPixel(p, 2, 0, 'centre'))).toBe(hex(0xc86432));
    expect(hex(cellPixel(p, 3, 0, 'centre'))).toBe(hex(PALETTE_256[9]!));
    expect(hex(cellPixel(p, 4, 0, 'centre'))).toBe(hex(THEME.foreground));
  });

  it('draws bold text heavier than regular text', () => {
    const p = draw('HHHH\r\n\x1b[1mHHHH\x1b[0m\x1b[?25l');
    expect(ink(p, 0, 1)).toBeGreaterThan(ink(p, 0, 0) * 1.15);
  });

  it('swaps the colours of inverse text', () => {
    const p = draw('\x1b[7m \x1b[31m \x1b[0m\x1b[?25l');
    expect(hex(cellPixel(p, 0, 0, 'centre'))).toBe(hex(THEME.foreground));
    expect(hex(cellPixel(p, 1, 0, 'centre'))).toBe(hex(PALETTE_256[1]!));
  });

  it('gives a wide character two cells and puts the next character after them', () => {
    const grid = gridOf('\x1b[44m世\x1b[0mX\x1b[?25l');
    expect(grid.cells[0]![0]).toMatchObject({ text: '世', wide: true });
    expect(grid.cells[0]![1]).toBeNull();
    expect(grid.cells[0]![2]).toMatchObject({ text: 'X', wide: false });
    const p = draw('\x1b[44m世\x1b[0mX\x1b[?25l');
    expect(hex(cellPixel(p, 0, 0, 'corner'))).toBe(hex(PALETTE_256[4]!));
    expect(hex(cellPixel(p, 1, 0, 'corner'))).toBe(hex(PALETTE_256[4]!));
    expect(hex(cellPixel(p, 2, 0, 'corner'))).toBe(hex(THEME.background));
    expect(ink(p, 2, 0)).toBeGreaterThan(0);
    expect(ink(p, 3, 0)).toBe(0);
  });

  it('shows the cursor as a block where it is, and not while a program hides it', () => {
    const shown = draw('$ ls\x1b[1;3H');
    expect(hex(cellPixel(shown, 2, 0, 'corner'))).toBe(hex(THEME.cursor));
    expect(hex(cellPixel(shown, 4, 0, 'corner'))).toBe(hex(THEME.background));
    const hidden = draw('$ ls\x1b[1;3H\x1b[?25l');
    expect(hex(cellPixel(hidden, 2, 0, 'corner'))).toBe(hex(THEME.background));
  });

  it('scales the terminal to fit the frame and letterboxes the rest', () => {
    // 80x24 is taller than 16:9 once drawn: bars left and right.
    const wide = draw('\x1b[?25l', { width: 1280, height: 720 }, 80, 24);
    const { left, top, cellWidth, cellHeight } = wide.layout;
    expect(left).toBeGreaterThan(0);
    expect(Math.abs(1280 - (left + 80 * cellWidth) - left)).toBeLessThanOrEqual(1);
    expect(top + 24 * cellHeight).toBeLessThanOrEqual(720);
    expect(hex(pixel(wide, 0, 360))).toBe(hex(THEME.letterbox));
    expect(hex(pixel(wide, 1279, 360))).toBe(hex(THEME.letterbox));
    expect(hex(pixel(wide, left + 2, 360))).toBe(hex(THEME.background));
    // A portrait frame: bars above and below.
    const tall = draw('\x1b[?25l', { width: 480, height: 800 }, 80, 24);
    expect(tall.layout.top).toBeGreaterThan(0);
    expect(hex(pixel(tall, 240, 0))).toBe(hex(THEME.letterbox));
    expect(hex(pixel(tall, 240, 799))).toBe(hex(THEME.letterbox));
    expect(hex(pixel(tall, 240, tall.layout.top + 2))).toBe(hex(THEME.background));
  });

  it('draws a screen changed row by row the same as drawn at once', () => {
    const before = '\x1b[32mgreen\r\n\x1b[1mbold\x1b[0m\r\nplain gjpq\r\n';
    const after = before + '\x1b[2;1H\x1b[41mchanged\x1b[0m\x1b[5;9H';
    const stepwise = new TerminalRasterizer(SIZE);
    stepwise.draw(gridOf(before));
    const redrawn = stepwise.draw(gridOf(after));
    expect(redrawn).toBeLessThan(10);
    expect(Buffer.from(stepwise.rgba()).equals(draw(after).pixels)).toBe(true);
  });

  it('refuses odd or silly frame sizes', () => {
    expect(() => new TerminalRasterizer({ width: 1281, height: 720 })).toThrow(FrameSizeError);
    expect(() => new TerminalRasterizer({ width: 0, height: 720 })).toThrow(FrameSizeError);
    expect(() => new TerminalRasterizer({ width: 1280, height: 100_000 })).toThrow(FrameSizeError);
  });
});
