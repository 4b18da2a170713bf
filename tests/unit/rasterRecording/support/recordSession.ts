import { expect } from 'vitest';
import { RasterRecordingWriter, type RasterRecordingWriterOptions } from '../../../../src/recording';
import type { FinishedRecording } from '../../../../src/recording';
import { RdpBitmapError } from '../../../../src/shared/rdp/bitmapError';
import { Framebuffer } from '../../../../src/shared/rdp/framebuffer';
import type { SessionStep } from './officeSession';

/**
 * Records `steps` with the real writer on a simulated clock. The live writer cuts a frame every
 * second by its timer; time here runs faster, so the session flushes once per simulated second.
 */
export async function recordSession(
  path: string,
  steps: readonly SessionStep[],
  options: Partial<RasterRecordingWriterOptions> = {},
): Promise<FinishedRecording> {
  let now = 0;
  const writer = new RasterRecordingWriter({
    path,
    sessionId: 'raster-test',
    width: 1024,
    height: 768,
    now: () => now,
    ...options,
  });
  let flushedAt = 0;
  for (const step of steps) {
    if (step.t - flushedAt >= 1000) {
      await writer.flush();
      flushedAt = step.t;
    }
    now = step.t;
    if (step.type === 'rects') for (const rect of step.rects) writer.rect(rect);
    else if (step.type === 'input') writer.input(step.input);
    else if (step.type === 'resize') writer.resize(step.width, step.height);
    else writer.marker(step.kind, step.note);
  }
  await writer.keyframesSettled();
  return writer.close();
}

export interface ExpectedScreen {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
  pointer: { x: number; y: number } | null;
  blocked: boolean;
}

/**
 * The screen at each of `times` by applying every step from the start, one by one, as the
 * operator's client does (a bitmap that cannot be decoded changes nothing).
 */
export function replayFromStart(
  steps: readonly SessionStep[],
  times: readonly number[],
  width = 1024,
  height = 768,
): Map<number, ExpectedScreen> {
  const screen = new Framebuffer(width, height);
  let pointer: { x: number; y: number } | null = null;
  let blocked = false;
  const states = new Map<number, ExpectedScreen>();
  const sorted = [...times].sort((a, b) => a - b);
  let next = 0;
  const capture = (until: number) => {
    for (; next < sorted.length && sorted[next]! < until; next++) {
      const { width: w, height: h } = screen;
      states.set(sorted[next]!, { width: w, height: h, pixels: screen.pixels.slice(), pointer, blocked });
    }
  };
  for (const step of steps) {
    capture(step.t);
    if (step.type === 'rects') {
      for (const rect of step.rects) {
        try {
          screen.apply(rect);
        } catch (err) {
          if (!(err instanceof RdpBitmapError)) throw err;
        }
      }
    } else if (step.type === 'resize') screen.resize(step.width, step.height);
    else if (step.type === 'input') {
      if (step.input.kind !== 'key') pointer = { x: step.input.x, y: step.input.y };
    } else if (step.kind === 'block' || step.kind === 'release') blocked = step.kind === 'block';
  }
  capture(Infinity);
  return states;
}

/** Fails with the first differing pixel rather than a megabyte diff. */
export function expectSameScreen(actual: ExpectedScreen, expected: ExpectedScreen, context: string): void {
  expect([actual.width, actual.height], `${context}: size`).toEqual([expected.width, expected.height]);
  const a = Buffer.from(actual.pixels.buffer, actual.pixels.byteOffset, actual.pixels.byteLength);
  const b = Buffer.from(expected.pixels.buffer, expected.pixels.byteOffset, expected.pixels.byteLength);
  if (!a.equals(b)) {
    let at = 0;
    while (at < a.length && a[at] === b[at]) at++;
    const pixel = at >> 2;
    expect.fail(`${context}: pixel ${pixel % actual.width},${Math.floor(pixel / actual.width)} differs`);
  }
  expect(actual.pointer, `${context}: pointer`).toEqual(expected.pointer);
  expect(actual.blocked, `${context}: blocked`).toBe(expected.blocked);
}
