import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { RasterRecordingReader, RasterRecordingWriter } from '../src/recording';
import { FRAME_HEADER_BYTES } from '../src/recording/format';
import type { UpdateStats } from '../src/recording/raster/screenUpdates';
import { Framebuffer, type BitmapRect } from '../src/shared/rdp/framebuffer';
import { officeSession, type SessionStep } from '../tests/unit/rasterRecording/support/officeSession';
import { percentileOf, type BenchRow } from './report';
import { prng } from '../tests/support/prng';

/**
 * RDP (raster) recording: a scripted office hour at 1024×768 (typing bursts in a document,
 * terminal commands, scrolling pages, windows opened, focused and closed, pointer moves, idle
 * spells with a blinking caret), every screen change sent as an xrdp-like server does (strips of
 * RLE bitmaps of what was really drawn, fonts included), recorded by the real writer with its
 * keyframes, then read back: bytes per hour, keyframes, write CPU, random seeks and frame export.
 * Two screens: text without font smoothing (a Windows target, as the gateway connects) and
 * antialiased text (a Linux desktop through xrdp). The baseline is what the target sent.
 */
export const RDP_RECORDING_TARGET_MB_PER_HOUR = 10;
export const RDP_SEEK_TARGET_P95_MS = 100;

const HOUR_MS = 3_600_000;
/** VIGIL_BENCH_RDP_MINUTES shortens the session for a quick run; figures stay per hour. */
const SESSION_MS = Number(process.env.VIGIL_BENCH_RDP_MINUTES ?? 60) * 60_000;
const WIDTH = 1024;
const HEIGHT = 768;

export interface RdpRecordingBenchResult {
  rows: BenchRow[];
  /** The largest bytes per hour of both screens. */
  mbPerHour: number;
  /** The slowest seek p95 of both screens. */
  seekP95: number;
}

interface Written {
  wallMs: number;
  cpuMs: number;
  mainCpuMs: number;
  keyframeWork: UpdateStats;
}

async function record(path: string, steps: readonly SessionStep[]): Promise<Written> {
  let now = 0;
  const writer = new RasterRecordingWriter({
    path,
    sessionId: 'bench-rdp',
    width: WIDTH,
    height: HEIGHT,
    now: () => now,
  });
  const cpu = process.cpuUsage();
  const main = process.threadCpuUsage();
  const started = performance.now();
  let flushedAt = 0;
  for (const step of steps) {
    // The timer cuts a frame every second of a live session; here time is simulated, so flush.
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
  await writer.close();
  const used = process.cpuUsage(cpu);
  const mainUsed = process.threadCpuUsage(main);
  return {
    wallMs: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    mainCpuMs: (mainUsed.user + mainUsed.system) / 1000,
    keyframeWork: { ...writer.keyframeWork! },
  };
}

/** Event-loop milliseconds to decode every bitmap as it arrives (what lazy keyframes avoid). */
function eagerDecodeMs(rects: readonly BitmapRect[]): number {
  const screen = new Framebuffer(WIDTH, HEIGHT);
  const started = process.threadCpuUsage();
  for (const rect of rects) screen.apply(rect);
  const used = process.threadCpuUsage(started);
  return (used.user + used.system) / 1000;
}

function frameBytes(path: string, offsets: readonly number[]): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    return offsets.reduce((sum, offset) => {
      readSync(fd, head, 0, FRAME_HEADER_BYTES, offset);
      return sum + FRAME_HEADER_BYTES + head.readUInt32LE(2);
    }, 0);
  } finally {
    closeSync(fd);
  }
}

