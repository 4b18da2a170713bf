import { describe, expect, it } from 'vitest';
import { decodeBitmap, RdpBitmapError, type RdpBitmapFault } from '../../../src/shared/rdp/rle';
import { decodeLikeLibrary, wireRgba } from './support/compare';
import { RleWriter, type LengthForm } from './support/rleWriter';

/** Bitmap widths that let one order fill a row in each length form (lite short forms stop at 15). */
const FORMS: [LengthForm, number][] = [
  ['short', 8],
  ['extended', 64],
  ['mega', 64],
];

const PALETTES = {
  15: { red: 0x7c00, green: 0x03e0, blue: 0x001f, white: 0xffff },
  16: { red: 0xf800, green: 0x07e0, blue: 0x001f, white: 0xffff },
  24: { red: 0xff0000, green: 0x00ff00, blue: 0x0000ff, white: 0xffffff },
} as const;

const repeat = (value: number, count: number): number[] => Array<number>(count).fill(value);
const everyThird = (count: number) => Array.from({ length: count }, (_, i) => i % 3 === 0);

function faultOf(decode: () => unknown): RdpBitmapFault {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(RdpBitmapError);
    return (error as RdpBitmapError).fault;
  }
  throw new Error('decoding did not fail');
}

describe.each([15, 16, 24] as const)('compressed bitmaps at %i bpp', (bpp) => {
  const { red, green, blue, white } = PALETTES[bpp];
  const black = 0;
  const writer = () => new RleWriter(bpp === 24 ? 3 : 2);
  /** Rows listed top-down, as they appear on screen. */
  const expectScreen = (stream: Uint8Array, width: number, rows: number[][]) => {
    const pixels = decodeLikeLibrary(stream, width, rows.length, bpp);
    expect(pixels).toEqual(wireRgba(rows.flat(), bpp));
  };

  it.each(FORMS)('background runs copy the row below and are black on the first row (%s)', (form, w) => {
    const stream = writer().fill(w, form).colour(w, red, form).fill(w, form).toBytes();
    expectScreen(stream, w, [repeat(red, w), repeat(red, w), repeat(black, w)]);
  });

  it.each(FORMS)('a background run right after another starts with one mixed pixel (%s)', (form, w) => {
    const half = w / 2;
    const stream = writer().colour(w, red, form).fill(half, form).fill(half, form).toBytes();
    const top = [...repeat(red, half), red ^ white, ...repeat(red, half - 1)];
    expectScreen(stream, w, [top, repeat(red, w)]);
  });

  it('on the first row, back-to-back background runs mix only when the first ended mid-row', () => {
    const stream = writer().fill(4).fill(4).fill(8).toBytes();
    const firstRow = [black, black, black, black, white, black, black, black];
    expectScreen(stream, 8, [firstRow, firstRow]);
  });

  it.each(FORMS)(
    'foreground runs are the mix colour on the first row, then XOR the row below (%s)',
    (form, w) => {
      const stream = writer().mix(w, form).colour(w, red, form).mix(w, form).toBytes();
      expectScreen(stream, w, [repeat(red ^ white, w), repeat(red, w), repeat(white, w)]);
    },
  );

  it.each(FORMS)('a new mix colour serves its own run and the foreground runs after it (%s)', (form, w) => {
    const stream = writer().setMix(w, green, form).colour(w, red, form).mix(w, form).toBytes();
    expectScreen(stream, w, [repeat(red ^ green, w), repeat(red, w), repeat(green, w)]);
  });

  it.each(FORMS)(
    'foreground/background images choose per bit between the row below and its mix (%s)',
    (form, w) => {
      const bits = everyThird(w);
      const stream = writer().fgbg(bits, form).colour(w, red, form).fgbg(bits, form).toBytes();
      expectScreen(stream, w, [
        bits.map((bit) => (bit ? red ^ white : red)),
        repeat(red, w),
        bits.map((bit) => (bit ? white : black)),
      ]);
    },
  );

  it.each(FORMS)('foreground/background images can bring their own mix colour (%s)', (form, w) => {
    const bits = everyThird(w);
    const stream = writer().setMixFgbg(bits, blue, form).colour(w, red, form).fgbg(bits).toBytes();
    expectScreen(stream, w, [
      bits.map((bit) => (bit ? red ^ blue : red)),
      repeat(red, w),
      bits.map((bit) => (bit ? blue : black)),
    ]);
  });

  it.each(FORMS)('colour runs and colour images paint the given pixels (%s)', (form, w) => {
    const pixels = Array.from({ length: w }, (_, i) => [red, green, blue, white][i % 4]!);
    const stream = writer().copy(pixels, form).colour(w, green, form).toBytes();
    expectScreen(stream, w, [repeat(green, w), pixels]);
  });

  it.each(FORMS)('dithered runs alternate two colours pair by pair (%s)', (form, w) => {
    const stream = writer()
      .bicolour(w / 2, red, blue, form)
      .toBytes();
    expectScreen(stream, w, [Array.from({ length: w }, (_, i) => (i % 2 === 0 ? red : blue))]);
  });

  it('the two special masks paint their fixed eight-pixel patterns', () => {
    const stream = writer().fixedFgbg(1).colour(8, red).fixedFgbg(2).toBytes();
    const x = red ^ white;
    expectScreen(stream, 8, [
      [x, red, x, red, red, red, red, red],
      repeat(red, 8),
      [white, white, black, black, black, black, black, black],
    ]);
  });

  it('white and black orders paint one pixel each', () => {
    expectScreen(writer().colour(1, red).white().black().toBytes(), 3, [[red, white, black]]);
  });

  it('runs carry on from one row to the next', () => {
    const stream = writer().colour(6, red).copy([green, blue]).fill(4).toBytes();
    expectScreen(stream, 4, [
      [red, red, green, blue],
      [red, red, green, blue],
      [red, red, red, red],
    ]);
  });

  it('orders of length zero paint nothing', () => {
    const stream = writer().fill(0, 'mega').colour(0, blue, 'mega').copy([], 'mega').colour(4, red).toBytes();
    expectScreen(stream, 4, [repeat(red, 4)]);
  });

  it('a stream cut inside an order is refused', () => {
    const whole = writer().copy([red, green, blue, white]).toBytes();
    expect(faultOf(() => decodeBitmap(whole.subarray(0, whole.length - 1), 4, 1, bpp))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x00), 4, 1, bpp))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0xf3, 4), 4, 1, bpp))).toBe('truncated');
    expect(faultOf(() => decodeBitmap(Uint8Array.of(0x41), 8, 1, bpp))).toBe('truncated');
  });

  it('orders running past the bitmap are refused', () => {
    expect(faultOf(() => decodeBitmap(writer().colour(5, red).toBytes(), 2, 2, bpp))).toBe('overrun');
    expect(faultOf(() => decodeBitmap(writer().colour(4, red).white().toBytes(), 2, 2, bpp))).toBe('overrun');
  });

  it('a stream that ends before the bitmap is full is refused', () => {
    expect(faultOf(() => decodeBitmap(writer().colour(3, red).toBytes(), 2, 2, bpp))).toBe('incomplete');
    expect(faultOf(() => decodeBitmap(new Uint8Array(0), 2, 2, bpp))).toBe('incomplete');
  });

  it('unknown order codes are refused', () => {
    for (const bytes of [[0xa1], [0xb0, 0x10], [0xf5, 0x01, 0x00], [0xfb], [0xfc], [0xff]]) {
      expect(faultOf(() => decodeBitmap(Uint8Array.from(bytes), 4, 4, bpp))).toBe('bad-order');
    }
  });
});

