import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { RasterRecordingReader, type RasterFrame } from '../../../recording';
import { checkFrameSize } from '../../../recording/video/rasterizer';
import { encodeRawVideo } from './desktop-video-encoder';

export interface DesktopMp4Options {
  recordingPath: string;
  /** Appears only once the video is complete (written as `<outputPath>.part`, then renamed). */
  outputPath: string;
  width: number;
  height: number;
  ffmpegPath: string;
  signal?: AbortSignal;
  /** Fraction (0..1) of the recording encoded so far. */
  onProgress?: (fraction: number) => void;
  /** Frames per second of the video. */
  fps?: number;
}

/**
 * Frames a second of a desktop video: smooth enough for typing, scrolling and moving windows,
 * while an hour stays a few minutes of work (every frame is piped, changed or not).
 */
export const DESKTOP_VIDEO_FPS = 10;

/**
 * An MP4 video of a desktop (RDP) recording: the reader's screen at every tick of a fixed frame
 * rate, piped to ffmpeg as raw RGBA at the recording's starting screen size (a screen that changed
 * size later is fitted into it), scaled there to the video's size. The video is as long as the
 * recording. Cancelled through `signal`: ffmpeg is killed and the partial video deleted.
 */
export async function exportDesktopMp4(
  options: DesktopMp4Options,
): Promise<{ bytes: number; frames: number }> {
  checkFrameSize({ width: options.width, height: options.height });
  options.signal?.throwIfAborted();
  const fps = options.fps ?? DESKTOP_VIDEO_FPS;
  const part = `${options.outputPath}.part`;
  const reader = await RasterRecordingReader.open(options.recordingPath);
  try {
    const source = { width: reader.header.width, height: reader.header.height };
    const durationMs = Math.max(1, reader.durationMs);
    let frames = 0;
    async function* rgba(): AsyncGenerator<Buffer> {
      // An unchanged frame is the same pixels array as the one before: fitted once.
      let shown: Uint8ClampedArray | null = null;
      let rgbaFrame: Buffer = Buffer.alloc(0);
      for await (const frame of reader.frames(fps)) {
        if (frame.pixels !== shown) [shown, rgbaFrame] = [frame.pixels, fitted(frame, source)];
        frames += 1;
        options.onProgress?.(Math.min(1, frame.atMs / durationMs));
        yield rgbaFrame;
      }
    }
    // Byte-sized buffering: at most about one frame waits for ffmpeg, whatever the screen size.
    const stream = Readable.from(rgba(), { objectMode: false });
    await encodeRawVideo(
      { frames: stream, ...source, fps },
      {
        ffmpegPath: options.ffmpegPath,
        outputPath: part,
        width: options.width,
        height: options.height,
        signal: options.signal,
      },
    );
    options.signal?.throwIfAborted();
    await rename(part, options.outputPath);
    options.onProgress?.(1);
    return { bytes: (await stat(options.outputPath)).size, frames };
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  } finally {
    await reader.close();
  }
}

/** The frame's pixels at the size the video is fed at; a screen of another size is scaled in, centred. */
function fitted(frame: RasterFrame, size: { width: number; height: number }): Buffer {
  const { pixels } = frame;
  if (frame.width === size.width && frame.height === size.height)
    return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const out = new Uint32Array(size.width * size.height).fill(opaqueBlack());
  const from = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.byteLength / 4);
  const scale = Math.min(size.width / frame.width, size.height / frame.height);
  const width = Math.min(size.width, Math.round(frame.width * scale));
  const height = Math.min(size.height, Math.round(frame.height * scale));
  const left = Math.floor((size.width - width) / 2);
  const top = Math.floor((size.height - height) / 2);
  for (let y = 0; y < height; y++) {
    const row = Math.min(frame.height - 1, Math.floor(y / scale)) * frame.width;
    for (let x = 0; x < width; x++) {
      out[(top + y) * size.width + left + x] = from[row + Math.min(frame.width - 1, Math.floor(x / scale))]!;
    }
  }
  return Buffer.from(out.buffer);
}

/** Opaque black as a 32-bit word in memory order, whatever the machine's byte order. */
function opaqueBlack(): number {
  return new Uint32Array(Uint8Array.of(0, 0, 0, 255).buffer)[0]!;
}
