import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DirectorySaveTarget,
  createHandlers,
  createMainServices,
  type MainServices,
} from '../../src/main/services';
import { exportDesktopMp4 } from '../../src/main/services/exports/desktop-mp4';
import { ExportService } from '../../src/main/services/exports/export-service';
import { ITEM_FILES } from '../../src/main/services/library/library';
import { RasterRecordingReader } from '../../src/recording';
import { exportMp4, locateFfmpeg } from '../../src/recording/video';
import { findFfprobe } from '../../src/recording/video/ffmpegLocator';
import { IPC_ERROR, type ExportJob, type LibraryItem } from '../../src/shared/ipc';
import { DESKTOP, writeDesktopRecording } from '../support/desktopRecording';
import { findProgram, missingProgram } from '../support/programs';
import { waitFor } from '../support/wait';
import { NoSecrets, value } from './helpers/services';

const run = promisify(execFile);
const missing = missingProgram('ffmpeg', 'ffprobe');
const ffmpeg = () => findProgram('ffmpeg')!;
const ffprobe = () => findFfprobe(ffmpeg()) ?? 'ffprobe';
const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const STARTED = '2026-10-06T09:00:00.000Z';
const ITEM = 's77-rdp';
const VIDEO = { width: 640, height: 360 };
const FPS = 10;

/** Where a point of the recorded screen lands in the video: 800×600 scaled by 0.6 and centred. */
function inVideo(x: number, y: number, screen: { width: number } = DESKTOP): [number, number] {
  const toInput = DESKTOP.width / screen.width;
  return [Math.round(80 + x * toInput * 0.6), Math.round(y * toInput * 0.6)];
}