async function profile(
  name: string,
  smoothText: boolean,
  dir: string,
  log: (line: string) => void,
): Promise<{ rows: BenchRow[]; mbPerHour: number; seekP95: number }> {
  log(`${name}: drawing and compressing an hour of screen changes…`);
  const steps = [
    ...officeSession({ durationMs: SESSION_MS, seed: 2024, width: WIDTH, height: HEIGHT, smoothText }),
  ];
  const rects = steps.flatMap((s) => (s.type === 'rects' ? s.rects : []));
  const received = rects.reduce((n, r) => n + r.data.length, 0);
  const keys = steps.filter((s) => s.type === 'input' && s.input.kind === 'key' && s.input.down).length;
  const wheel = steps.filter((s) => s.type === 'input' && s.input.kind === 'wheel').length;
  const afterFact = gzipSync(Buffer.concat(rects.map((r) => r.data))).length;

  log(`${name}: recording ${rects.length} bitmaps (${(received / 1e6).toFixed(1)} MB)…`);
  const path = join(dir, `${smoothText ? 'smooth' : 'aliased'}.vrec`);
  const written = await record(path, steps);
  const size = statSync(path).size;
  const reader = await RasterRecordingReader.open(path);
  const keyframeBytes = frameBytes(
    path,
    reader.keyframes.map((k) => k.offset),
  );

  log(`${name}: seeking…`);
  const random = prng(7);
  const times: number[] = [];
  let replayMax = 0;
  let keyframeGapMax = 0;
  for (let i = 0; i < 200; i++) {
    const at = Math.floor(random() * reader.durationMs);
    const started = performance.now();
    const state = await reader.stateAt(at);
    times.push(performance.now() - started);
    replayMax = Math.max(replayMax, state.replay.bitmapBytes);
    keyframeGapMax = Math.max(keyframeGapMax, at - (state.keyframeMs ?? 0));
  }
  times.sort((a, b) => a - b);
  const exportFrom = Math.floor(reader.durationMs / 3);
  const exportStarted = performance.now();
  let frames = 0;
  for await (const _frame of reader.frames(10, { fromMs: exportFrom, toMs: exportFrom + 300_000 })) frames++;
  const exportMs = performance.now() - exportStarted;
  await reader.close();

  const hours = reader.durationMs / HOUR_MS;
  const mbPerHour = size / 1e6 / hours;
  const seekP95 = percentileOf(times, 95);
  const p = (row: string) => `${name}: ${row}`;
  const rows: BenchRow[] = [
    {
      name: p('session'),
      value: reader.durationMs / 60_000,
      unit: `min, ${keys} keystrokes, ${wheel} wheel steps`,
    },
    {
      name: p('bitmaps as the target sent them'),
      value: received / 1e6,
      unit: `MB in ${rects.length} bitmaps`,
    },
    { name: p('the same, gzip -6 after the fact'), value: afterFact / 1e6, unit: 'MB (baseline)' },
    {
      name: p('recording'),
      value: mbPerHour,
      unit: `MB per hour (target <= ${RDP_RECORDING_TARGET_MB_PER_HOUR})`,
    },
    { name: p('recording / bitmaps received'), value: size / received, unit: 'x' },
    { name: p('recording / after-the-fact gzip'), value: size / afterFact, unit: 'x' },
    {
      name: p('keyframes'),
      value: reader.keyframes.length,
      unit: `(${(keyframeBytes / 1e6).toFixed(2)} MB, ${Math.round(keyframeBytes / Math.max(1, reader.keyframes.length) / 1e3)} kB each)`,
    },
    { name: p('write CPU, all threads'), value: written.cpuMs / 1000 / hours, unit: 's per hour of session' },
    {
      name: p('write CPU, event loop'),
      value: written.mainCpuMs / 1000 / hours,
      unit: 's per hour of session',
    },
    {
      name: p('bitmaps decoded for keyframes'),
      value: written.keyframeWork.applied,
      unit: `of ${rects.length} (the others were painted over before a keyframe was due)`,
    },
    {
      name: p('decoding every bitmap on arrival'),
      value: eagerDecodeMs(rects) / 1000 / hours,
      unit: 's per hour (not done)',
    },
    { name: p('stateAt p50 (200 random times)'), value: percentileOf(times, 50), unit: 'ms' },
    { name: p('stateAt p95'), value: seekP95, unit: `ms (target < ${RDP_SEEK_TARGET_P95_MS})` },
    { name: p('stateAt max'), value: times.at(-1)!, unit: 'ms' },
    { name: p('most bitmap bytes replayed by a seek'), value: replayMax / 1e6, unit: 'MB' },
    { name: p('longest time replayed by a seek'), value: keyframeGapMax / 1000, unit: 's' },
    { name: p('frames(10 fps) for 5 minutes'), value: frames / (exportMs / 1000), unit: 'frames/s' },
  ];
  return { rows, mbPerHour, seekP95 };
}

export async function benchRdpRecording(log: (line: string) => void): Promise<RdpRecordingBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rdp-'));
  try {
    const windows = await profile('Windows (no font smoothing)', false, dir, log);
    const xrdp = await profile('Linux desktop (antialiased)', true, dir, log);
    return {
      rows: [...windows.rows, ...xrdp.rows],
      mbPerHour: Math.max(windows.mbPerHour, xrdp.mbPerHour),
      seekP95: Math.max(windows.seekP95, xrdp.seekP95),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
