import { bytesPerPixel, highColour, OPAQUE } from './pixelFormat';
import { RdpBitmapError } from './bitmapError';
import { finishWords, outputFor, wordsFor } from './output';

/**
 * Uncompressed bitmap data (rows bottom-up, each padded to a multiple of 4 bytes; 24 and 32 bpp
 * pixels blue first) to RGBA rows top-down, opaque, as `decodeBitmap` gives. The last row's
 * padding may be missing.
 */
export function decodeRawBitmap(
  input: Uint8Array,
  width: number,
  height: number,
  bpp: number,
  out?: Uint8Array,
): Uint8Array {
  const pixelBytes = bytesPerPixel(bpp);
  const target = outputFor(width, height, out);
  const rowBytes = width * pixelBytes;
  const stride = (rowBytes + 3) & ~3;
  const needed = stride * (height - 1) + rowBytes;
  if (input.length < needed) {
    throw new RdpBitmapError(
      'truncated',
      `uncompressed ${width}x${height} bitmap at ${bpp} bpp needs ${needed} bytes, got ${input.length}`,
    );
  }
  const words = wordsFor(target);
  const table = pixelBytes === 2 ? highColour(bpp === 15 ? 15 : 16).table : undefined;
  for (let row = 0; row < height; row++) {
    let p = row * stride;
    let i = (height - 1 - row) * width;
    const stop = i + width;
    if (table) {
      for (; i < stop; i++, p += 2) words[i] = table[input[p]! | (input[p + 1]! << 8)]!;
    } else {
      for (; i < stop; i++, p += pixelBytes) {
        words[i] = input[p + 2]! | (input[p + 1]! << 8) | (input[p]! << 16) | OPAQUE;
      }
    }
  }
  finishWords(words, target);
  return target;
}
