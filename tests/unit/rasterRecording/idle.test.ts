import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RasterRecordingReader } from '../../../src/recording';
import { officeSession } from './support/officeSession';
import { recordSession } from './support/recordSession';

const dir = mkdtempSync(join(tmpdir(), 'vigil-raster-idle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACTIVE_MS = 100_000;
const MAX_REPLAY_MS = 30_000;

describe('an idle RDP screen', () => {
  it('costs no keyframes and little space for an hour, while the caret blinks and the clock ticks', async () => {
    const session = (durationMs: number) => [
      ...officeSession({ durationMs, activeUntilMs: ACTIVE_MS, seed: 5, smoothText: false }),
    ];
    const idleHour = session(ACTIVE_MS + 3_600_000);
    const lastInput = idleHour.filter((s) => s.type === 'input').at(-1)!.t;
    const idleUpdates = idleHour.filter((s) => s.type === 'rects' && s.t > lastInput).length;
    expect(idleUpdates).toBeGreaterThan(3_000);

    const policy = { keyframes: { maxReplayMs: MAX_REPLAY_MS, minChangedShare: 0.1 } };
    const withIdle = await recordSession(join(dir, 'idle.vrec'), idleHour, policy);
    const withoutIdle = await recordSession(join(dir, 'active.vrec'), session(lastInput + 1), policy);
    const reader = await RasterRecordingReader.open(withIdle.path);
    const keyframes = reader.keyframes.map((k) => k.tMs);
    await reader.close();

    expect(keyframes.length).toBeGreaterThan(0);
    // The work before the idle spell may still earn one keyframe once its time bound passes.
    expect(keyframes.filter((t) => t > lastInput + MAX_REPLAY_MS + 2_000)).toEqual([]);
    expect(withIdle.checkpoints - withoutIdle.checkpoints).toBeLessThanOrEqual(1);
    expect(withIdle.size - withoutIdle.size).toBeLessThan(250_000);
  }, 120_000);
});
