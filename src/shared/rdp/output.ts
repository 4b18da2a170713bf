import { RdpBitmapError } from './bitmapError';
import { toMemoryOrder } from './pixelFormat';

/** Far above any screen; keeps a hostile width × height from asking for gigabytes. */
const MAX_PIXELS = 1 << 26;

/** The RGBA bytes a decoder fills: `out` (trimmed to size) when given, else a new array. */
export function outputFor(width: number, height: number, out: Uint8Array | undefined): Uint8Array {
  checkBitmapSize(width, height);
  const bytes = width * height * 4;
  if (!out) return new Uint8Array(bytes);
  if (out.length < bytes) {
    throw new RdpBitmapError(
      'bad-output',
      `output holds ${out.length} bytes, a ${width}x${height} bitmap needs ${bytes}`,
    );
  }
  return out.length === bytes ? out : out.subarray(0, bytes);
}

export function checkBitmapSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RdpBitmapError('bad-size', `bitmap size ${width}x${height} is not a positive whole size`);
  }
  if (width > 0xffff || height > 0xffff || width * height > MAX_PIXELS) {
    throw new RdpBitmapError('bad-size', `bitmap size ${width}x${height} is larger than any screen`);
  }
}

let spare = new Int32Array(0);

/**
 * Whole-pixel access to `target`: a view of it when its bytes are 4-aligned, else a spare
 * buffer that `finishWords` copies back.
 */
export function wordsFor(target: Uint8Array): Int32Array {
  const count = target.length >> 2;
  if (target.byteOffset % 4 === 0) return new Int32Array(target.buffer, target.byteOffset, count);
  if (spare.length < count) spare = new Int32Array(count);
  return spare.subarray(0, count);
}

export function finishWords(words: Int32Array, target: Uint8Array): void {
  toMemoryOrder(words);
  if (words.buffer !== target.buffer)
    target.set(new Uint8Array(words.buffer, words.byteOffset, target.length));
}
