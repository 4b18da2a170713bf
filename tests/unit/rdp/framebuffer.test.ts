import { describe, expect, it } from 'vitest';
import { Framebuffer, type BitmapRect } from '../../../src/shared/rdp/framebuffer';
import { RdpBitmapError } from '../../../src/shared/rdp/rle';
import { firstDifference, rgba } from './support/compare';
import { readCapturedRects, XRDP_SCREEN } from './support/fixture';
import { referenceDecode } from './support/referenceDecoder';
import { RleWriter } from './support/rleWriter';

const RED = 0xff0000;
const GREEN = 0x00ff00;
const BLUE = 0x0000ff;
const BLACK = 0x000000;

/** A compressed 24 bpp bitmap of one colour, `width` × `height`, placed at x, y. */
function solidRect(x: number, y: number, width: number, height: number, colour: number): BitmapRect {
  return {
    x,
    y,
    width,
    height,
    right: x + width - 1,
    bottom: y + height - 1,
    bpp: 24,
    compressed: true,
    data: new RleWriter(3).colour(width * height, colour, 'mega').toBytes(),
  };
}

const area = (width: number, height: number, colour: number) =>
  new Uint8ClampedArray(rgba(Array<number>(width * height).fill(colour)));

describe('Framebuffer', () => {
  it('starts opaque black', () => {
    const screen = new Framebuffer(4, 3);
    expect(screen.pixels).toEqual(area(4, 3, BLACK));
  });

  it('paints a rectangle where the server placed it', () => {
    const screen = new Framebuffer(10, 8);
    screen.apply(solidRect(2, 3, 4, 2, RED));
    expect(screen.readRegion(2, 3, 4, 2)).toEqual(area(4, 2, RED));
    expect(screen.readRegion(0, 0, 10, 3)).toEqual(area(10, 3, BLACK));
    expect(screen.readRegion(6, 3, 4, 2)).toEqual(area(4, 2, BLACK));
    expect(screen.readRegion(0, 5, 10, 3)).toEqual(area(10, 3, BLACK));
  });

  it('shows only the destination area of a bitmap padded wider than it', () => {
    const screen = new Framebuffer(10, 4);
    // An 8-wide bitmap (6 pixels of content padded to a multiple of 4) for a 6-wide destination.
    const rows = [0, 1].flatMap(() => [GREEN, GREEN, GREEN, GREEN, GREEN, GREEN, RED, RED]);
    const data = new RleWriter(3).copy(rows).toBytes();
    screen.apply({ x: 1, y: 1, width: 8, height: 2, right: 6, bottom: 2, bpp: 24, compressed: true, data });
    expect(screen.readRegion(1, 1, 6, 2)).toEqual(area(6, 2, GREEN));
    expect(screen.readRegion(7, 0, 3, 4)).toEqual(area(3, 4, BLACK));
  });

  it('keeps the rows of a bitmap in order: top on top', () => {
    const screen = new Framebuffer(2, 2);
    // Streams start with the bottom row.
    const data = new RleWriter(3).colour(2, BLUE).colour(2, RED).toBytes();
    screen.apply({ x: 0, y: 0, width: 2, height: 2, right: 1, bottom: 1, bpp: 24, compressed: true, data });
    expect(screen.readRegion(0, 0, 2, 1)).toEqual(area(2, 1, RED));
    expect(screen.readRegion(0, 1, 2, 1)).toEqual(area(2, 1, BLUE));
  });

  it('clips rectangles at the right and bottom edges of the screen', () => {
    const screen = new Framebuffer(6, 5);
    screen.apply(solidRect(4, 3, 8, 8, BLUE));
    expect(screen.readRegion(4, 3, 2, 2)).toEqual(area(2, 2, BLUE));
    expect(screen.readRegion(0, 0, 6, 3)).toEqual(area(6, 3, BLACK));
    expect(screen.readRegion(0, 3, 4, 2)).toEqual(area(4, 2, BLACK));
  });

  it('ignores rectangles wholly off screen or with an empty destination', () => {
    const screen = new Framebuffer(4, 4);
    screen.apply(solidRect(4, 0, 2, 2, RED));
    screen.apply(solidRect(0, 9, 2, 2, RED));
    screen.apply({ ...solidRect(0, 0, 2, 2, RED), right: -1 });
    expect(screen.pixels).toEqual(area(4, 4, BLACK));
  });

  it('paints uncompressed rectangles', () => {
    const screen = new Framebuffer(3, 1);
    const data = Uint8Array.of(0x00, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0, 0, 0);
    screen.apply({ x: 0, y: 0, width: 3, height: 1, right: 2, bottom: 0, bpp: 24, compressed: false, data });
    expect(screen.pixels).toEqual(new Uint8ClampedArray(rgba([RED, GREEN, BLUE])));
  });

  it('leaves the screen untouched when a rectangle cannot be decoded', () => {
    const screen = new Framebuffer(4, 4);
    screen.apply(solidRect(0, 0, 4, 4, GREEN));
    const broken = { ...solidRect(0, 0, 4, 4, RED), data: Uint8Array.of(0x64, 0x00) };
    expect(() => screen.apply(broken)).toThrow(RdpBitmapError);
    expect(screen.pixels).toEqual(area(4, 4, GREEN));
  });

  it('reuses its scratch space across rectangles of different sizes', () => {
    const screen = new Framebuffer(64, 64);
    screen.apply(solidRect(0, 0, 64, 64, RED));
    screen.apply(solidRect(10, 10, 2, 2, GREEN));
    screen.apply(solidRect(20, 20, 32, 16, BLUE));
    expect(screen.readRegion(10, 10, 2, 2)).toEqual(area(2, 2, GREEN));
    expect(screen.readRegion(20, 20, 32, 16)).toEqual(area(32, 16, BLUE));
    expect(screen.readRegion(0, 0, 10, 10)).toEqual(area(10, 10, RED));
  });

  it('keeps what still fits when resized and shows black in the new area', () => {
    const screen = new Framebuffer(4, 4);
    screen.apply(solidRect(0, 0, 4, 4, RED));
    screen.resize(6, 2);
    expect([screen.width, screen.height]).toEqual([6, 2]);
    expect(screen.readRegion(0, 0, 4, 2)).toEqual(area(4, 2, RED));
    expect(screen.readRegion(4, 0, 2, 2)).toEqual(area(2, 2, BLACK));
  });

  it('loads a whole screen of another size, and refuses pixels that do not fill it', () => {
    const screen = new Framebuffer(4, 4);
    const pixels = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 7) % 256);
    screen.load(2, 3, pixels);
    expect([screen.width, screen.height]).toEqual([2, 3]);
    expect([...screen.pixels]).toEqual([...pixels]);
    expect(() => screen.load(2, 2, pixels)).toThrow(RdpBitmapError);
    expect([...screen.pixels], 'unchanged by the refused load').toEqual([...pixels]);
  });

  it('hands out snapshots that later painting does not change', () => {
    const screen = new Framebuffer(2, 2);
    screen.apply(solidRect(0, 0, 2, 2, RED));
    const before = screen.snapshot();
    screen.apply(solidRect(0, 0, 2, 2, BLUE));
    expect(before).toEqual({ width: 2, height: 2, pixels: area(2, 2, RED) });
    before.pixels.fill(0);
    expect(screen.pixels).toEqual(area(2, 2, BLUE));
  });

  it('refuses to read a region outside the screen', () => {
    const screen = new Framebuffer(4, 4);
    expect(() => screen.readRegion(3, 0, 2, 1)).toThrow(RangeError);
    expect(() => screen.readRegion(0, -1, 1, 1)).toThrow(RangeError);
  });
});

