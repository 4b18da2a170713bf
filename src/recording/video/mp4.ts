import { mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingReader } from '../reader';
import { encodeFrames } from './encoder';
import { FRAME_MS, frameSchedule } from './frameSchedule';
import { encodePng } from './png';
import { checkFrameSize, TerminalRasterizer, type FrameSize } from './rasterizer';

export interface ExportMp4Options {
  recordingPath: string;
  /** Appears only once the video is complete (written as `<outputPath>.part`, then renamed). */
  outputPath: string;
  width: number;
  height: number;
  ffmpegPath: string;
  signal?: AbortSignal;
  /** Fraction (0..1) of the work done: drawing the frames, then encoding them. */
  onProgress?: (fraction: number) => void;
  /** Where the private folder of frame files is made (default: the system's temp folder). */
  tempDir?: string;
}

export interface ExportMp4Result {
  bytes: number;
  frames: number;
}

/** Share of the progress bar for drawing frames; encoding has the rest (about even, measured). */
const DRAW_SHARE = 0.5;
/** PNG encodes (on the thread pool) in flight while the next frames are drawn. */
const ENCODES_IN_FLIGHT = 6;

interface FrameFile {
  name: string;
  startMs: number;
}

/** The concat list: each frame for its duration; the last named twice, as ffmpeg wants. */
export function concatList(frames: readonly FrameFile[], totalMs: number): string {
  const lines = ['ffconcat version 1.0'];
  frames.forEach((frame, i) => {
    const end = frames[i + 1]?.startMs ?? totalMs;
    let duration = end - frame.startMs;
    // The repeated last entry shows for one frame more: take it off the last frame.
    if (i === frames.length - 1 && duration >= 2 * FRAME_MS) duration -= FRAME_MS;
    lines.push(`file '${frame.name}'`, `duration ${(duration / 1000).toFixed(3)}`);
  });
  lines.push(`file '${frames[frames.length - 1]!.name}'`);
  return lines.join('\n') + '\n';
}

/** Draws every frame of the recording into `dir` as PNG files; returns them and the video length. */
async function drawFrames(
  recordingPath: string,
  dir: string,
  size: FrameSize,
  signal: AbortSignal | undefined,
  onProgress: (fraction: number) => void,
): Promise<{ frames: FrameFile[]; totalMs: number }> {
  const reader = await RecordingReader.open(recordingPath);
  const rasterizer = new TerminalRasterizer(size);
  const frames: FrameFile[] = [];
  const writes = new Set<Promise<void>>();
  try {
    const durationMs = reader.durationMs;
    for await (const { startMs, grid } of frameSchedule(reader)) {
      signal?.throwIfAborted();
      rasterizer.draw(grid);
      const name = `f${String(frames.length).padStart(7, '0')}.png`;
      frames.push({ name, startMs });
      const write = encodePng(rasterizer.rgba(), size.width, size.height).then((png) =>
        writeFile(join(dir, name), png),
      );
      writes.add(write);
      void write.finally(() => writes.delete(write)).catch(() => undefined);
      if (writes.size >= ENCODES_IN_FLIGHT) await Promise.race(writes);
      onProgress(Math.min(1, startMs / Math.max(1, durationMs)));
    }
    await Promise.all(writes);
    const last = frames[frames.length - 1]!;
    return { frames, totalMs: Math.max(durationMs, last.startMs + FRAME_MS) };
  } finally {
    await Promise.allSettled(writes);
    await reader.close();
  }
}

/**
 * An MP4 video of a terminal recording: the screen drawn at each change (at most 25 frames a
 * second), the frames kept as PNG files in a private temp folder and joined by ffmpeg's concat
 * demuxer with each frame's own duration, so idle time costs one frame, not thousands. Cancelled
 * through `signal`: ffmpeg is killed, and the frames and the partial video are deleted.
 */
export async function exportMp4(options: ExportMp4Options): Promise<ExportMp4Result> {
  const size = { width: options.width, height: options.height };
  checkFrameSize(size);
  options.signal?.throwIfAborted();
  const progress = options.onProgress ?? (() => undefined);
  const part = `${options.outputPath}.part`;
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'vigil-mp4-'));
  try {
    const { frames, totalMs } = await drawFrames(options.recordingPath, dir, size, options.signal, (f) =>
      progress(f * DRAW_SHARE),
    );
    const listPath = join(dir, 'frames.ffconcat');
    await writeFile(listPath, concatList(frames, totalMs));
    await encodeFrames({
      ffmpegPath: options.ffmpegPath,
      listPath,
      outputPath: part,
      durationMs: totalMs,
      signal: options.signal,
      onProgress: (f) => progress(DRAW_SHARE + f * (1 - DRAW_SHARE)),
    });
    options.signal?.throwIfAborted();
    await rename(part, options.outputPath);
    progress(1);
    return { bytes: (await stat(options.outputPath)).size, frames: frames.length };
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
