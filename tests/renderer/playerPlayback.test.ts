import { describe, expect, it } from 'vitest';
import {
  advance,
  dueEvents,
  fasterSpeed,
  formatClock,
  IDLE_LEAD_MS,
  nextMarker,
  previousMarker,
  skipIdleTarget,
  slowerSpeed,
  SPEEDS,
} from '../../src/renderer/src/lib/playback';

const gaps = [
  { fromMs: 10_000, toMs: 40_000 },
  { fromMs: 60_000, toMs: 70_000 },
];
const base = { durationMs: 100_000, skipIdle: false, gaps };

describe('the playback clock', () => {
  it('moves the recording by wall time times the speed', () => {
    for (const speed of SPEEDS) expect(advance(1000, 200, { ...base, speed })).toBe(1000 + 200 * speed);
  });

  it('stays within the recording and never goes backwards', () => {
    expect(advance(99_000, 5000, { ...base, speed: 8 })).toBe(100_000);
    expect(advance(5000, -300, { ...base, speed: 1 })).toBe(5000);
  });

  it('skip idle lands just before the end of the gap it falls in', () => {
    expect(advance(9_950, 100, { ...base, speed: 1, skipIdle: true })).toBe(40_000 - IDLE_LEAD_MS);
    expect(advance(9_950, 100, { ...base, speed: 1, skipIdle: false })).toBe(10_050);
  });

  it('skip idle only shortens gaps: it never moves back nor past a gap, nor outside one', () => {
    for (let t = 0; t <= 100_000; t += 250) {
      const target = skipIdleTarget(t, gaps);
      expect(target).toBeGreaterThanOrEqual(t);
      const gap = gaps.find((g) => t >= g.fromMs && t < g.toMs);
      if (gap) expect(target).toBeLessThanOrEqual(gap.toMs);
      else expect(target).toBe(t);
    }
  });

  it('picks the events after the shown time up to the new one', () => {
    const events = [{ atMs: 100 }, { atMs: 200 }, { atMs: 300 }];
    expect(dueEvents(events, 100, 300)).toEqual([{ atMs: 200 }, { atMs: 300 }]);
    expect(dueEvents(events, 0, 99)).toEqual([]);
  });

  it('steps the speed between 0.5x and 8x', () => {
    expect(fasterSpeed(1)).toBe(2);
    expect(fasterSpeed(8)).toBe(8);
    expect(slowerSpeed(1)).toBe(0.5);
    expect(slowerSpeed(0.5)).toBe(0.5);
  });

  it('finds the next marker and the one clearly before, so repeating goes further back', () => {
    const markers = [{ atMs: 30_000 }, { atMs: 5000 }, { atMs: 50_000 }];
    expect(nextMarker(markers, 5000)?.atMs).toBe(30_000);
    expect(nextMarker(markers, 50_000)).toBeNull();
    expect(previousMarker(markers, 30_000)?.atMs).toBe(5000);
    expect(previousMarker(markers, 30_500)?.atMs).toBe(5000);
    expect(previousMarker(markers, 32_000)?.atMs).toBe(30_000);
    expect(previousMarker(markers, 5000)).toBeNull();
  });

  it('writes times as m:ss and h:mm:ss', () => {
    expect(formatClock(65_400)).toBe('1:05');
    expect(formatClock(3_723_000)).toBe('1:02:03');
  });
});
