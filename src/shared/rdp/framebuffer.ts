import { RdpBitmapError } from './bitmapError';
import { checkBitmapSize } from './output';
import { decodeBitmap, decodeRawBitmap } from './rle';

/** One rectangle of a bitmap update, as the server describes it. */
export interface BitmapRect {
  /** Destination left and top on the screen. */
  x: number;
  y: number;
  /** Size of the bitmap carried in `data` (servers pad widths, so it may exceed the destination). */
  width: number;
  height: number;
  /** Inclusive destination right and bottom: only this area of the bitmap is shown. */
  right: number;
  bottom: number;
  bpp: number;
  compressed: boolean;
  data: Uint8Array;
}

/** Rows at least this wide are copied with TypedArray.set. */
const WIDE_ROW = 256;

export interface FramebufferSnapshot {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

/** The remote screen as RGBA pixels (rows top-down), ready for ImageData or an encoder. */
export class Framebuffer {
  width = 0;
  height = 0;
  pixels = new Uint8ClampedArray(0);
  private words = new Int32Array(0);
  private scratch = new Uint8Array(0);
  private scratchWords = new Int32Array(0);

  constructor(width: number, height: number) {
    this.resize(width, height);
  }

  /** Changes the screen size, keeping what overlaps and showing black elsewhere. */
  resize(width: number, height: number): void {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new RdpBitmapError('bad-size', `screen size ${width}x${height} is not a whole size`);
    }
    if (width === this.width && height === this.height) return;
    const pixels = new Uint8ClampedArray(width * height * 4);
    const words = new Int32Array(pixels.buffer);
    words.fill(opaqueBlack());
    const keepWidth = Math.min(width, this.width);
    for (let y = 0; y < Math.min(height, this.height); y++) {
      words.set(this.words.subarray(y * this.width, y * this.width + keepWidth), y * width);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
    this.words = words;
  }

  /** Replaces the whole screen with `rgba` (width × height × 4 bytes, rows top-down). */
  load(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): void {
    if (rgba.length !== width * height * 4) {
      throw new RdpBitmapError(
        'bad-size',
        `a ${width}x${height} screen needs ${width * height * 4} bytes, not ${rgba.length}`,
      );
    }
    this.resize(width, height);
    this.pixels.set(rgba);
  }

  /**
   * Decodes a rectangle and copies its destination area onto the screen, clipped to the screen.
   * Throws RdpBitmapError for a bitmap that cannot be decoded; the screen is then unchanged.
   */
  apply(rect: BitmapRect): void {
    const bitmap = this.decode(rect);
    const left = rect.x;
    const top = rect.y;
    const columns = Math.min(rect.right - left + 1, rect.width, this.width - left);
    const rows = Math.min(rect.bottom - top + 1, rect.height, this.height - top);
    if (left < 0 || top < 0 || columns <= 0 || rows <= 0) return;
    const screen = this.words;
    for (let row = 0; row < rows; row++) {
      const from = row * rect.width;
      const to = (top + row) * this.width + left;
      // Tiles are narrow: a plain loop beats making a subarray per row.
      if (columns < WIDE_ROW) for (let i = 0; i < columns; i++) screen[to + i] = bitmap[from + i]!;
      else screen.set(bitmap.subarray(from, from + columns), to);
    }
  }

  /** A copy of the whole screen. */
  snapshot(): FramebufferSnapshot {
    return { width: this.width, height: this.height, pixels: this.pixels.slice() };
  }

  /** RGBA of an area of the screen (rows top-down); the area must lie within the screen. */
  readRegion(x: number, y: number, width: number, height: number): Uint8ClampedArray {
    if (x < 0 || y < 0 || width < 0 || height < 0 || x + width > this.width || y + height > this.height) {
      throw new RangeError(
        `region ${width}x${height} at ${x},${y} is outside the ${this.width}x${this.height} screen`,
      );
    }
    const region = new Uint8ClampedArray(width * height * 4);
    for (let row = 0; row < height; row++) {
      const from = ((y + row) * this.width + x) * 4;
      region.set(this.pixels.subarray(from, from + width * 4), row * width * 4);
    }
    return region;
  }

  /** Decodes into the one scratch buffer every rectangle shares; returns its pixels as words. */
  private decode(rect: BitmapRect): Int32Array {
    checkBitmapSize(rect.width, rect.height);
    const bytes = rect.width * rect.height * 4;
    if (this.scratch.length < bytes) {
      this.scratch = new Uint8Array(Math.max(bytes, this.scratch.length * 2));
      this.scratchWords = new Int32Array(this.scratch.buffer);
    }
    const decode = rect.compressed ? decodeBitmap : decodeRawBitmap;
    decode(rect.data, rect.width, rect.height, rect.bpp, this.scratch);
    return this.scratchWords;
  }
}

/** Opaque black as a word in memory order, whatever the machine's byte order. */
function opaqueBlack(): number {
  return new Int32Array(Uint8Array.of(0, 0, 0, 255).buffer)[0]!;
}
