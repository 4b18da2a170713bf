import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RdpInput } from '../../../src/gateway/rdp/inputQueue';
import {
  FormatError,
  openRecording,
  RasterRecordingReader,
  RecordingReader,
  RecordingWriter,
  type FinishedRecording,
  type KeyframePolicyOptions,
  type RasterEvent,
} from '../../../src/recording';
import { sha256File } from '../../../src/recording/sha256';
import { intBelow, prng } from '../../support/prng';
import { officeSession, type SessionStep } from './support/officeSession';
import { expectSameScreen, recordSession, replayFromStart } from './support/recordSession';

/** Small bounds, so that four minutes hold many keyframes of each kind. */
const POLICY: Partial<KeyframePolicyOptions> = {
  maxReplayBytes: 600 * 1024,
  maxReplayScreens: 6,
  maxReplayMs: 20_000,
  minChangedShare: 0.1,
};

let dir: string;
let path: string;
let steps: SessionStep[];
let finished: FinishedRecording;
let reader: RasterRecordingReader;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-raster-'));
  path = join(dir, 'office.vrec');
  steps = [
    ...officeSession({
      durationMs: 240_000,
      seed: 42,
      smoothText: false,
      resize: { atMs: 150_000, width: 1280, height: 720 },
      block: { fromMs: 60_000, toMs: 95_000 },
    }),
  ];
  finished = await recordSession(path, steps, { keyframes: POLICY });
  reader = await RasterRecordingReader.open(path);
}, 120_000);

afterAll(async () => {
  await reader?.close();
  rmSync(dir, { recursive: true, force: true });
});

function randomTimes(seed: number, count: number, until: number): number[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => intBelow(random, until + 1));
}

describe('a raster recording', () => {
  it('is sealed like a terminal one: size and SHA-256 of the closed file', async () => {
    expect(reader.complete).toBe(true);
    expect(finished.sha256).toBe(await sha256File(path));
    expect(reader.header).toMatchObject({
      kind: 'raster',
      width: 1024,
      height: 768,
      sessionId: 'raster-test',
    });
    expect(reader.durationMs).toBe(finished.durationMs);
    expect(reader.keyframes.length).toBe(finished.checkpoints);
  });

  it('rebuilds the screen at any time exactly as replaying every update from the start', async () => {
    expect(reader.keyframes.length).toBeGreaterThanOrEqual(6);
    const times = [
      0,
      reader.durationMs,
      ...randomTimes(1, 30, reader.durationMs),
      ...reader.keyframes.flatMap((k) => [k.tMs - 1, k.tMs, k.tMs + 1]),
    ];
    const expected = replayFromStart(steps, times);
    for (const t of times) expectSameScreen(await reader.stateAt(t), expected.get(t)!, `at ${t} ms`);
  });

  it('seeks from the last keyframe before the time and replays less than the byte bound after it', async () => {
    for (const t of randomTimes(2, 40, reader.durationMs)) {
      const state = await reader.stateAt(t);
      const keyframe = reader.keyframes.filter((k) => k.tMs <= t).at(-1);
      expect(state.keyframeMs, `at ${t} ms`).toBe(keyframe?.tMs ?? null);
      expect(state.replay.bitmapBytes, `at ${t} ms`).toBeLessThan(POLICY.maxReplayBytes!);
      expect(state.replay.pixels, `at ${t} ms`).toBeLessThanOrEqual(POLICY.maxReplayScreens! * 1280 * 768);
    }
  });

  it('keeps input, markers and screen sizes as they were recorded', async () => {
    const recorded: RasterEvent[] = [];
    for await (const e of reader.events()) if (e.type !== 'bitmap') recorded.push(e);
    const sent = steps.flatMap((s): RasterEvent[] => {
      if (s.type === 'input') return [{ t: s.t, type: 'input', input: s.input }];
      if (s.type === 'resize') return [{ t: s.t, type: 'resize', width: s.width, height: s.height }];
      if (s.type === 'marker') return [{ t: s.t, type: 'marker', kind: s.kind, note: s.note }];
      return [];
    });
    expect(recorded).toEqual(sent);
    expect(await reader.markers()).toEqual(
      sent.flatMap((e) => (e.type === 'marker' ? [{ tMs: e.t, kind: e.kind, note: e.note }] : [])),
    );
  });

  it('keeps every bitmap byte for byte, where it was and when', async () => {
    const recorded = [];
    for await (const e of reader.events(100_000, 130_000)) if (e.type === 'bitmap') recorded.push(e);
    const sent = steps
      .filter((s) => s.t >= 100_000 && s.t <= 130_000)
      .flatMap((s) => (s.type === 'rects' ? s.rects.map((rect) => ({ t: s.t, rect })) : []));
    expect(recorded.length).toBe(sent.length);
    recorded.forEach((e, i) => {
      expect(e.t).toBe(sent[i]!.t);
      expect({ ...e.rect, data: Buffer.from(e.rect.data) }).toEqual({
        ...sent[i]!.rect,
        data: Buffer.from(sent[i]!.rect.data),
      });
    });
  });

  it('exports frames at fixed times that show the screen at those times', async () => {
    const fromMs = 55_000;
    const toMs = 75_000;
    const frames = [];
    for await (const frame of reader.frames(5, { fromMs, toMs })) frames.push(frame);
    expect(frames.map((f) => f.atMs)).toEqual(Array.from({ length: 101 }, (_, i) => fromMs + i * 200));
    const sampled = frames.filter((_, i) => i % 9 === 0);
    const expected = replayFromStart(
      steps,
      sampled.map((f) => f.atMs),
    );
    for (const frame of sampled)
      expectSameScreen(frame, expected.get(frame.atMs)!, `frame at ${frame.atMs} ms`);
    for (let i = 1; i < frames.length; i++) {
      if (!frames[i]!.changed) expect(frames[i]!.pixels).toBe(frames[i - 1]!.pixels);
    }
    expect(frames.some((f) => !f.changed)).toBe(true);
  });

  it('is read by its own reader only; openRecording picks the reader of each kind', async () => {
    await expect(RecordingReader.open(path)).rejects.toBeInstanceOf(FormatError);
    const terminalPath = join(dir, 'terminal.vrec');
    const terminal = new RecordingWriter({ path: terminalPath, sessionId: 'ssh', checkpoints: false });
    terminal.output(Buffer.from('hello\r\n'));
    await terminal.close();
    await expect(RasterRecordingReader.open(terminalPath)).rejects.toBeInstanceOf(FormatError);
    const [raster, text] = [await openRecording(path), await openRecording(terminalPath)];
    expect(raster).toBeInstanceOf(RasterRecordingReader);
    expect(text).toBeInstanceOf(RecordingReader);
    expect(raster.durationMs).toBe(reader.durationMs);
    await raster.close();
    await text.close();
  });
});

