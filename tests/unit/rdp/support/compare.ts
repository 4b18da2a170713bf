import { expect } from 'vitest';
import { decodeBitmap } from '../../../../src/shared/rdp/rle';
import { referenceDecode } from './referenceDecoder';

/** Where two RGBA images first differ, readable in a failure message; undefined when identical. */
export function firstDifference(actual: Uint8Array, expected: Uint8Array, width: number): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length} instead of ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      const pixel = i >> 2;
      const at = (a: Uint8Array) => `[${Array.from(a.subarray(pixel * 4, pixel * 4 + 4)).join(',')}]`;
      return `pixel (${pixel % width}, ${Math.floor(pixel / width)}) is ${at(actual)}, expected ${at(expected)}`;
    }
  }
  return undefined;
}

/** Decodes with ours and with node-rdpjs-2, requires the two to agree, and returns ours. */
export function decodeLikeLibrary(
  stream: Uint8Array,
  width: number,
  height: number,
  bpp: number,
): Uint8Array {
  const reference = referenceDecode(stream, width, height, bpp);
  expect(reference.ok, 'node-rdpjs-2 accepts the stream').toBe(true);
  const ours = decodeBitmap(stream, width, height, bpp);
  expect(firstDifference(ours, reference.rgba, width)).toBeUndefined();
  return ours;
}

/** RGBA bytes of 0xRRGGBB colours, opaque. */
export function rgba(colours: readonly number[]): Uint8Array {
  return Uint8Array.from(colours.flatMap((c) => [c >> 16, (c >> 8) & 0xff, c & 0xff, 255]));
}

/** RGBA of 15/16-bit wire values, each channel widened as value × 255 / max rounded down. */
export function highColourRgba(values: readonly number[], bpp: 15 | 16): Uint8Array {
  const widen = (v: number, max: number) => Math.floor((v * 255) / max);
  return Uint8Array.from(
    values.flatMap((v) =>
      bpp === 16
        ? [widen(v >> 11, 31), widen((v >> 5) & 63, 63), widen(v & 31, 31), 255]
        : [widen((v >> 10) & 31, 31), widen((v >> 5) & 31, 31), widen(v & 31, 31), 255],
    ),
  );
}

/**
 * The stream as a Uint8Array that throws on any read outside it, so a decoder reading past the
 * end of its input fails loudly instead of reading `undefined` as 0.
 */
export function guardedInput(bytes: Uint8Array): Uint8Array {
  return new Proxy(bytes, {
    get(target, property) {
      if (typeof property === 'string' && /^-?\d+$/.test(property)) {
        const index = Number(property);
        if (index < 0 || index >= target.length)
          throw new Error(`read at ${index} outside ${target.length} bytes`);
        return target[index];
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** RGBA of wire pixel values at `bpp` (24 bpp values are 0xRRGGBB, sent blue first). */
export function wireRgba(values: readonly number[], bpp: 15 | 16 | 24): Uint8Array {
  return bpp === 24 ? rgba(values) : highColourRgba(values, bpp);
}
