import zlib from 'node:zlib';
import { FormatError } from '../format';

const { BROTLI_PARAM_LGWIN, BROTLI_PARAM_QUALITY, BROTLI_PARAM_SIZE_HINT } = zlib.constants;

/** How a keyframe's screen is stored after its prefix. */
export const KeyframeEncoding = {
  /** Brotli of the pixels' red, green and blue, rows top-down (every pixel opaque). */
  BrotliRgb: 1,
  /** Brotli of RGBA, rows top-down. */
  BrotliRgba: 2,
} as const;

/**
 * Brotli at quality 5 over plain pixel rows: measured on office screens (text, windows, a photo),
 * about half the size of deflate, and PNG-style row filters made them larger, not smaller (flat areas
 * and text repeat as they are). Compression runs on the thread pool.
 */
const QUALITY = 5;

export function encodeKeyframeImage(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
): Promise<{ encoding: number; data: Buffer }> {
  const rgb = opaqueRgb(pixels, width * height);
  const encoding = rgb ? KeyframeEncoding.BrotliRgb : KeyframeEncoding.BrotliRgba;
  const plain = rgb ?? Buffer.from(pixels.buffer, pixels.byteOffset, width * height * 4);
  const params = {
    [BROTLI_PARAM_QUALITY]: QUALITY,
    [BROTLI_PARAM_LGWIN]: Math.min(24, Math.max(16, Math.ceil(Math.log2(plain.length + 1)))),
    [BROTLI_PARAM_SIZE_HINT]: plain.length,
  };
  return new Promise((resolve, reject) =>
    zlib.brotliCompress(plain, { params }, (err, data) => (err ? reject(err) : resolve({ encoding, data }))),
  );
}

export function decodeKeyframeImage(
  encoding: number,
  data: Buffer,
  width: number,
  height: number,
): Uint8ClampedArray {
  if (encoding !== KeyframeEncoding.BrotliRgb && encoding !== KeyframeEncoding.BrotliRgba) {
    throw new FormatError(`unknown keyframe encoding ${encoding}`);
  }
  const plain = zlib.brotliDecompressSync(data);
  const count = width * height;
  const channels = encoding === KeyframeEncoding.BrotliRgb ? 3 : 4;
  if (plain.length !== count * channels) throw new FormatError('keyframe image of the wrong size');
  if (channels === 4) return new Uint8ClampedArray(plain.buffer, plain.byteOffset, plain.length);
  const pixels = new Uint8ClampedArray(count * 4);
  for (let i = 0, j = 0; i < pixels.length; i += 4, j += 3) {
    pixels[i] = plain[j]!;
    pixels[i + 1] = plain[j + 1]!;
    pixels[i + 2] = plain[j + 2]!;
    pixels[i + 3] = 255;
  }
  return pixels;
}

/** The pixels without their alpha when every one is opaque (a remote screen always is); else null. */
function opaqueRgb(pixels: Uint8ClampedArray, count: number): Buffer | null {
  const rgb = Buffer.allocUnsafe(count * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    if (pixels[i + 3] !== 255) return null;
    rgb[j] = pixels[i]!;
    rgb[j + 1] = pixels[i + 1]!;
    rgb[j + 2] = pixels[i + 2]!;
  }
  return rgb;
}
