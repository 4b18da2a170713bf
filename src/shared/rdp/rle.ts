import { decodeInterleaved } from './interleaved';
import { finishWords, outputFor, wordsFor } from './output';
import { bytesPerPixel, highColour } from './pixelFormat';
import { decodePlanar } from './planar';

export { RdpBitmapError, type RdpBitmapFault } from './bitmapError';
export { decodeRawBitmap } from './raw';

/**
 * A compressed bitmap from a bitmap update to RGBA (opaque; rows top-down; width × height × 4
 * bytes): interleaved RLE at 15, 16 and 24 bpp, planar at 32 bpp. Writes into `out` when given
 * (its first width × height × 4 bytes, returned as their own view). Throws RdpBitmapError on a
 * stream that is cut short, malformed or of an unsupported depth; `out` is then partly written.
 */
export function decodeBitmap(
  input: Uint8Array,
  width: number,
  height: number,
  bpp: number,
  out?: Uint8Array,
): Uint8Array {
  const pixelBytes = bytesPerPixel(bpp);
  const target = outputFor(width, height, out);
  if (pixelBytes === 4) {
    decodePlanar(input, width, height, target);
    return target;
  }
  const words = wordsFor(target);
  decodeInterleaved(
    input,
    width,
    height,
    words,
    pixelBytes === 2 ? highColour(bpp === 15 ? 15 : 16) : undefined,
  );
  finishWords(words, target);
  return target;
}
