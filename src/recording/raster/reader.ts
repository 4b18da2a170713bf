import { open, type FileHandle } from 'node:fs/promises';
import { Framebuffer } from '../../shared/rdp/framebuffer';
import {
  FormatError,
  FRAME_HEADER_BYTES,
  FrameType,
  parseFrameHeader,
  payloadIsIntact,
  type MarkerRef,
  type SegmentRef,
} from '../format';
import { isRasterLayout, readExactly, readLayout, readSegmentFrames, type Layout } from '../layout';
import type { TimelineIndex } from '../overview';
import { decodeKeyframeImage } from './keyframeImage';
import {
  decodeKeyframePrefix,
  KEYFRAME_PREFIX_BYTES,
  type KeyframeRef,
  type RasterEvent,
  type RasterRecordingHeader,
} from './rasterFormat';
import { applyUpdates, noUpdates, type ScreenUpdate, type UpdateStats } from './screenUpdates';
import { SegmentEvents } from './segmentEvents';

export interface RasterScreen {
  width: number;
  height: number;
  /** RGBA, rows top-down; the caller's own copy. */
  pixels: Uint8ClampedArray;
  /** Where the operator's pointer last was, if it moved at all. */
  pointer: { x: number; y: number } | null;
  /** Operator input is blocked (between a block marker and its release). */
  blocked: boolean;
}

export interface RasterState extends RasterScreen {
  atMs: number;
  /** Time of the keyframe the screen was rebuilt from, or null when replayed from the start. */
  keyframeMs: number | null;
  /** What was replayed after the keyframe: events, bitmaps and their bytes, and what was drawn. */
  replay: UpdateStats & { events: number; bitmaps: number; bitmapBytes: number };
}

export interface RasterFrame extends RasterScreen {
  index: number;
  atMs: number;
  /** False when nothing changed since the previous frame (then `pixels` is the same array). */
  changed: boolean;
}

interface Position {
  segment: number;
  event: number;
}

interface Replay {
  screen: Framebuffer;
  at: Position;
  /** Set when an update drew or resized the screen. */
  redrawn: boolean;
  pointer: { x: number; y: number } | null;
  blocked: boolean;
  stats: RasterState['replay'];
}

/**
 * Reads a raster (RDP) recording, finished or not: a closed file through its index, a file still
 * being written or cut short by a crash up to its last intact frame. The screen at any time is the
 * nearest keyframe before it plus the updates after it.
 */
