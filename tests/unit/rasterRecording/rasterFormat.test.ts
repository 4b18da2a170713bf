import { describe, expect, it } from 'vitest';
import {
  decodeKeyframeImage,
  encodeKeyframeImage,
  KeyframeEncoding,
} from '../../../src/recording/raster/keyframeImage';
import {
  decodeKeyframePrefix,
  decodeRasterEvents,
  encodeKeyframePrefix,
  encodeRasterEvents,
  type RasterEvent,
} from '../../../src/recording/raster/rasterFormat';
import { prng } from '../../support/prng';

const bitmap = (t: number, bytes: number, compressed = true): RasterEvent => ({
  t,
  type: 'bitmap',
  rect: {
    x: 1000,
    y: 700,
    width: 68,
    height: 13,
    right: 1023,
    bottom: 712,
    bpp: 24,
    compressed,
    data: Uint8Array.from({ length: bytes }, (_, i) => (i * 7) & 0xff),
  },
});

describe('raster events', () => {
  it('come back from a segment as they were written, large bitmaps included', () => {
    const events: RasterEvent[] = [
      bitmap(1500, 12),
      bitmap(1500, 200_000, false),
      { t: 1510, type: 'input', input: { kind: 'key', code: 0x1c, down: true, extended: false } },
      { t: 1511, type: 'input', input: { kind: 'key', code: 0x48, down: false, extended: true } },
      { t: 1600, type: 'input', input: { kind: 'pointer', x: 1023, y: 0, button: 0, down: false } },
      { t: 1601, type: 'input', input: { kind: 'pointer', x: 5, y: 767, button: 3, down: true } },
      {
        t: 1700,
        type: 'input',
        input: { kind: 'wheel', x: 10, y: 20, step: 120, negative: true, horizontal: false },
      },
      {
        t: 1701,
        type: 'input',
        input: { kind: 'wheel', x: 0, y: 0, step: 1, negative: false, horizontal: true },
      },
      { t: 2000, type: 'resize', width: 1920, height: 1080 },
      { t: 2000, type: 'marker', kind: 'block', note: 'held by ünïcode supervisor' },
      { t: 90_000_000, type: 'marker', kind: 'release', note: '' },
    ];
    const plain = Buffer.concat(encodeRasterEvents(events, 1000));
    const decoded = decodeRasterEvents(plain, 1000);
    expect(
      decoded.map((e) => (e.type === 'bitmap' ? { ...e, rect: { ...e.rect, data: [...e.rect.data] } } : e)),
    ).toEqual(
      events.map((e) => (e.type === 'bitmap' ? { ...e, rect: { ...e.rect, data: [...e.rect.data] } } : e)),
    );
  });

  it('refuse an unknown event kind instead of guessing', () => {
    expect(() => decodeRasterEvents(Buffer.from([0x7a, 0x00]), 0)).toThrow(/unknown raster event kind/);
  });
});

describe('keyframes', () => {
  it('keep their position, size, pointer and input state', () => {
    const prefix = {
      pos: 2 ** 40 + 3,
      eventIndex: 123_456,
      width: 1920,
      height: 1080,
      pointer: { x: 1919, y: 0 },
      blocked: true,
      endsSegment: true,
      encoding: KeyframeEncoding.BrotliRgb,
    };
    expect(decodeKeyframePrefix(encodeKeyframePrefix(prefix))).toEqual(prefix);
    const none = { ...prefix, pointer: null, blocked: false, endsSegment: false };
    expect(decodeKeyframePrefix(encodeKeyframePrefix(none))).toEqual(none);
  });

  it('store an opaque screen without its alpha and any other screen whole, losslessly', async () => {
    const random = prng(3);
    const opaque = new Uint8ClampedArray(37 * 11 * 4).map((_, i) => (i % 4 === 3 ? 255 : random() * 256));
    const stored = await encodeKeyframeImage(opaque, 37, 11);
    expect(stored.encoding).toBe(KeyframeEncoding.BrotliRgb);
    expect(decodeKeyframeImage(stored.encoding, stored.data, 37, 11)).toEqual(opaque);

    const translucent = opaque.slice();
    translucent[4 * 200 + 3] = 7;
    const whole = await encodeKeyframeImage(translucent, 37, 11);
    expect(whole.encoding).toBe(KeyframeEncoding.BrotliRgba);
    expect(decodeKeyframeImage(whole.encoding, whole.data, 37, 11)).toEqual(translucent);
    expect(() => decodeKeyframeImage(whole.encoding, whole.data, 36, 11)).toThrow(/wrong size/);
  });
});
