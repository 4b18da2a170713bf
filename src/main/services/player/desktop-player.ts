import { RasterRecordingReader, type RecordingOverview } from '../../../recording';
import type { PlayerDesktopFrame, PlayerDesktopFramesPage, PlayerDesktopScreen } from '../../../shared/ipc';
import { ValidationError } from '../errors';
import { desktopOverview } from './desktop-overview';
import { rectFrame, screenFrame } from './desktop-frames';

/** Bitmap bytes per frames page, and frames per page: one answer never carries a burst whole. */
export const FRAMES_PAGE_BYTES = 2 * 1024 * 1024;
export const FRAMES_PAGE_COUNT = 5_000;

/** `T.K`: the page goes on with the events at time T, after the first K of them. */
const CURSOR_PATTERN = /^(\d{1,10})\.(\d{1,9})$/;

/** What a page takes from the recording before it is encoded. */
type Update = { t: number; type: 'bitmap'; frame: Buffer; bytes: number } | { t: number; type: 'resize' };

/**
 * Playback of one desktop (RDP) recording, in the terms of the remote-desktop wire so a viewer
 * rebuilds it exactly as it does a live session: the screen at a time as a `screen` frame (the
 * reader's keyframes make that a short replay), then the recorded rectangles as `rect` frames, and
 * a `screen` frame where the screen changed size.
 */
export class DesktopPlayer {
  private constructor(
    private readonly reader: RasterRecordingReader,
    readonly overview: RecordingOverview,
  ) {}

  static async open(path: string): Promise<DesktopPlayer> {
    const reader = await RasterRecordingReader.open(path);
    try {
      return new DesktopPlayer(reader, await desktopOverview(reader));
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  get width(): number {
    return this.reader.header.width;
  }
  get height(): number {
    return this.reader.header.height;
  }
  get durationMs(): number {
    return this.reader.durationMs;
  }
  get startedAt(): string {
    return this.reader.header.startedAt;
  }

  /** The screen after every event with t <= atMs (clamped to the recording). */
  async screenAt(atMs: number): Promise<PlayerDesktopScreen> {
    const ms = Math.min(Math.max(0, atMs), this.durationMs);
    const { width, height, pixels, blocked } = await this.reader.stateAt(ms);
    const frame = await screenFrame(width, height, pixels);
    return { atMs: ms, width, height, frame: frame.toString('base64'), blocked };
  }

  /**
   * Screen updates with fromMs < t <= toMs (screenAt(fromMs) already shows those at fromMs), at
   * most `maxBytes` of bitmaps a page; `cursor` (a page's `next`) goes on where that page stopped.
   */
  async frames(
    fromMs: number,
    toMs: number,
    cursor: string | null = null,
    maxBytes = FRAMES_PAGE_BYTES,
  ): Promise<PlayerDesktopFramesPage> {
    const start = cursor === null ? null : parseCursor(cursor);
    const updates: Update[] = [];
    let next: string | null = null;
    let bytes = 0;
    // Events at one time are counted so a page may stop between them.
    let sameTime = { t: -1, seen: 0 };
    for await (const e of this.reader.events(start?.t ?? fromMs, toMs)) {
      sameTime = e.t === sameTime.t ? { t: e.t, seen: sameTime.seen + 1 } : { t: e.t, seen: 1 };
      if (start ? e.t === start.t && sameTime.seen <= start.skip : e.t <= fromMs) continue;
      if (e.type !== 'bitmap' && e.type !== 'resize') continue;
      if (updates.length >= FRAMES_PAGE_COUNT || (bytes >= maxBytes && e.type === 'bitmap')) {
        next = `${e.t}.${sameTime.seen - 1}`;
        break;
      }
      if (e.type === 'resize') {
        updates.push({ t: e.t, type: 'resize' });
        continue;
      }
      updates.push({ t: e.t, type: 'bitmap', frame: rectFrame(e.rect), bytes: e.rect.data.length });
      bytes += e.rect.data.length;
    }
    const frames: PlayerDesktopFrame[] = [];
    for (const update of updates) {
      // A new size comes as the whole screen at that time: the wire has no frame for a resize.
      const frame = update.type === 'bitmap' ? update.frame : await this.screenFrameAt(update.t);
      frames.push({ atMs: update.t, frame: frame.toString('base64') });
    }
    return { frames, next };
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  private async screenFrameAt(ms: number): Promise<Buffer> {
    const { width, height, pixels } = await this.reader.stateAt(ms);
    return screenFrame(width, height, pixels);
  }
}

function parseCursor(cursor: string): { t: number; skip: number } {
  const match = CURSOR_PATTERN.exec(cursor);
  if (!match) throw new ValidationError(`Not a desktop frames cursor: ${cursor}`);
  return { t: Number(match[1]), skip: Number(match[2]) };
}
