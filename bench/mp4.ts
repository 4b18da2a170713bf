import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RecordingWriter } from '../src/recording';
import { exportMp4, locateFfmpeg } from '../src/recording/video';
import type { BenchRow } from './report';
import { syntheticSession } from './syntheticSession';

/**
 * MP4 export of the scripted 1-hour interactive session at 1280x720 with the real ffmpeg: how many
 * times faster than real time it runs (target >= 30x), and where the time goes.
 */
export const MP4_TARGET_REALTIME_FACTOR = 30;
const HOUR = 3_600_000;
const SIZE = { width: 1280, height: 720 };

export interface Mp4BenchResult {
  rows: BenchRow[];
  realtimeFactor: number;
}

async function writeSession(path: string): Promise<number> {
  let now = 0;
  const writer = new RecordingWriter({ path, sessionId: 'bench-mp4', cols: 100, rows: 30, now: () => now });
  for (const e of syntheticSession(HOUR, 11)) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
  }
  await writer.close();
  return HOUR;
}

export async function benchMp4(log: (line: string) => void): Promise<Mp4BenchResult> {
  const ffmpeg = await locateFfmpeg({ setting: null });
  if (!ffmpeg.path) throw new Error(`MP4 bench needs ffmpeg: ${JSON.stringify(ffmpeg.tried)}`);
  log(`ffmpeg: ${ffmpeg.path} (${ffmpeg.version})`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-mp4-'));
  try {
    const recordingPath = join(dir, 'hour.vrec');
    const durationMs = await writeSession(recordingPath);
    const outputPath = join(dir, 'hour.mp4');
    let drawnAt = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const { frames, bytes } = await exportMp4({
      recordingPath,
      outputPath,
      ...SIZE,
      ffmpegPath: ffmpeg.path,
      onProgress: (fraction) => {
        if (fraction >= 0.5 && drawnAt === 0) drawnAt = performance.now();
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const realtimeFactor = durationMs / 1000 / seconds;
    const rows: BenchRow[] = [
      { name: 'session length', value: durationMs / 60_000, unit: 'minutes' },
      { name: 'frame size', value: SIZE.width, unit: `x ${SIZE.height} px` },
      { name: 'frames written', value: frames, unit: 'frames (only screen changes)' },
      { name: 'drawing frames (PNG)', value: (drawnAt - started) / 1000, unit: 's' },
      { name: 'encoding (ffmpeg, libx264)', value: seconds - (drawnAt - started) / 1000, unit: 's' },
      { name: 'export time', value: seconds, unit: 's' },
      { name: 'Node CPU (main + thread pool)', value: (cpu.user + cpu.system) / 1e6, unit: 's' },
      {
        name: 'real-time factor',
        value: realtimeFactor,
        unit: `x (target >= ${MP4_TARGET_REALTIME_FACTOR}x)`,
      },
      {
        name: 'MP4 size',
        value: bytes / 1e6,
        unit: `MB (recording ${(statSync(recordingPath).size / 1e3).toFixed(0)} KB)`,
      },
    ];
    return { rows, realtimeFactor };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
