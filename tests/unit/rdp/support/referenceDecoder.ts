import { createRequire } from 'node:module';

/** The emscripten build of rdesktop's decoder shipped with node-rdpjs-2, called as its rdp.js does. */
interface EmscriptenRle {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  ccall(name: string, returns: 'number', types: readonly 'number'[], args: readonly number[]): number;
}

const rle = createRequire(import.meta.url)('node-rdpjs-2/lib/core/rle.js') as EmscriptenRle;
const ARGUMENT_TYPES = ['number', 'number', 'number', 'number', 'number', 'number', 'number'] as const;

export interface ReferenceResult {
  /** The library's own verdict (false: it met an unknown order or ran past the bitmap). */
  ok: boolean;
  /** RGBA, rows top-down. */
  rgba: Uint8Array;
}

/**
 * Decodes with node-rdpjs-2. Its result points into heap it has already freed, so it is copied at
 * once. It writes 24 bpp pixels in wire order (blue first), so those are turned to RGBA for
 * comparison; its 15, 16 and 32 bpp output is RGBA already.
 */
export function referenceDecode(
  input: Uint8Array,
  width: number,
  height: number,
  bpp: number,
): ReferenceResult {
  const inputPointer = rle._malloc(Math.max(1, input.length));
  rle.HEAPU8.set(input, inputPointer);
  const bytes = width * height * 4;
  const outputPointer = rle._malloc(bytes);
  try {
    const ok = rle.ccall(`bitmap_decompress_${bpp}`, 'number', ARGUMENT_TYPES, [
      outputPointer,
      width,
      height,
      width,
      height,
      inputPointer,
      input.length,
    ]);
    const rgba = rle.HEAPU8.slice(outputPointer, outputPointer + bytes);
    if (bpp === 24) {
      for (let i = 0; i < bytes; i += 4) {
        const blue = rgba[i]!;
        rgba[i] = rgba[i + 2]!;
        rgba[i + 2] = blue;
      }
    }
    return { ok: ok !== 0, rgba };
  } finally {
    rle._free(inputPointer);
    rle._free(outputPointer);
  }
}

/**
 * The library's call exactly as node-rdpjs-2's rdp.js makes it for every compressed bitmap, plus
 * the copy its freed-memory result forces on any caller; for timing.
 */
export function referenceDecodeAsShipped(
  input: Uint8Array,
  width: number,
  height: number,
  bpp: number,
): Uint8Array {
  const inputPointer = rle._malloc(input.length);
  new Uint8Array(rle.HEAPU8.buffer, inputPointer, input.length).set(input);
  const bytes = width * height * 4;
  const outputPointer = rle._malloc(bytes);
  rle.ccall(`bitmap_decompress_${bpp}`, 'number', ARGUMENT_TYPES, [
    outputPointer,
    width,
    height,
    width,
    height,
    inputPointer,
    input.length,
  ]);
  const output = new Uint8ClampedArray(rle.HEAPU8.buffer, outputPointer, bytes).slice();
  rle._free(inputPointer);
  rle._free(outputPointer);
  return new Uint8Array(output.buffer);
}