describe('recording an RDP session', () => {
  it('keeps the operator input exactly as the gateway sends it to the target', async () => {
    const sent: RdpInput[] = [
      { kind: 'key', code: 0x1d, down: true, extended: true },
      { kind: 'pointer', x: 640, y: 360, button: 2, down: true },
      { kind: 'wheel', x: 1, y: 2, step: 120, negative: true, horizontal: true },
    ];
    const inputPath = join(dir, 'input.vrec');
    await recordSession(
      inputPath,
      sent.map((input, i) => ({ t: i * 10, type: 'input', input })),
    );
    const input = await RasterRecordingReader.open(inputPath);
    const recorded = [];
    for await (const e of input.events()) if (e.type === 'input') recorded.push(e.input);
    await input.close();
    expect(recorded).toEqual(sent);
  });

  it('shows what the operator saw when a bitmap cannot be decoded, from a keyframe or a replay', async () => {
    const red = {
      x: 0,
      y: 0,
      width: 64,
      height: 64,
      right: 63,
      bottom: 63,
      bpp: 24,
      compressed: false,
      data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i % 3 === 2 ? 255 : 0)),
    };
    // The broken bitmap claims the red one's area; it reaches the byte bound, so a keyframe follows it.
    const session: SessionStep[] = [
      { t: 10, type: 'rects', rects: [red, { ...red, compressed: true, data: Uint8Array.of(0xff) }] },
    ];
    const expected = replayFromStart(session, [10]).get(10)!;
    expect([...expected.pixels.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    for (const keyframes of [{ maxReplayBytes: red.data.length + 1 }, false] as const) {
      const brokenPath = join(dir, `broken-${keyframes ? 'keyframe' : 'replay'}.vrec`);
      await recordSession(brokenPath, session, { keyframes });
      const brokenReader = await RasterRecordingReader.open(brokenPath);
      const state = await brokenReader.stateAt(10);
      await brokenReader.close();
      expect(state.keyframeMs).toBe(keyframes ? 10 : null);
      expectSameScreen(state, expected, keyframes ? 'from the keyframe' : 'replayed');
    }
  });
});
