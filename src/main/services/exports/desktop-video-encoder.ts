import type { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { checkFfmpeg } from '../../../recording/video/ffmpegLocator';

export interface RawVideoInput {
  /** RGBA frames of `width` x `height`, one after the other, at `fps`. */
  frames: Readable;
  width: number;
  height: number;
  fps: number;
}

export interface DesktopEncodeOptions {
  ffmpegPath: string;
  outputPath: string;
  /** Size of the video: the screen is scaled to fit and centred, black bars where shapes differ. */
  width: number;
  height: number;
  signal?: AbortSignal;
}

/** The scale and pad filters that fit a screen into the video's frame, keeping its proportions. */
export function fitFilter(
  source: { width: number; height: number },
  video: { width: number; height: number },
): string {
  const scale = Math.min(video.width / source.width, video.height / source.height);
  const width = Math.max(1, Math.min(video.width, Math.round(source.width * scale)));
  const height = Math.max(1, Math.min(video.height, Math.round(source.height * scale)));
  const left = Math.floor((video.width - width) / 2);
  const top = Math.floor((video.height - height) / 2);
  // Subsampled first: scaling a third of the bytes, and the encoder wants yuv420p anyway.
  return `format=yuv420p,scale=${width}:${height},pad=${video.width}:${video.height}:${left}:${top}:black,setsar=1`;
}

/**
 * Encodes raw RGBA frames piped to ffmpeg's stdin as H.264 in MP4 (yuv420p, index at the front),
 * at the frames' own constant rate. Cancelled through `signal`: ffmpeg is killed at once.
 */
export async function encodeRawVideo(input: RawVideoInput, options: DesktopEncodeOptions): Promise<void> {
  const { problem } = await checkFfmpeg(options.ffmpegPath);
  if (problem) throw new Error(`ffmpeg ${options.ffmpegPath}: ${problem}`);
  options.signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const command = ffmpeg()
      .setFfmpegPath(options.ffmpegPath)
      .input(input.frames)
      .inputFormat('rawvideo')
      .inputOptions([
        '-pix_fmt',
        'rgba',
        '-video_size',
        `${input.width}x${input.height}`,
        '-framerate',
        String(input.fps),
      ])
      .videoCodec('libx264')
      .outputOptions([
        '-vf',
        fitFilter(input, options),
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
      ])
      .noAudio()
      .format('mp4')
      .output(options.outputPath);
    const abort = () => {
      command.kill('SIGKILL');
      input.frames.destroy();
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    const settle = (err?: Error) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) reject(options.signal.reason as Error);
      else if (err) reject(err);
      else resolve();
    };
    command
      .on(
        'error',
        (err: Error & { inputStreamError?: Error }, _stdout: string | null, stderr: string | null) => {
          if (err.inputStreamError) return settle(err.inputStreamError);
          const tail = stderr ? `\n${stderr.trim().split('\n').slice(-5).join('\n')}` : '';
          settle(new Error(`ffmpeg failed: ${err.message}${tail}`));
        },
      )
      .on('end', () => settle())
      .run();
  });
}
