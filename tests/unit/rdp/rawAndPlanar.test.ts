import { describe, expect, it } from 'vitest';
import { decodeBitmap, decodeRawBitmap, RdpBitmapError } from '../../../src/shared/rdp/rle';
import { decodeLikeLibrary, firstDifference, rgba, wireRgba } from './support/compare';
import { intBelow, prng } from '../../support/prng';
import { randomPlanarStream } from './support/planarWriter';
import { referenceDecode } from './support/referenceDecoder';

const faultOf = (decode: () => unknown) => {
  try {
    decode();
  } catch (error) {
    if (error instanceof RdpBitmapError) return error.fault;
    throw error;
  }
  return 'decoded';
};

describe('uncompressed bitmaps', () => {
  it('24 bpp: rows bottom-up, blue first, each padded to 4 bytes', () => {
    // 3 pixels of 3 bytes: 9 bytes of pixels and 3 of padding per row.
    const data = Uint8Array.of(
      ...[0x00, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0xee, 0xee, 0xee],
      ...[0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xee, 0xee, 0xee],
    );
    expect(decodeRawBitmap(data, 3, 2, 24)).toEqual(
      rgba([0x302010, 0x605040, 0x908070, 0xff0000, 0x00ff00, 0x0000ff]),
    );
  });

  it('16 and 15 bpp: little-endian words widened like compressed ones, rows padded', () => {
    const data16 = Uint8Array.of(0x00, 0xf8, 0x10, 0x84, 0x1f, 0x00, 0xee, 0xee);
    expect(decodeRawBitmap(data16, 3, 1, 16)).toEqual(wireRgba([0xf800, 0x8410, 0x001f], 16));
    const data15 = Uint8Array.of(0xe0, 0x03, 0x10, 0x42, 0x1f, 0x00, 0xee, 0xee, 0x00, 0x7c, 0, 0, 0, 0);
    expect(decodeRawBitmap(data15, 3, 2, 15)).toEqual(wireRgba([0x7c00, 0, 0, 0x03e0, 0x4210, 0x001f], 15));
  });

  it('32 bpp: blue, green, red and an ignored byte, shown opaque', () => {
    const data = Uint8Array.of(0x01, 0x02, 0x03, 0x00, 0x04, 0x05, 0x06, 0x80);
    expect(Array.from(decodeRawBitmap(data, 2, 1, 32))).toEqual([3, 2, 1, 255, 6, 5, 4, 255]);
  });

  it('accepts a last row without its padding and refuses anything shorter', () => {
    const data = new Uint8Array(12 + 9).fill(0x40);
    expect(decodeRawBitmap(data, 3, 2, 24)).toEqual(rgba(Array<number>(6).fill(0x404040)));
    expect(faultOf(() => decodeRawBitmap(data.subarray(0, 20), 3, 2, 24))).toBe('truncated');
    expect(faultOf(() => decodeRawBitmap(data, 3, 2, 8))).toBe('unsupported');
  });
});

describe('32 bpp planar bitmaps', () => {
  /**
   * 4×2, planes in stream order alpha, red, green, blue; each a bottom row of values, then a row
   * of differences from it. Control bytes: high nibble raw bytes, low nibble repeats.
   */
  const alpha = [0x13, 0xff, 0x13, 0x00];
  const red = [0x40, 16, 32, 48, 64, 0x40, 0x02, 0x03, 0x02, 0x02]; // top: +1 -2 +1 +1
  const green = [0x13, 64, 0x13, 0x04]; // top: +2 repeated
  const blue = [0x03, 0x10, 128, 0x13, 0x01]; // 0 0 0 128; top: -1 repeated, wrapping at 0
  const expected = [
    ...[17, 66, 255, 255, 30, 66, 255, 255, 49, 66, 255, 255, 65, 66, 127, 255],
    ...[16, 64, 0, 255, 32, 64, 0, 255, 48, 64, 0, 255, 64, 64, 128, 255],
  ];

  it('decodes run-length planes: values on the first row, differences above, alpha ignored', () => {
    const stream = Uint8Array.from([0x10, ...alpha, ...red, ...green, ...blue]);
    expect(Array.from(decodeLikeLibrary(stream, 4, 2, 32))).toEqual(expected);
  });

  it('decodes the long repeat forms of 16 to 47 pixels', () => {
    // One value, then 3 repeats and 32 more; or 20 (0x41) and 15; or 32 and 3.
    const stream = Uint8Array.of(
      0x10,
      ...[0x10, 0xff, 0x02, 0x03],
      ...[0x13, 0x11, 0x02],
      ...[0x10, 0x22, 0x41, 0x0f],
      ...[0x10, 0x33, 0x02, 0x03],
    );
    const pixels = decodeLikeLibrary(stream, 36, 1, 32);
    expect(pixels).toEqual(rgba(Array<number>(36).fill(0x112233)));
  });

  it('reads bitmaps without an alpha plane and with raw planes', () => {
    const noAlpha = Uint8Array.from([0x30, ...red, ...green, ...blue]);
    expect(Array.from(decodeBitmap(noAlpha, 4, 2, 32))).toEqual(expected);
    // Raw planes (red, green, blue), rows bottom-up, then a pad byte.
    const raw = Uint8Array.of(0x20, ...[1, 2, 3, 4], ...[5, 6, 7, 8], ...[9, 10, 11, 12], 0);
    expect(Array.from(decodeBitmap(raw, 2, 2, 32))).toEqual([
      3, 7, 11, 255, 4, 8, 12, 255, 1, 5, 9, 255, 2, 6, 10, 255,
    ]);
  });

  it('refuses segments overrunning a row, cut planes and lossy variants', () => {
    const overrun = Uint8Array.from([0x10, ...alpha, ...red, ...green, 0x05, ...blue]);
    expect(faultOf(() => decodeBitmap(overrun, 4, 2, 32))).toBe('overrun');
    const cut = Uint8Array.from([0x10, ...alpha, ...red]);
    expect(faultOf(() => decodeBitmap(cut, 4, 2, 32))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x10, 0x40, 1, 2), 4, 2, 32))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x20, 1, 2, 3), 2, 2, 32))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x13), 2, 2, 32))).toBe('unsupported');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x18), 2, 2, 32))).toBe('unsupported');
    expect(faultOf(() => decodeBitmap(new Uint8Array(0), 2, 2, 32))).toBe('truncated');
  });

  it('matches node-rdpjs-2 on 500 random planar streams', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const random = prng(seed);
      const width = 1 + intBelow(random, 70);
      const height = 1 + intBelow(random, 20);
      const stream = randomPlanarStream(random, width, height);
      const reference = referenceDecode(stream, width, height, 32);
      expect(reference.ok, `seed ${seed}`).toBe(true);
      const ours = decodeBitmap(stream, width, height, 32);
      expect(firstDifference(ours, reference.rgba, width), `seed ${seed}`).toBeUndefined();
    }
  });
});
