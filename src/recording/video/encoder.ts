import ffmpeg from 'fluent-ffmpeg';
import { checkFfmpeg } from './ffmpegLocator';

export interface EncodeOptions {
  ffmpegPath: string;
  /** An ffconcat list of the frames, each with its duration. */
  listPath: string;
  outputPath: string;
  durationMs: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** "HH:MM:SS.xx" as milliseconds. */
function timemarkMs(mark: string): number {
  const [h = 0, m = 0, s = 0] = mark.split(':').map(Number);
  return ((h * 60 + m) * 60 + s) * 1000;
}

/**
 * ffmpeg 5.1 renamed `-vsync` to `-fps_mode` (the old name is deprecated); builds whose version
 * does not say (git snapshots) are assumed old, as the ffmpeg npm package's is.
 */
export function variableFrameRateOptions(versionLine: string | null): string[] {
  const match = /^ffmpeg version n?(\d+)\.(\d+)/.exec(versionLine ?? '');
  const major = Number(match?.[1] ?? 0);
  const minor = Number(match?.[2] ?? 0);
  return major > 5 || (major === 5 && minor >= 1) ? ['-fps_mode', 'vfr'] : ['-vsync', 'vfr'];
}

/**
 * The frames of `listPath` as H.264 in MP4: yuv420p and the index at the front (+faststart) so
 * any player opens it, even streamed; variable frame rate, each frame kept for its own duration.
 * No B-frames: with them the MP4 muxer misplaces the end of a variable-rate stream.
 */
export async function encodeFrames(options: EncodeOptions): Promise<void> {
  const { version } = await checkFfmpeg(options.ffmpegPath);
  options.signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const command = ffmpeg()
      .setFfmpegPath(options.ffmpegPath)
      .input(options.listPath)
      .inputFormat('concat')
      .videoCodec('libx264')
      .outputOptions([
        '-preset',
        'veryfast',
        '-tune',
        'stillimage',
        '-bf',
        '0',
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
        ...variableFrameRateOptions(version),
      ])
      .noAudio()
      .format('mp4')
      .output(options.outputPath);
    const abort = () => command.kill('SIGKILL');
    options.signal?.addEventListener('abort', abort, { once: true });
    const settle = (err?: Error) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) reject(options.signal.reason as Error);
      else if (err) reject(err);
      else resolve();
    };
    command
      .on('progress', (p: { timemark: string }) =>
        options.onProgress?.(Math.min(1, timemarkMs(p.timemark) / Math.max(1, options.durationMs))),
      )
      .on('error', (err: Error, _stdout: string | null, stderr: string | null) =>
        settle(
          new Error(
            `ffmpeg failed: ${err.message}${stderr ? `\n${stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`,
          ),
        ),
      )
      .on('end', () => settle())
      .run();
  });
}
