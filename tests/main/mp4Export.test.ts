import { execFile } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingWriter } from '../../src/recording';
import { exportMp4, locateFfmpeg, renderFrameAt } from '../../src/recording/video';
import { findFfprobe, packagedFfmpeg } from '../../src/recording/video/ffmpegLocator';
import { findProgram, missingProgram, requireAll } from '../support/programs';

const run = promisify(execFile);
const missing = missingProgram('ffmpeg', 'ffprobe');
/** ffprobe beside the ffmpeg the tests use, else on PATH. */
const ffprobe = (): string => findFfprobe(findProgram('ffmpeg') ?? 'ffmpeg') ?? 'ffprobe';
const SIZE = { width: 640, height: 360 };
const DURATION_MS = 12_000;

/** Output at session times: a prompt, a typed command, its output, a full-screen program, a resize. */
const STEPS: { atMs: number; output?: string; resize?: [number, number] }[] = [
  { atMs: 0, output: '\x1b[01;32madmin@web\x1b[00m:\x1b[01;34m~\x1b[00m$ ' },
  ...[...'echo hello world'].map((ch, i) => ({ atMs: 800 + i * 90, output: ch })),
  { atMs: 2400, output: '\r\nhello world\r\n' },
  {
    atMs: 2500,
    output: [...Array(18).keys()]
      .map((i) => `\x1b[3${i % 8}mline ${i} of the log ✓ 世界\x1b[0m\r\n`)
      .join(''),
  },
  { atMs: 2600, output: '\x1b[01;32madmin@web\x1b[00m:\x1b[01;34m~\x1b[00m$ ' },
  { atMs: 6000, output: '\x1b[?1049h\x1b[H\x1b[2J\x1b[44;97m top - load average: 0.42 \x1b[0m\r\n' },
  { atMs: 6100, output: [...Array(20).keys()].map((i) => `${1000 + i} root  ${i}.0%  nginx\r\n`).join('') },
  { atMs: 9000, resize: [100, 30] },
  { atMs: 9100, output: '\x1b[?1049l\x1b[1mwider now\x1b[0m\r\n' },
];

async function writeRecording(path: string, steps = STEPS, durationMs = DURATION_MS): Promise<void> {
  let now = 0;
  const writer = new RecordingWriter({ path, sessionId: 'mp4', cols: 80, rows: 24, now: () => now });
  for (const step of steps) {
    now = step.atMs;
    if (step.output) writer.output(Buffer.from(step.output));
    if (step.resize) writer.resize(...step.resize);
  }
  now = durationMs;
  await writer.close();
}

/** A long session whose status line changes every 200 ms: an export long enough to cancel in each phase. */
function busySteps(): typeof STEPS {
  return [...Array(1500).keys()].map((i) => ({
    atMs: i * 200,
    output: `\x1b[12;1H\x1b[3${i % 8}mbuilding step ${i} of 1500 ${'#'.repeat(i % 40)}\x1b[0m\x1b[K`,
  }));
}

interface Probe {
  streams: { codec_type: string; codec_name: string; pix_fmt: string; width: number; height: number }[];
  format: { duration: string; size: string };
}

async function probeVideo(path: string): Promise<Probe> {
  const { stdout } = await run(ffprobe(), [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_streams',
    '-show_format',
    path,
  ]);
  return JSON.parse(stdout) as Probe;
}

/**
 * The picture the video shows at a time. A frame lasts until the next one, and seeking (-ss) drops
 * a frame that started before the time, so the video is first resampled at a fixed rate.
 */
async function frameOfVideo(video: string, atSeconds: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      video,
      '-vf',
      'fps=25',
      '-ss',
      String(atSeconds),
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgba',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * Mean absolute difference per colour channel (0..255) of the two pictures averaged over 4x4
 * blocks: H.264 in yuv420p blurs the colour of thin glyph strokes, which the averaging evens out,
 * while different text still shows.
 */
function meanDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  const block = 4;
  let sum = 0;
  let blocks = 0;
  for (let by = 0; by + block <= SIZE.height; by += block) {
    for (let bx = 0; bx + block <= SIZE.width; bx += block) {
      for (let channel = 0; channel < 3; channel++) {
        let diff = 0;
        for (let y = by; y < by + block; y++)
          for (let x = bx; x < bx + block; x++) {
            const at = (y * SIZE.width + x) * 4 + channel;
            diff += a[at]! - b[at]!;
          }
        sum += Math.abs(diff) / (block * block);
      }
      blocks++;
    }
  }
  return sum / (blocks * 3);
}

