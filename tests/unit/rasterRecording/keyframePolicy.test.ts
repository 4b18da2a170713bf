import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYFRAME_POLICY, KeyframePolicy } from '../../../src/recording/raster/keyframePolicy';
import type { BitmapRect } from '../../../src/shared/rdp/framebuffer';

const OPTIONS = { maxReplayBytes: 10_000, maxReplayScreens: 2, maxReplayMs: 60_000, minChangedShare: 0.25 };

function rect(x: number, y: number, width: number, height: number, bytes = 10): BitmapRect {
  const [right, bottom] = [x + width - 1, y + height - 1];
  return { x, y, width, height, right, bottom, bpp: 24, compressed: true, data: new Uint8Array(bytes) };
}

describe('when keyframes are taken', () => {
  it('never for a caret blinking in one place for an hour', () => {
    const policy = new KeyframePolicy(DEFAULT_KEYFRAME_POLICY, 1024, 768);
    for (let t = 0; t < 3_600_000; t += 530) {
      policy.bitmap(rect(300, 200, 2, 18, 60));
      expect(policy.due(t), `at ${t} ms`).toBe(false);
    }
  });

  it('after the time bound once a quarter of the screen changed, not before', () => {
    const policy = new KeyframePolicy(OPTIONS, 1024, 768);
    // 48 of the 192 tiles of 64×64 pixels.
    for (let row = 0; row < 3; row++) policy.bitmap(rect(0, row * 64, 1024, 64));
    expect(policy.due(59_999)).toBe(false);
    expect(policy.due(60_000)).toBe(true);
    policy.taken(60_000);
    expect(policy.due(200_000)).toBe(false);
  });

  it('as soon as the bitmaps since the last one reach the byte or area bound', () => {
    const policy = new KeyframePolicy(OPTIONS, 1024, 768);
    policy.bitmap(rect(0, 0, 8, 8, 9_999));
    expect(policy.replayBoundReached()).toBe(false);
    policy.bitmap(rect(0, 0, 8, 8, 1));
    expect(policy.replayBoundReached()).toBe(true);
    policy.taken(1);
    // Cheap fills: few bytes, two screens of pixels.
    policy.bitmap(rect(0, 0, 1024, 768));
    expect(policy.due(2)).toBe(false);
    policy.bitmap(rect(0, 0, 1024, 768));
    expect(policy.due(3)).toBe(true);
  });

  it('counts a new screen size as a change of the whole screen', () => {
    const policy = new KeyframePolicy(OPTIONS, 1024, 768);
    policy.resize(1280, 720);
    expect(policy.due(60_000)).toBe(true);
  });
});
