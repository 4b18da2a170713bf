import { RdpBitmapError } from './bitmapError';

/**
 * Decoders write whole pixels as 32-bit words laid out so that memory reads r, g, b, a on a
 * little-endian machine; big-endian machines swap the words once at the end instead of paying for
 * it in every inner loop.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Opaque alpha in a pixel word. */
export const OPAQUE = 0xff000000 | 0;

export const packRgb = (r: number, g: number, b: number): number => r | (g << 8) | (b << 16) | OPAQUE;

export function bytesPerPixel(bpp: number): 2 | 3 | 4 {
  switch (bpp) {
    case 15:
    case 16:
      return 2;
    case 24:
      return 3;
    case 32:
      return 4;
    default:
      throw new RdpBitmapError('unsupported', `bitmaps of ${bpp} bits per pixel are not supported`);
  }
}

/**
 * How 15/16 bpp wire values become RGBA words, and back: channels are widened as
 * value * 255 / max rounded down (as node-rdpjs-2 shows them, rather than by bit
 * replication). That is one-to-one, so the `un…` tables (indexed by an 8-bit channel, giving the
 * wire bits in place) recover the wire value of any word from `table`.
 */
export interface HighColour {
  table: Int32Array;
  unRed: Int32Array;
  unGreen: Int32Array;
  unBlue: Int32Array;
}

let rgb555: HighColour | undefined;
let rgb565: HighColour | undefined;

export function highColour(bpp: 15 | 16): HighColour {
  if (bpp === 15) return (rgb555 ??= buildHighColour(10, 0x1f));
  return (rgb565 ??= buildHighColour(11, 0x3f));
}

function buildHighColour(redShift: number, greenMax: number): HighColour {
  const widen = (value: number, max: number) => Math.floor((value * 255) / max);
  const narrow = (channel: number, max: number) => Math.ceil((channel * max) / 255);
  const table = new Int32Array(0x10000);
  for (let value = 0; value < 0x10000; value++) {
    const r = widen((value >> redShift) & 0x1f, 0x1f);
    const g = widen((value >> 5) & greenMax, greenMax);
    table[value] = packRgb(r, g, widen(value & 0x1f, 0x1f));
  }
  const unpack = (shift: number, max: number) =>
    Int32Array.from({ length: 256 }, (_, channel) => narrow(channel, max) << shift);
  return { table, unRed: unpack(redShift, 0x1f), unGreen: unpack(5, greenMax), unBlue: unpack(0, 0x1f) };
}

/** Turns packed words into RGBA bytes in memory on machines where the packing came out reversed. */
export function toMemoryOrder(pixels: Int32Array): void {
  if (LITTLE_ENDIAN) return;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    pixels[i] = (v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
  }
}