/** The video's frame shown at `seconds`, as RGB rows. */
async function frameAt(path: string, seconds: number): Promise<Buffer> {
  const { stdout } = await run(
    ffmpeg(),
    [
      '-v',
      'error',
      '-ss',
      String(seconds),
      '-i',
      path,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  expect(stdout.length).toBe(VIDEO.width * VIDEO.height * 3);
  return stdout;
}

const rgbAt = (frame: Buffer, [x, y]: [number, number]) => [
  ...frame.subarray((y * VIDEO.width + x) * 3, (y * VIDEO.width + x) * 3 + 3),
];

/** Colours survive H.264 (yuv420p) within a few steps of each channel. */
function expectColour(actual: number[], expected: readonly number[], context: string): void {
  actual.forEach((channel, i) =>
    expect(Math.abs(channel - expected[i]!), `${context}: ${actual} vs ${expected}`).toBeLessThanOrEqual(12),
  );
}

describe.skipIf(missing !== null)(
  `MP4 export of desktop recordings ${missing ? `(skipped: ${missing})` : ''}`,
  () => {
    let dir: string;
    let services: MainServices;
    let recordingPath: string;
    const pushed: ExportJob[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'vigil-desktop-mp4-'));
      services = createMainServices({
        userDataDir: join(dir, 'user-data'),
        secrets: new NoSecrets(),
        saveTarget: new DirectorySaveTarget(join(dir, 'unused')),
        events: () => undefined,
        appInfo,
      });
      const itemDir = services.library.itemDir(ITEM);
      mkdirSync(itemDir, { recursive: true });
      recordingPath = join(itemDir, ITEM_FILES.recording);
      await writeDesktopRecording(recordingPath, { startedAt: new Date(STARTED) });
      const item: Partial<LibraryItem> = { itemId: ITEM, sessionId: 77, protocol: 'rdp', startedAt: STARTED };
      writeFileSync(join(itemDir, ITEM_FILES.meta), JSON.stringify({ version: 1, item, publicKey: null }));
    });
    afterAll(() => {
      services?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function handlers(events: (job: ExportJob, exports: ExportService) => void = () => undefined) {
      const exports: ExportService = new ExportService({
        library: services.library,
        saveTarget: new DirectorySaveTarget(join(dir, 'saved')),
        events: (event, payload) => {
          if (event !== 'exports:progress') return;
          pushed.push(payload as ExportJob);
          events(payload as ExportJob, exports);
        },
        userDataDir: join(dir, 'user-data'),
        env: { PATH: process.env.PATH },
        video: { exportMp4, locateFfmpeg },
        packageBinary: null,
        progressIntervalMs: 0,
      });
      return createHandlers({ ...services, exports, appInfo });
    }

    it('makes an H.264 video as long as the recording, showing the recorded screen at its times', async () => {
      const ipc = handlers();
      const job = value(await ipc['exports:start']({ itemId: ITEM, format: 'mp4', ...VIDEO }));
      expect(job).toMatchObject({ format: 'mp4', state: 'running' });
      await waitFor(
        () => pushed.some((p) => p.exportId === job.exportId && p.state !== 'running'),
        'the export',
        120_000,
      );
      const mine = pushed.filter((p) => p.exportId === job.exportId);
      const last = mine.at(-1)!;
      expect(last).toMatchObject({ state: 'done', progress: 1, error: null });
      const progress = mine.map((p) => p.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(progress.filter((p) => p > 0 && p < 1).length).toBeGreaterThan(5);
      const path = join(dir, 'saved', 'vigil-session-77-20261006-090000.mp4');
      expect(last.result?.path).toBe(path);
      expect(readdirSync(join(dir, 'saved'))).toEqual(['vigil-session-77-20261006-090000.mp4']);

      const { stdout } = await run(ffprobe(), [
        ...['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', path],
      ]);
      const probe = JSON.parse(stdout) as {
        streams: {
          codec_type: string;
          codec_name: string;
          pix_fmt: string;
          width: number;
          height: number;
          nb_read_frames: string;
          avg_frame_rate: string;
        }[];
        format: { duration: string; size: string };
      };
      expect(probe.streams).toHaveLength(1);
      const frames = Math.floor((DESKTOP.durationMs * FPS) / 1000) + 1;
      expect(probe.streams[0]).toMatchObject({
        codec_type: 'video',
        codec_name: 'h264',
        pix_fmt: 'yuv420p',
        ...VIDEO,
        avg_frame_rate: `${FPS}/1`,
      });
      expect(Number(probe.streams[0]!.nb_read_frames)).toBe(frames);
      expect(Number(probe.format.duration)).toBeCloseTo(frames / FPS, 1);
      expect(Number(probe.format.size)).toBe(last.result?.bytes);

      const reader = await RasterRecordingReader.open(recordingPath);
      try {
        const { x, y, width, height, colour, atMs } = DESKTOP.orange;
        const centre: [number, number] = [x + width / 2, y + height / 2];
        const before = await reader.stateAt(atMs - 500);
        const at = (state: typeof before, [px, py]: [number, number]) => [
          ...state.pixels.subarray((py * state.width + px) * 4, (py * state.width + px) * 4 + 3),
        ];
        expectColour(
          rgbAt(await frameAt(path, (atMs - 500) / 1000), inVideo(...centre)),
          at(before, centre),
          'before the panel',
        );
        expectColour(
          rgbAt(await frameAt(path, (atMs + 500) / 1000), inVideo(...centre)),
          colour,
          'the orange panel',
        );
        expectColour(
          rgbAt(await frameAt(path, (atMs + 500) / 1000), [20, 180]),
          [0, 0, 0],
          'the bar beside the screen',
        );
        // Grown to 1024×768, the whole screen is fitted to the same picture, the new area included.
        const green = DESKTOP.green;
        const greenCentre: [number, number] = [green.x + green.width / 2, green.y + green.height / 2];
        const grown = await reader.stateAt(DESKTOP.durationMs);
        expect(at(grown, greenCentre)).toEqual(green.colour);
        const end = await frameAt(path, (DESKTOP.durationMs - 200) / 1000);
        expectColour(
          rgbAt(end, inVideo(...greenCentre, grown)),
          green.colour,
          'the panel drawn after the resize',
        );
        expectColour(
          rgbAt(end, inVideo(1000, 760, grown)),
          at(grown, [1000, 760]),
          'the corner of the grown screen',
        );
      } finally {
        await reader.close();
      }
    });

    it('a cancelled export ends as cancelled and leaves no file behind', async () => {
      const ipc = handlers((job, exports) => {
        if (job.state === 'running' && job.progress > 0.2) exports.cancel(job.exportId);
      });
      rmSync(join(dir, 'saved'), { recursive: true, force: true });
      const job = value(await ipc['exports:start']({ itemId: ITEM, format: 'mp4', ...VIDEO }));
      await waitFor(
        () => pushed.some((p) => p.exportId === job.exportId && p.state !== 'running'),
        'the export',
        60_000,
      );
      expect(pushed.filter((p) => p.exportId === job.exportId).at(-1)).toMatchObject({
        state: 'cancelled',
        result: null,
      });
      expect(readdirSync(join(dir, 'saved'))).toEqual([]);
    });

    it('stops at once when aborted, and keeps nothing', async () => {
      const controller = new AbortController();
      const outputPath = join(dir, 'aborted.mp4');
      const seen: number[] = [];
      await expect(
        exportDesktopMp4({
          recordingPath,
          outputPath,
          ...VIDEO,
          ffmpegPath: ffmpeg(),
          signal: controller.signal,
          onProgress: (fraction) => {
            seen.push(fraction);
            if (fraction > 0.5) controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow('stop');
      expect(Math.max(...seen)).toBeLessThan(0.7);
      expect(readdirSync(dir).filter((name) => name.startsWith('aborted'))).toEqual([]);
    });

    it('still refuses asciicast for a desktop, saying why', async () => {
      const result = await handlers()['exports:start']({ itemId: ITEM, format: 'asciicast' });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe(IPC_ERROR.exportNotSupported);
        expect(result.error.message).toBe('A RDP recording cannot be exported as asciicast');
      }
    });
  },
);
