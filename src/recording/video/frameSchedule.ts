import { HeadlessScreen } from '../headlessScreen';
import type { RecordingReader } from '../reader';
import { readScreenGrid, sameGrid, type ScreenGrid } from './screenGrid';

/**
 * Frames start on a 40 ms clock (at most 25 per second): changes closer together are drawn as one.
 * 40 ms is also the image demuxer's own clock (25 fps) that ffmpeg's concat list is timed on, so
 * every frame's duration is a whole number of its ticks and no time is lost to rounding.
 */
export const FRAME_MS = 40;

export interface ScheduledFrame {
  /** When the frame starts showing; it lasts until the next one (the last, until the end). */
  startMs: number;
  grid: ScreenGrid;
}

/** The start of the frame that shows time `ms` of a video. */
export function frameStartAt(ms: number): number {
  return Math.floor(ms / FRAME_MS) * FRAME_MS;
}

/**
 * The frames of a video of the recording: one per screen change (changes coalesced on the frame
 * clock, a change that leaves the picture as it was dropped). A frame starting at T shows the
 * screen after every event with t <= T, as reader.stateAt(T) does.
 */
export async function* frameSchedule(reader: RecordingReader): AsyncGenerator<ScheduledFrame> {
  const screen = new HeadlessScreen(reader.header.cols, reader.header.rows);
  try {
    let frameMs = 0;
    let changed = true;
    let last: ScreenGrid | null = null;
    const take = (): ScheduledFrame | null => {
      if (!changed) return null;
      changed = false;
      const grid = readScreenGrid(screen);
      if (last && sameGrid(last, grid)) return null;
      last = grid;
      return { startMs: frameMs, grid };
    };
    for await (const e of reader.records()) {
      if (e.type !== 'o' && e.type !== 'r') continue;
      if (e.t > frameMs) {
        const frame = take();
        if (frame) yield frame;
        frameMs = Math.ceil(e.t / FRAME_MS) * FRAME_MS;
      }
      if (e.type === 'o') screen.parse(e.data);
      else if (e.type === 'r') screen.resize(e.cols, e.rows);
      changed = true;
    }
    const frame = take();
    if (frame) yield frame;
  } finally {
    screen.dispose();
  }
}
