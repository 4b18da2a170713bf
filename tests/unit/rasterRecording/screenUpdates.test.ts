import { describe, expect, it } from 'vitest';
import { applyUpdates, type ScreenUpdate } from '../../../src/recording/raster/screenUpdates';
import { RdpBitmapError } from '../../../src/shared/rdp/bitmapError';
import { Framebuffer, type BitmapRect } from '../../../src/shared/rdp/framebuffer';
import { encodeImage } from '../rdp/support/imageEncoder';
import { intBelow, prng } from '../../support/prng';

/** A compressed 24 bpp bitmap of bands in one colour family, or one that cannot be decoded. */
function randomRect(
  random: () => number,
  screenWidth: number,
  screenHeight: number,
  mayBreak = true,
): BitmapRect {
  const width = 1 + intBelow(random, 90);
  const height = 1 + intBelow(random, 60);
  const x = intBelow(random, screenWidth + 10);
  const y = intBelow(random, screenHeight + 10);
  const base = intBelow(random, 0xffffff);
  const pixels = Array.from(
    { length: width * height },
    (_, i) => (base + Math.floor(i / 7) * 0x010203) & 0xffffff,
  );
  const broken = mayBreak && random() < 0.08;
  return {
    x,
    y,
    width,
    height,
    right: x + width - 1 - intBelow(random, 3),
    bottom: y + height - 1,
    bpp: 24,
    compressed: true,
    data: broken ? Uint8Array.of(0xff) : encodeImage(pixels, width, height, 3),
  };
}

function applyEach(screen: Framebuffer, updates: readonly ScreenUpdate[]): void {
  for (const update of updates) {
    if (update.type === 'resize') {
      screen.resize(update.width, update.height);
      continue;
    }
    try {
      screen.apply(update.rect);
    } catch (err) {
      if (!(err instanceof RdpBitmapError)) throw err;
    }
  }
}

describe('applying screen updates', () => {
  it('gives the same screen as applying every bitmap in turn, covered, broken and resized ones included', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const random = prng(seed);
      let [width, height] = [120, 80];
      const updates: ScreenUpdate[] = [];
      for (let i = 0; i < 80; i++) {
        if (random() < 0.04) {
          [width, height] = [60 + intBelow(random, 120), 40 + intBelow(random, 80)];
          updates.push({ type: 'resize', width, height });
        } else if (random() < 0.3 && updates.length > 0) {
          // The same area again, as a server repaints a window.
          const earlier = updates[intBelow(random, updates.length)]!;
          if (earlier.type === 'bitmap') updates.push({ type: 'bitmap', rect: { ...earlier.rect } });
        } else {
          updates.push({ type: 'bitmap', rect: randomRect(random, width, height) });
        }
      }
      const expected = new Framebuffer(120, 80);
      applyEach(expected, updates);
      const actual = new Framebuffer(120, 80);
      const stats = applyUpdates(actual, updates);
      expect([actual.width, actual.height], `seed ${seed}`).toEqual([expected.width, expected.height]);
      expect(Buffer.from(actual.pixels).equals(Buffer.from(expected.pixels)), `seed ${seed}`).toBe(true);
      expect(stats.applied + stats.covered + stats.undecodable, `seed ${seed}`).toBeLessThanOrEqual(
        updates.filter((u) => u.type === 'bitmap').length,
      );
    }
  });

  it('decodes only the last of repaints of the same area', () => {
    const random = prng(99);
    const rect = randomRect(random, 50, 50, false);
    const repaint = { ...rect, x: 0, y: 0, right: rect.width - 1, bottom: rect.height - 1 };
    const updates: ScreenUpdate[] = Array.from({ length: 20 }, () => ({ type: 'bitmap', rect: repaint }));
    const stats = applyUpdates(new Framebuffer(100, 100), updates);
    expect(stats).toMatchObject({ applied: 1, covered: 19, undecodable: 0 });
  });

  it('draws what a broken bitmap was thought to cover', () => {
    const red = new Framebuffer(4, 4);
    const paint: BitmapRect = {
      x: 0,
      y: 0,
      width: 4,
      height: 4,
      right: 3,
      bottom: 3,
      bpp: 24,
      compressed: false,
      data: Uint8Array.from({ length: 48 }, (_, i) => (i % 3 === 2 ? 255 : 0)),
    };
    const broken: BitmapRect = { ...paint, compressed: true, data: Uint8Array.of(0xff) };
    const stats = applyUpdates(red, [
      { type: 'bitmap', rect: paint },
      { type: 'bitmap', rect: broken },
    ]);
    expect([...red.pixels.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    expect(stats).toMatchObject({ applied: 1, undecodable: 1 });
  });
});