describe.skipIf(missing)(`MP4 export with the real ffmpeg${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mp4-test-'));
  const recording = join(dir, 'session.vrec');
  const video = join(dir, 'session.mp4');
  let ffmpegPath = '';
  let result = { bytes: 0, frames: 0 };
  const progress: number[] = [];

  beforeAll(async () => {
    ffmpegPath = findProgram('ffmpeg')!;
    await writeRecording(recording);
    result = await exportMp4({
      recordingPath: recording,
      outputPath: video,
      ...SIZE,
      ffmpegPath,
      onProgress: (f) => progress.push(f),
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes H.264 in yuv420p at the asked size and the recording’s length', async () => {
    const probe = await probeVideo(video);
    expect(probe.streams).toHaveLength(1);
    expect(probe.streams[0]).toMatchObject({
      codec_type: 'video',
      codec_name: 'h264',
      pix_fmt: 'yuv420p',
      ...SIZE,
    });
    expect(Math.abs(Number(probe.format.duration) - DURATION_MS / 1000)).toBeLessThanOrEqual(1);
    expect(Number(probe.format.size)).toBe(result.bytes);
    expect(existsSync(`${video}.part`)).toBe(false);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);
  });

  // The app finds this one before PATH's: its older ffmpeg takes other options for variable frame rates.
  const noPackage = packagedFfmpeg().problem;
  // The package ships a binary for this machine kind: in CI its absence is a failure, not a skip.
  if (noPackage !== null && requireAll) throw new Error(`VIGIL_REQUIRE_ALL=1 but ${noPackage}`);
  it.skipIf(noPackage !== null)(
    `makes the same video with the ffmpeg of the npm package${noPackage ? ` (skipped: ${noPackage})` : ''}`,
    async () => {
      const packaged = join(dir, 'packaged.mp4');
      await exportMp4({
        recordingPath: recording,
        outputPath: packaged,
        ...SIZE,
        ffmpegPath: packagedFfmpeg().path!,
      });
      const probe = await probeVideo(packaged);
      expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', ...SIZE });
      expect(Math.abs(Number(probe.format.duration) - DURATION_MS / 1000)).toBeLessThanOrEqual(1);
      const frame = await frameOfVideo(packaged, 4.5);
      expect(meanDifference(frame, await renderFrameAt(recording, 4500, SIZE))).toBeLessThan(2.5);
    },
  );

  it('holds a frame while the screen is still instead of repeating it', async () => {
    const { stdout } = await run(ffprobe(), [
      '-v',
      'error',
      '-select_streams',
      'v',
      '-show_entries',
      'packet=pts_time,duration_time',
      '-of',
      'csv=p=0',
      video,
    ]);
    const packets = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(',').map(Number) as [number, number]);
    // Typing, output, a full-screen program and a resize: a few dozen frames, not 25 a second.
    expect(packets.length).toBe(result.frames + 1);
    expect(packets.length).toBeLessThan(60);
    // Nothing changes from 2.6 s to 6 s: one frame spans it.
    expect(packets.some(([pts, duration]) => pts <= 2.7 && pts + duration >= 5.9)).toBe(true);
  });

  it('shows at a time the screen the recording had then', async () => {
    for (const [at, other] of [
      [4.5, 7.5],
      [7.5, 10.5],
      [10.5, 4.5],
    ] as const) {
      const frame = await frameOfVideo(video, at);
      const same = meanDifference(frame, await renderFrameAt(recording, at * 1000, SIZE));
      const different = meanDifference(frame, await renderFrameAt(recording, other * 1000, SIZE));
      expect(same, `frame at ${at} s`).toBeLessThan(2.5);
      expect(different, `frame at ${at} s against ${other} s`).toBeGreaterThan(same * 3);
    }
  });

  describe('cancelled', () => {
    const busy = join(dir, 'busy.vrec');
    beforeAll(() => writeRecording(busy, busySteps(), 300_000));

    for (const phase of ['drawing', 'encoding'] as const) {
      it(`while ${phase} leaves no video and no frame files`, async () => {
        const temp = join(dir, `temp-${phase}`);
        mkdirSync(temp);
        const output = join(dir, `cancelled-${phase}.mp4`);
        const controller = new AbortController();
        let abortedAt = 1;
        const exported = exportMp4({
          recordingPath: busy,
          outputPath: output,
          ...SIZE,
          ffmpegPath,
          tempDir: temp,
          signal: controller.signal,
          onProgress: (f) => {
            // Drawing is the first half of the progress, ffmpeg's encoding the second.
            if (!controller.signal.aborted && (phase === 'drawing' ? f > 0.1 : f > 0.5)) {
              abortedAt = f;
              controller.abort();
            }
          },
        });
        await expect(exported).rejects.toMatchObject({ name: 'AbortError' });
        expect(abortedAt).toBeLessThan(phase === 'drawing' ? 0.5 : 0.99);
        expect(existsSync(output)).toBe(false);
        expect(existsSync(`${output}.part`)).toBe(false);
        expect(readdirSync(temp)).toEqual([]);
      });
    }
  });
});

describe.skipIf(missing)(`finding ffmpeg${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ffmpeg-find-'));
  const real = findProgram('ffmpeg')!;
  /** The real ffmpeg under another name, one per place it can be found. */
  const linked = (name: string): string => {
    const folder = join(dir, name);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, 'ffmpeg');
    if (!existsSync(path)) symlinkSync(real, path);
    return path;
  };
  const setting = linked('setting');
  const fromEnv = linked('env');
  const fromPackage = linked('package');
  const onPath = linked('path');
  const notFfmpeg = join(dir, 'not-ffmpeg');
  writeFileSync(notFfmpeg, '#!/bin/sh\necho "hello from a shell script"\n');
  chmodSync(notFfmpeg, 0o755);
  const env = { FFMPEG_PATH: fromEnv, PATH: join(dir, 'path') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers the app’s setting, then FFMPEG_PATH, then the npm package, then PATH', async () => {
    const bySetting = await locateFfmpeg({ setting, env, packageBinary: fromPackage });
    expect(bySetting).toMatchObject({ path: setting, source: 'setting', setting });
    expect(bySetting.version).toMatch(/^ffmpeg version /);
    expect((await locateFfmpeg({ setting: null, env, packageBinary: fromPackage })).source).toBe('env');
    const byPackage = await locateFfmpeg({
      setting: null,
      env: { PATH: env.PATH },
      packageBinary: fromPackage,
    });
    expect(byPackage).toMatchObject({ path: fromPackage, source: 'package' });
    const byPath = await locateFfmpeg({ setting: null, env: { PATH: env.PATH }, packageBinary: null });
    expect(byPath).toMatchObject({ path: onPath, source: 'path' });
    expect(byPath.tried.map((t) => [t.source, t.problem])).toEqual([
      ['setting', 'not set'],
      ['env', 'FFMPEG_PATH is not set'],
      ['package', 'no ffmpeg package for this computer'],
      ['path', null],
    ]);
  });

  it('reports a broken setting and goes on to the next place', async () => {
    const status = await locateFfmpeg({ setting: join(dir, 'missing', 'ffmpeg'), env, packageBinary: null });
    expect(status).toMatchObject({ path: fromEnv, source: 'env', setting: join(dir, 'missing', 'ffmpeg') });
    expect(status.tried[0]).toEqual({
      source: 'setting',
      path: join(dir, 'missing', 'ffmpeg'),
      problem: 'not found',
    });
    const impostor = await locateFfmpeg({ setting: notFfmpeg, env, packageBinary: null });
    expect(impostor.tried[0]).toEqual({
      source: 'setting',
      path: notFfmpeg,
      problem: 'not an ffmpeg program',
    });
    expect(impostor.source).toBe('env');
  });

  it('says where it looked when no ffmpeg works', async () => {
    const status = await locateFfmpeg({
      setting: notFfmpeg,
      env: { PATH: join(dir, 'empty') },
      packageBinary: null,
    });
    expect(status).toMatchObject({ path: null, source: null, version: null });
    expect(status.tried.map((t) => t.source)).toEqual(['setting', 'env', 'package', 'path']);
    expect(status.tried.every((t) => t.problem !== null)).toBe(true);
  });
});
