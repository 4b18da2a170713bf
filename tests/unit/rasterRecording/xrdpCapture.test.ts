import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RasterRecordingReader } from '../../../src/recording';
import { readCapturedRects } from '../rdp/support/fixture';
import type { SessionStep } from './support/officeSession';
import { expectSameScreen, recordSession, replayFromStart } from './support/recordSession';

/** The capture script's screen. */
const [WIDTH, HEIGHT] = [800, 600];

const dir = mkdtempSync(join(tmpdir(), 'vigil-raster-xrdp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bitmaps captured from a real xrdp', () => {
  it('replay from keyframes exactly as they were painted', async () => {
    const steps: SessionStep[] = readCapturedRects().map((rect, i) => ({
      t: i * 40,
      type: 'rects',
      rects: [{ ...rect, right: rect.x + rect.width - 1, bottom: rect.y + rect.height - 1 }],
    }));
    const path = join(dir, 'xrdp.vrec');
    await recordSession(path, steps, {
      width: WIDTH,
      height: HEIGHT,
      keyframes: { maxReplayBytes: 8 * 1024 },
    });
    const reader = await RasterRecordingReader.open(path);
    try {
      expect(reader.keyframes.length).toBeGreaterThan(3);
      const times = Array.from({ length: 25 }, (_, i) => Math.round((i * reader.durationMs) / 24));
      const expected = replayFromStart(steps, times, WIDTH, HEIGHT);
      for (const t of times) expectSameScreen(await reader.stateAt(t), expected.get(t)!, `at ${t} ms`);
    } finally {
      await reader.close();
    }
  });
});