describe('Framebuffer replaying an xrdp session', () => {
  const { width, height } = XRDP_SCREEN;
  const rects: BitmapRect[] = readCapturedRects().map((rect) => ({
    ...rect,
    right: Math.min(width, rect.x + rect.width) - 1,
    bottom: Math.min(height, rect.y + rect.height) - 1,
  }));

  it('ends on the terminal as the user saw it: khaki text on #1e3a5f', () => {
    const screen = new Framebuffer(width, height);
    for (const rect of rects) screen.apply(rect);
    // Right of the short `seq` output the terminal is empty (its top row is a black edge).
    expect(screen.readRegion(200, 4, 600, 556)).toEqual(area(600, 556, 0x1e3a5f));
    const column = screen.readRegion(0, 0, 24, height);
    const colours = new Set<number>();
    for (let i = 0; i < column.length; i += 4)
      colours.add((column[i]! << 16) | (column[i + 1]! << 8) | column[i + 2]!);
    expect(colours).toContain(0xf0e68c);
    expect(colours).toContain(0x1e3a5f);
  });

  it('paints the same screen as node-rdpjs-2’s decoding of every rectangle', () => {
    const screen = new Framebuffer(width, height);
    const expected = new Uint8Array(area(width, height, 0).buffer);
    for (const rect of rects) {
      screen.apply(rect);
      const bitmap = referenceDecode(rect.data, rect.width, rect.height, rect.bpp).rgba;
      for (let row = 0; row <= rect.bottom - rect.y; row++) {
        const from = row * rect.width * 4;
        expected.set(
          bitmap.subarray(from, from + (rect.right - rect.x + 1) * 4),
          ((rect.y + row) * width + rect.x) * 4,
        );
      }
    }
    expect(firstDifference(new Uint8Array(screen.pixels.buffer), expected, width)).toBeUndefined();
  });
});