describe('compressed bitmap colours', () => {
  it('24 bpp pixels arrive blue byte first', () => {
    const pixels = decodeLikeLibrary(Uint8Array.of(0x81, 0x11, 0x22, 0x33), 1, 1, 24);
    expect(Array.from(pixels)).toEqual([0x33, 0x22, 0x11, 255]);
  });

  it('16 and 15 bpp channels widen as value × 255 / max, rounded down', () => {
    const mid16 = decodeLikeLibrary(new RleWriter(2).copy([0x8410]).toBytes(), 1, 1, 16);
    expect(Array.from(mid16)).toEqual([131, 129, 131, 255]);
    const mid15 = decodeLikeLibrary(new RleWriter(2).copy([0x4210]).toBytes(), 1, 1, 15);
    expect(Array.from(mid15)).toEqual([131, 131, 131, 255]);
  });

  it('15 bpp ignores the unused top bit', () => {
    const pixels = decodeLikeLibrary(new RleWriter(2).copy([0x7c00, 0xfc00]).toBytes(), 2, 1, 15);
    expect(Array.from(pixels)).toEqual([255, 0, 0, 255, 255, 0, 0, 255]);
  });

  it('mixing at 16 bpp works on the wire values, not on the widened colours', () => {
    const pixels = decodeLikeLibrary(new RleWriter(2).colour(2, 0x1234).mix(2).toBytes(), 2, 2, 16);
    expect(pixels).toEqual(wireRgba([0xedcb, 0xedcb, 0x1234, 0x1234], 16));
  });
});

describe('decodeBitmap arguments', () => {
  const stream = new RleWriter(3).colour(4, 0x102030).toBytes();

  it('writes into a given buffer, touching only the bitmap’s bytes', () => {
    const backing = new Uint8Array(8 + 16 + 8).fill(7);
    const out = backing.subarray(8, 8 + 16 + 4);
    const result = decodeBitmap(stream, 2, 2, 24, out);
    expect(result.buffer).toBe(backing.buffer);
    expect(result.byteOffset).toBe(8);
    expect(result).toEqual(wireRgba([0x102030, 0x102030, 0x102030, 0x102030], 24));
    expect([...backing.subarray(0, 8), ...backing.subarray(24)]).toEqual(Array<number>(16).fill(7));
  });

  it('gives the same pixels in a buffer that is not 4-byte aligned', () => {
    const out = new Uint8Array(17).subarray(1);
    expect(decodeBitmap(stream, 2, 2, 24, out)).toEqual(decodeBitmap(stream, 2, 2, 24));
  });

  it('refuses unsupported depths, impossible sizes and short output buffers', () => {
    expect(faultOf(() => decodeBitmap(stream, 2, 2, 8))).toBe('unsupported');
    expect(faultOf(() => decodeBitmap(stream, 0, 2, 24))).toBe('bad-size');
    expect(faultOf(() => decodeBitmap(stream, 1.5, 2, 24))).toBe('bad-size');
    expect(faultOf(() => decodeBitmap(stream, 70_000, 2, 24))).toBe('bad-size');
    expect(faultOf(() => decodeBitmap(stream, 2, 2, 24, new Uint8Array(15)))).toBe('bad-output');
  });
});
