import { describe, expect, it } from 'vitest';
import { decodeBitmap, decodeRawBitmap, RdpBitmapError } from '../../../src/shared/rdp/rle';
import { decodeLikeLibrary, firstDifference, guardedInput, wireRgba } from './support/compare';
import { readCapturedRects } from './support/fixture';
import { encodeImage } from './support/imageEncoder';
import { intBelow, prng } from '../../support/prng';
import { randomStream } from './support/randomStreams';
import { referenceDecode } from './support/referenceDecoder';
import { desktopScreen, photoScreen, textScreen, tilesOf, wirePixels } from './support/screens';

const DEPTHS = [15, 16, 24] as const;
const pixelBytesOf = (bpp: number) => (bpp === 24 ? 3 : 2);

/** Width and height of a random case: mostly small, so that row ends and first rows are everywhere. */
function randomSize(random: () => number): [number, number] {
  const big = random() < 0.1;
  return [1 + intBelow(random, big ? 96 : 20), 1 + intBelow(random, big ? 96 : 12)];
}

/** Decodes and reports what happened; anything but pixels or an RdpBitmapError fails the test. */
function outcome(decode: () => Uint8Array): 'pixels' | 'refused' {
  try {
    decode();
    return 'pixels';
  } catch (error) {
    if (error instanceof RdpBitmapError) return 'refused';
    throw error;
  }
}

describe('decoding matches node-rdpjs-2', () => {
  it.each(DEPTHS)('on 1,500 random streams using every order at %i bpp', (bpp) => {
    for (let seed = 1; seed <= 1500; seed++) {
      const random = prng(bpp * 100_000 + seed);
      const [width, height] = randomSize(random);
      const stream = randomStream(random, width, height, pixelBytesOf(bpp));
      const reference = referenceDecode(stream, width, height, bpp);
      expect(reference.ok, `seed ${seed}`).toBe(true);
      const ours = decodeBitmap(stream, width, height, bpp);
      expect(
        firstDifference(ours, reference.rgba, width),
        `seed ${seed}, ${width}x${height}`,
      ).toBeUndefined();
    }
  });

  it.each(DEPTHS)(
    'on screen-like tiles compressed as a server would, giving back the screen (%i bpp)',
    (bpp) => {
      for (const make of [textScreen, photoScreen, desktopScreen]) {
        const wire = wirePixels(make(256, 160, 11), bpp);
        for (const tile of tilesOf(wire, 256, 160)) {
          const stream = encodeImage(tile.pixels, tile.width, tile.height, pixelBytesOf(bpp));
          const ours = decodeLikeLibrary(stream, tile.width, tile.height, bpp);
          expect(firstDifference(ours, wireRgba([...tile.pixels], bpp), tile.width)).toBeUndefined();
        }
      }
    },
  );
});

describe('damaged streams', () => {
  it.each(DEPTHS)('cut short anywhere, are refused without reading past their end (%i bpp)', (bpp) => {
    let refused = 0;
    for (let seed = 1; seed <= 600; seed++) {
      const random = prng(seed * 7 + bpp);
      const [width, height] = randomSize(random);
      const stream = randomStream(random, width, height, pixelBytesOf(bpp));
      const cut = stream.subarray(0, intBelow(random, stream.length));
      if (outcome(() => decodeBitmap(guardedInput(cut), width, height, bpp)) === 'refused') refused++;
    }
    // Only a cut that drops nothing but empty orders can still paint the whole bitmap.
    expect(refused).toBeGreaterThan(590);
  });

  it.each([...DEPTHS, 32])(
    'of random bytes or flipped bits never hang or read past their end (%i bpp)',
    (bpp) => {
      const outcomes = { pixels: 0, refused: 0 };
      for (let seed = 1; seed <= 1500; seed++) {
        const random = prng(seed * 13 + bpp);
        const [width, height] = randomSize(random);
        let bytes: Uint8Array;
        if (seed % 2 === 0 && bpp !== 32) {
          bytes = randomStream(random, width, height, pixelBytesOf(bpp)).slice();
          for (let flips = 1 + intBelow(random, 3); flips > 0 && bytes.length > 0; flips--) {
            bytes[intBelow(random, bytes.length)]! ^= 1 << intBelow(random, 8);
          }
        } else {
          bytes = Uint8Array.from({ length: intBelow(random, 300) }, () => intBelow(random, 256));
          if (bpp === 32 && bytes.length > 0) bytes[0] = 0x10 | (random() < 0.5 ? 0x20 : 0);
        }
        outcomes[outcome(() => decodeBitmap(guardedInput(bytes), width, height, bpp))]++;
      }
      expect(outcomes.refused).toBeGreaterThan(0);
    },
  );

  it('uncompressed data too short for the bitmap is refused without reading past its end', () => {
    for (const bpp of [...DEPTHS, 32]) {
      const rowBytes = (Math.ceil(5 * Math.ceil(bpp / 8)) + 3) & ~3;
      const short = new Uint8Array(rowBytes * 3 - 1);
      expect(outcome(() => decodeRawBitmap(guardedInput(short), 5, 4, bpp))).toBe('refused');
    }
  });
});

describe('bitmaps captured from xrdp', () => {
  const rects = readCapturedRects();

  it('decode exactly as node-rdpjs-2 decodes them', () => {
    expect(rects.length).toBeGreaterThan(0);
    const compressed = rects.filter((rect) => rect.compressed);
    for (const [index, rect] of compressed.entries()) {
      const reference = referenceDecode(rect.data, rect.width, rect.height, rect.bpp);
      const label = `rect ${index} (${rect.width}x${rect.height} at ${rect.x},${rect.y}, ${rect.bpp} bpp)`;
      expect(reference.ok, `${label}: node-rdpjs-2 accepts it`).toBe(true);
      const ours = decodeBitmap(rect.data, rect.width, rect.height, rect.bpp);
      expect(firstDifference(ours, reference.rgba, rect.width), label).toBeUndefined();
    }
  });

  it('uncompressed ones decode too', () => {
    for (const rect of rects.filter((r) => !r.compressed)) {
      expect(decodeRawBitmap(rect.data, rect.width, rect.height, rect.bpp)).toHaveLength(
        rect.width * rect.height * 4,
      );
    }
  });
});
