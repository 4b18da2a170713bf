import { RdpBitmapError } from './bitmapError';
import { OPAQUE, type HighColour } from './pixelFormat';

/*
 * Interleaved RLE: a stream of orders, each painting `count` pixels in scan order, starting from the
 * bottom row. Runs continue across row ends. Several orders derive pixels from the row painted just
 * before (the one below on screen): as is, or XOR-ed with the "mix" colour; on the first row
 * painted that row counts as black.
 *
 * Pixels are written as finished RGBA words. At 24 bpp a word is a byte permutation of the wire
 * value, so XOR-ing words is XOR-ing wire values. At 15/16 bpp the XOR must happen on wire values:
 * the word below is mapped back to its wire value first (the widening is one-to-one).
 */

const NO_TABLE = new Int32Array(0);

const FILL = 0;
const MIX = 1;
const FGBG = 2;
const COLOUR = 3;
const COPY = 4;
const SET_MIX_MIX = 6;
const SET_MIX_FGBG = 7;
const BICOLOUR = 8;
const FGBG_FIXED_1 = 9;
const FGBG_FIXED_2 = 0xa;
const WHITE = 0xd;
const BLACK = 0xe;

/** Below this many pixels a plain loop beats the call into TypedArray.fill/copyWithin. */
const BULK_SPAN = 24;

/**
 * Paints `pixels` (width × height RGBA words, rows top-down) from an interleaved RLE stream of
 * 24 bpp pixels, or of 15/16 bpp pixels when `highColour` says how to widen them.
 */