export class RasterRecordingReader {
  /** The segment being read: consecutive seeks and frame export go on decoding it. */
  private current: SegmentEvents | null = null;
  /** Segment decoding is one call at a time (a player may ask for screens concurrently). */
  private decoding: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly layout: Layout<RasterRecordingHeader>,
  ) {}

  static async open(path: string): Promise<RasterRecordingReader> {
    const file = await open(path, 'r');
    try {
      const layout = await readLayout(file);
      if (!isRasterLayout(layout))
        throw new FormatError('a terminal recording: read it with RecordingReader');
      const reader = new RasterRecordingReader(file, path, layout);
      await reader.measureUnindexedDuration();
      return reader;
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  get header(): RasterRecordingHeader {
    return this.layout.header;
  }
  /** True when the writer closed the file (index and trailer present). */
  get complete(): boolean {
    return this.layout.complete;
  }
  get durationMs(): number {
    return this.layout.durationMs;
  }
  get segments(): readonly SegmentRef[] {
    return this.layout.segments;
  }
  get keyframes(): readonly KeyframeRef[] {
    return this.layout.keyframes;
  }
  /** Screen update bytes per second and idle gaps from the index; null for unfinished files. */
  get timeline(): TimelineIndex | null {
    return this.layout.timeline;
  }

  /** Events with fromMs <= t <= toMs, in order (input for activity logs, markers, bitmaps). */
  async *events(fromMs = 0, toMs = Infinity): AsyncGenerator<RasterEvent> {
    const segments = this.layout.segments;
    let first = 0;
    while (first + 1 < segments.length && segments[first + 1]!.tMs < fromMs) first++;
    for (let i = first; i < segments.length && segments[i]!.tMs <= toMs; i++) {
      for (const e of (await this.segmentEvents(i, toMs)).events) {
        if (e.t > toMs) return;
        if (e.t >= fromMs) yield e;
      }
    }
  }

  async markers(): Promise<MarkerRef[]> {
    if (this.layout.markers) return this.layout.markers;
    const markers: MarkerRef[] = [];
    for await (const e of this.events())
      if (e.type === 'marker') markers.push({ tMs: e.t, kind: e.kind, note: e.note });
    return markers;
  }

  /** The screen after every event with t <= ms, rebuilt from the nearest keyframe before it. */
  async stateAt(ms: number): Promise<RasterState> {
    const { screen, pointer, blocked, stats, keyframeMs } = await this.rebuild(ms);
    const { width, height, pixels } = screen;
    return { atMs: ms, width, height, pixels, pointer, blocked, keyframeMs, replay: stats };
  }

  /**
   * The screen at fromMs, fromMs + 1000/fps, … up to toMs, replayed forward (one seek at the start):
   * frames for a video encoder. A frame whose pixels changed has a new array; others repeat the last.
   */
  async *frames(
    fps: number,
    { fromMs = 0, toMs = this.durationMs }: { fromMs?: number; toMs?: number } = {},
  ): AsyncGenerator<RasterFrame> {
    if (!(fps > 0)) throw new RangeError(`frames per second must be positive, got ${fps}`);
    const replay = await this.rebuild(fromMs);
    let pixels = replay.screen.pixels.slice();
    let shown = { pointer: replay.pointer, blocked: replay.blocked };
    for (let index = 0; ; index++) {
      const atMs = fromMs + Math.round((index * 1000) / fps);
      if (atMs > toMs) return;
      replay.redrawn = false;
      if (index > 0) await this.advance(replay, atMs);
      if (replay.redrawn) pixels = replay.screen.pixels.slice();
      const { pointer, blocked } = replay;
      const changed = index === 0 || replay.redrawn || pointer !== shown.pointer || blocked !== shown.blocked;
      shown = { pointer, blocked };
      const { width, height } = replay.screen;
      yield { index, atMs, width, height, pixels, pointer, blocked, changed };
    }
  }

  async close(): Promise<void> {
    await this.decoding.catch(() => undefined);
    this.current?.close();
    this.current = null;
    await this.file.close();
  }

  private async rebuild(ms: number): Promise<Replay & { keyframeMs: number | null }> {
    const { segments, header } = this.layout;
    let keyframe: KeyframeRef | null = null;
    let first = 0;
    for (const k of this.layout.keyframes) {
      if (k.tMs > ms) break;
      const index = segments.findIndex((s) => s.offset === k.pos);
      if (index >= 0) [keyframe, first] = [k, index];
    }
    const replay: Replay = {
      screen: new Framebuffer(header.width, header.height),
      at: { segment: first, event: keyframe?.eventIndex ?? 0 },
      redrawn: false,
      pointer: null,
      blocked: false,
      stats: { ...noUpdates(), events: 0, bitmaps: 0, bitmapBytes: 0 },
    };
    if (keyframe && (await this.loadKeyframe(keyframe, replay))) replay.at = { segment: first + 1, event: 0 };
    await this.advance(replay, ms);
    return { ...replay, keyframeMs: keyframe?.tMs ?? null };
  }

  /** Replays the events after `replay.at` with t <= ms, segment by segment. */
  private async advance(replay: Replay, ms: number): Promise<void> {
    const segments = this.layout.segments;
    const { stats } = replay;
    for (; replay.at.segment < segments.length; replay.at = { segment: replay.at.segment + 1, event: 0 }) {
      if (segments[replay.at.segment]!.tMs > ms) return;
      const { events, complete } = await this.segmentEvents(replay.at.segment, ms);
      const updates: ScreenUpdate[] = [];
      let j = replay.at.event;
      for (; j < events.length && events[j]!.t <= ms; j++) {
        const e = events[j]!;
        stats.events++;
        if (e.type === 'bitmap') {
          updates.push({ type: 'bitmap', rect: e.rect });
          stats.bitmaps++;
          stats.bitmapBytes += e.rect.data.length;
        } else if (e.type === 'resize') {
          updates.push({ type: 'resize', width: e.width, height: e.height });
        } else if (e.type === 'input') {
          if (e.input.kind !== 'key') replay.pointer = { x: e.input.x, y: e.input.y };
        } else if (e.kind === 'block' || e.kind === 'release') {
          replay.blocked = e.kind === 'block';
        }
      }
      const drawn = applyUpdates(replay.screen, updates);
      stats.applied += drawn.applied;
      stats.covered += drawn.covered;
      stats.undecodable += drawn.undecodable;
      stats.pixels += drawn.pixels;
      if (drawn.pixels > 0 || updates.some((u) => u.type === 'resize')) replay.redrawn = true;
      if (j < events.length || !complete) {
        replay.at = { segment: replay.at.segment, event: j };
        return;
      }
    }
  }

  /** Puts the keyframe's screen into `replay`; true when replay goes on with the next segment. */
  private async loadKeyframe(keyframe: KeyframeRef, replay: Replay): Promise<boolean> {
    const head = await readExactly(this.file, keyframe.offset, FRAME_HEADER_BYTES);
    const frame = parseFrameHeader(head, 0, keyframe.offset);
    if (frame?.type !== FrameType.Keyframe) throw new FormatError(`no keyframe at ${keyframe.offset}`);
    const payload = await readExactly(this.file, keyframe.offset + FRAME_HEADER_BYTES, frame.length);
    if (!payloadIsIntact(frame, payload)) throw new FormatError(`corrupt keyframe at ${keyframe.offset}`);
    const prefix = decodeKeyframePrefix(payload);
    const image = decodeKeyframeImage(
      prefix.encoding,
      payload.subarray(KEYFRAME_PREFIX_BYTES),
      prefix.width,
      prefix.height,
    );
    replay.screen.load(prefix.width, prefix.height, image);
    replay.pointer = prefix.pointer;
    replay.blocked = prefix.blocked;
    return prefix.endsSegment;
  }

  /** Without an index, the duration is the time of the last event. */
  private async measureUnindexedDuration(): Promise<void> {
    const last = this.layout.segments[this.layout.segments.length - 1];
    if (this.layout.complete || !last) return;
    for await (const e of this.events(last.tMs))
      this.layout.durationMs = Math.max(this.layout.durationMs, e.t);
  }

  /** Events of segment `index`, decoded at least through the frames that can hold times <= ms. */
  private segmentEvents(
    index: number,
    ms = Infinity,
  ): Promise<{ events: readonly RasterEvent[]; complete: boolean }> {
    const next = this.decoding.then(async () => {
      if (this.current?.index !== index) {
        this.current?.close();
        this.current = null;
        const frames = await readSegmentFrames(this.file, this.layout, index);
        this.current = new SegmentEvents(index, this.layout.segments[index]!, frames);
      }
      const events = await this.current.through(ms);
      return { events, complete: this.current.complete };
    });
    this.decoding = next.catch(() => undefined);
    return next;
  }
}
