import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, RasterRecordingReader, type RasterEvent } from '../../../src/recording';
import {
  FRAME_HEADER_BYTES,
  FrameType,
  MAGIC,
  parseFrameHeader,
  TRAILER_BYTES,
} from '../../../src/recording/format';
import { intBelow, prng } from '../../support/prng';
import { officeSession, type SessionStep } from './support/officeSession';
import { expectSameScreen, recordSession, replayFromStart } from './support/recordSession';

let dir: string;
let path: string;
let steps: SessionStep[];
let fullEvents: RasterEvent[];
let size: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-raster-cut-'));
  path = join(dir, 'full.vrec');
  steps = [...officeSession({ durationMs: 150_000, seed: 7, smoothText: false })];
  await recordSession(path, steps, {
    keyframes: { maxReplayBytes: 400 * 1024, maxReplayMs: 15_000, minChangedShare: 0.1 },
  });
  size = statSync(path).size;
  const reader = await RasterRecordingReader.open(path);
  fullEvents = [];
  for await (const e of reader.events()) fullEvents.push(e);
  await reader.close();
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Offset, end and time of every frame after the header, from the closed file. */
function framesOf(file: string): { offset: number; end: number; type: number; tMs: number }[] {
  const bytes = readFileSync(file);
  const frames = [];
  let at = MAGIC.length;
  at += FRAME_HEADER_BYTES + parseFrameHeader(bytes, at, at)!.length;
  while (at < bytes.length) {
    const frame = parseFrameHeader(bytes, at, at)!;
    const end = at + FRAME_HEADER_BYTES + frame.length;
    frames.push({ offset: at, end, type: frame.type, tMs: frame.tMs });
    at = end;
  }
  return frames;
}

function cutCopy(cut: number, name: string, zeroFill = false): string {
  const copy = join(dir, name);
  copyFileSync(path, copy);
  truncateSync(copy, cut);
  // A power cut can leave the file at its length with zeros where the last writes were.
  if (zeroFill) writeFileSync(copy, Buffer.alloc(size - cut), { flag: 'a' });
  return copy;
}

/** Checks a cut copy against the closed file; returns the times it was sampled at and its states. */
async function checkCut(copy: string, cut: number, random: () => number) {
  const frames = framesOf(path);
  const reader = await RasterRecordingReader.open(copy);
  try {
    expect(reader.complete).toBe(false);
    const events: RasterEvent[] = [];
    for await (const e of reader.events()) events.push(e);
    // What it holds is what was written, from the start, without a gap...
    expect(events.length).toBeLessThanOrEqual(fullEvents.length);
    events.forEach((e, i) => expect(e.t === fullEvents[i]!.t && e.type === fullEvents[i]!.type).toBe(true));
    // ...up to the last frame that was whole.
    const firstTorn = frames.find((f) => f.type === FrameType.Events && f.end > cut);
    const before = fullEvents.filter((e) => e.t < (firstTorn?.tMs ?? Infinity)).length;
    expect(events.length, `cut at ${cut}`).toBeGreaterThanOrEqual(before);
    for (const k of reader.keyframes)
      expect(frames.find((f) => f.offset === k.offset)!.end).toBeLessThanOrEqual(cut);
    const times = [
      0,
      reader.durationMs - 1,
      ...Array.from({ length: 3 }, () => intBelow(random, reader.durationMs)),
    ];
    const states = [];
    for (const t of times.filter((t) => t >= 0)) states.push({ t, state: await reader.stateAt(t) });
    return states;
  } finally {
    await reader.close();
  }
}

describe('a raster recording cut short by a crash', () => {
  it('reads up to its last whole frame, wherever it was cut, with every screen as it was', async () => {
    const random = prng(17);
    const headerEnd = framesOf(path)[0]!.offset;
    const cuts = [
      ...Array.from({ length: 14 }, () => headerEnd + intBelow(random, size - TRAILER_BYTES - headerEnd)),
      headerEnd,
      size - TRAILER_BYTES - 1,
      ...framesOf(path)
        .filter((f) => f.type === FrameType.Keyframe)
        .slice(0, 2)
        .flatMap((f) => [f.end, f.end - 1]),
    ];
    const samples = [];
    for (const [i, cut] of cuts.entries()) {
      samples.push(...(await checkCut(cutCopy(cut, `cut-${i}.vrec`, i % 3 === 0), cut, random)));
    }
    const expected = replayFromStart(
      steps,
      samples.map((s) => s.t),
    );
    for (const { t, state } of samples) expectSameScreen(state, expected.get(t)!, `cut file at ${t} ms`);
  });

  it('refuses a file cut inside its header', async () => {
    const copy = cutCopy(MAGIC.length + FRAME_HEADER_BYTES + 3, 'no-header.vrec');
    await expect(RasterRecordingReader.open(copy)).rejects.toBeInstanceOf(FormatError);
  });

  it('without its index, finds the same keyframes and screens by scanning', async () => {
    const fd = openSync(path, 'r');
    const tail = Buffer.alloc(TRAILER_BYTES);
    readSync(fd, tail, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    closeSync(fd);
    const indexOffset = Number(tail.readBigUInt64LE(FRAME_HEADER_BYTES));
    const scanned = await RasterRecordingReader.open(cutCopy(indexOffset, 'no-index.vrec'));
    const indexed = await RasterRecordingReader.open(path);
    try {
      expect(scanned.complete).toBe(false);
      expect(scanned.keyframes).toEqual(indexed.keyframes);
      expect(scanned.durationMs).toBe(fullEvents.at(-1)!.t);
      expect(await scanned.markers()).toEqual(await indexed.markers());
      for (const t of [0, 33_333, 77_777, 120_000, scanned.durationMs]) {
        expectSameScreen(await scanned.stateAt(t), await indexed.stateAt(t), `at ${t} ms`);
      }
    } finally {
      await scanned.close();
      await indexed.close();
    }
  });
});