export function decodeInterleaved(
  input: Uint8Array,
  width: number,
  height: number,
  pixels: Int32Array,
  highColour?: HighColour,
): void {
  const deep = highColour === undefined;
  const pixelBytes = deep ? 3 : 2;
  const table = highColour?.table ?? NO_TABLE;
  // At 24 bpp the mix never carries alpha, so alpha survives every XOR.
  const black = deep ? OPAQUE : table[0]!;
  const white = deep ? -1 : table[0xffff]!;
  const end = input.length;
  let pos = 0;
  let x = width;
  let row = -1;
  let rowStart = 0;
  let lastOrder = -1;
  let insertMix = false;
  let mix = deep ? 0xffffff : 0xffff;
  /** The mix as painted where there is no row below. */
  let mixWord = deep ? mix | OPAQUE : table[mix]!;
  let colour1 = 0;
  let colour2 = 0;

  while (pos < end) {
    const orderAt = pos;
    const code = input[pos++]!;
    let order: number;
    let count: number;
    if (code < 0xc0) {
      order = code >> 5;
      count = code & 0x1f;
      if (count === 0) {
        if (pos + 1 > end) truncated(pos, end, 1, 'an order length');
        count = input[pos++]! + (order === FGBG ? 1 : 32);
      } else if (order === FGBG) {
        count <<= 3;
      }
    } else if (code < 0xf0) {
      order = (code >> 4) - 6;
      count = code & 0x0f;
      if (count === 0) {
        if (pos + 1 > end) truncated(pos, end, 1, 'an order length');
        count = input[pos++]! + (order === SET_MIX_FGBG ? 1 : 16);
      } else if (order === SET_MIX_FGBG) {
        count <<= 3;
      }
    } else {
      order = code & 0x0f;
      if (order < 9) {
        if (pos + 2 > end) truncated(pos, end, 2, 'an order length');
        count = input[pos]! | (input[pos + 1]! << 8);
        pos += 2;
      } else {
        count = order < 0xb ? 8 : 1;
      }
    }

    let fixedMask = 0;
    switch (order) {
      case FILL:
        // A fill straight after a fill starts with one mixed pixel, except where the first fill
        // ended exactly at the end of the first row.
        if (lastOrder === FILL && !(x === width && row <= 0)) insertMix = true;
        break;
      case BICOLOUR:
        if (pos + 2 * pixelBytes > end) truncated(pos, end, 2 * pixelBytes, 'two colours');
        colour1 = pixelAt(input, pos, deep, table);
        colour2 = pixelAt(input, pos + pixelBytes, deep, table);
        pos += 2 * pixelBytes;
        count *= 2;
        break;
      case COLOUR:
        if (pos + pixelBytes > end) truncated(pos, end, pixelBytes, 'a colour');
        colour2 = pixelAt(input, pos, deep, table);
        pos += pixelBytes;
        break;
      case SET_MIX_MIX:
      case SET_MIX_FGBG:
        if (pos + pixelBytes > end) truncated(pos, end, pixelBytes, 'a colour');
        mix = deep ? pixelAt(input, pos, true, table) & ~OPAQUE : input[pos]! | (input[pos + 1]! << 8);
        mixWord = deep ? mix | OPAQUE : table[mix]!;
        pos += pixelBytes;
        order -= 5;
        break;
      case FGBG_FIXED_1:
        fixedMask = 0x03;
        order = FGBG;
        break;
      case FGBG_FIXED_2:
        fixedMask = 0x05;
        order = FGBG;
        break;
      case MIX:
      case FGBG:
      case COPY:
      case WHITE:
      case BLACK:
        break;
      default:
        throw new RdpBitmapError('bad-order', `unknown order code 0x${code.toString(16)} at byte ${orderAt}`);
    }
    lastOrder = order;
    if (order === COPY && pos + count * pixelBytes > end) {
      truncated(pos, end, count * pixelBytes, 'pixel data');
    }

    let maskBits = 0;
    let maskLeft = 0;
    let bicolourPhase = 0;
    while (count > 0) {
      if (x >= width) {
        if (row + 1 >= height) {
          throw new RdpBitmapError(
            'overrun',
            `order 0x${code.toString(16)} at byte ${orderAt} runs past the end of the ${width}x${height} bitmap`,
          );
        }
        row++;
        x = 0;
        rowStart = (height - 1 - row) * width;
      }
      const firstRow = row === 0;
      let n = width - x;
      if (n > count) n = count;
      count -= n;
      let i = rowStart + x;
      x += n;
      const stop = i + n;

      switch (order) {
        case FILL:
          if (insertMix) {
            const below = firstRow ? 0 : pixels[i + width]!;
            pixels[i] = firstRow ? mixWord : deep ? below ^ mix : mixedHigh(below, mix, highColour!);
            insertMix = false;
            i++;
          }
          if (firstRow) {
            if (stop - i >= BULK_SPAN) pixels.fill(black, i, stop);
            else for (; i < stop; i++) pixels[i] = black;
          } else if (stop - i >= BULK_SPAN) {
            pixels.copyWithin(i, i + width, stop + width);
          } else {
            for (; i < stop; i++) pixels[i] = pixels[i + width]!;
          }
          break;
        case MIX:
          if (firstRow) {
            if (n >= BULK_SPAN) pixels.fill(mixWord, i, stop);
            else for (; i < stop; i++) pixels[i] = mixWord;
          } else if (deep) {
            for (; i < stop; i++) pixels[i] = pixels[i + width]! ^ mix;
          } else {
            for (; i < stop; i++) pixels[i] = mixedHigh(pixels[i + width]!, mix, highColour!);
          }
          break;
        case FGBG:
          while (i < stop) {
            if (maskLeft === 0) {
              if (fixedMask !== 0) {
                maskBits = fixedMask;
              } else {
                if (pos >= end) truncated(pos, end, 1, 'a foreground mask');
                maskBits = input[pos++]!;
              }
              maskLeft = 8;
            }
            const last = Math.min(stop, i + maskLeft);
            maskLeft -= last - i;
            // Branch-free selects: text makes the mask bits unpredictable.
            if (firstRow) {
              for (; i < last; i++, maskBits >>= 1) {
                const set = -(maskBits & 1);
                pixels[i] = (mixWord & set) | (black & ~set);
              }
            } else if (maskBits === 0) {
              // Nothing left to mix in this mask byte: the row below all along.
              for (; i < last; i++) pixels[i] = pixels[i + width]!;
            } else if (deep) {
              for (; i < last; i++, maskBits >>= 1) pixels[i] = pixels[i + width]! ^ (mix & -(maskBits & 1));
            } else {
              // Text repeats the same colour below, so remember the last one mixed.
              let lastBelow = pixels[i + width]!;
              let lastMixed = mixedHigh(lastBelow, mix, highColour!);
              for (; i < last; i++, maskBits >>= 1) {
                const below = pixels[i + width]!;
                if (below !== lastBelow) {
                  lastBelow = below;
                  lastMixed = mixedHigh(below, mix, highColour!);
                }
                const set = -(maskBits & 1);
                pixels[i] = (lastMixed & set) | (below & ~set);
              }
            }
          }
          break;
        case COLOUR:
          if (n >= BULK_SPAN) pixels.fill(colour2, i, stop);
          else for (; i < stop; i++) pixels[i] = colour2;
          break;
        case COPY:
          if (deep) {
            for (let p = pos; i < stop; i++, p += 3) {
              pixels[i] = input[p + 2]! | (input[p + 1]! << 8) | (input[p]! << 16) | OPAQUE;
            }
            pos += n * 3;
          } else {
            for (let p = pos; i < stop; i++, p += 2) pixels[i] = table[input[p]! | (input[p + 1]! << 8)]!;
            pos += n * 2;
          }
          break;
        case BICOLOUR:
          for (; i < stop; i++) pixels[i] = bicolourPhase++ & 1 ? colour2 : colour1;
          break;
        case WHITE:
          for (; i < stop; i++) pixels[i] = white;
          break;
        case BLACK:
          for (; i < stop; i++) pixels[i] = black;
          break;
      }
    }
  }

  if (row < height - 1 || x < width) {
    const painted = row < 0 ? 0 : row * width + x;
    throw new RdpBitmapError(
      'incomplete',
      `bitmap stream ends after ${painted} of ${width * height} pixels of a ${width}x${height} bitmap`,
    );
  }
}

/** The RGBA word for the wire value under `below` XOR the mix, at 15/16 bpp. */
function mixedHigh(below: number, mix: number, colours: HighColour): number {
  const wire =
    colours.unRed[below & 0xff]! |
    colours.unGreen[(below >> 8) & 0xff]! |
    colours.unBlue[(below >> 16) & 0xff]!;
  return colours.table[wire ^ mix]!;
}

/** The RGBA word of the wire pixel at `p`: 24 bpp arrives blue first; 15/16 bpp go through `table`. */
function pixelAt(input: Uint8Array, p: number, deep: boolean, table: Int32Array): number {
  if (deep) return input[p + 2]! | (input[p + 1]! << 8) | (input[p]! << 16) | OPAQUE;
  return table[input[p]! | (input[p + 1]! << 8)]!;
}

function truncated(pos: number, end: number, bytes: number, what: string): never {
  throw new RdpBitmapError(
    'truncated',
    `bitmap stream ends inside ${what} at byte ${pos} of ${end} (${bytes} more needed)`,
  );
}
