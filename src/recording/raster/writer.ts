import { EventEmitter } from 'node:events';
import type { BitmapRect } from '../../shared/rdp/framebuffer';
import {
  encodeFrameHeader,
  FORMAT_VERSION,
  FrameFlag,
  FrameType,
  MAGIC,
  type MarkerKind,
  type MarkerRef,
} from '../format';
import { FrameFile } from '../frameFile';
import { TimelineLog } from '../overview';
import { processParseBudget, type ParseBudget } from '../parseBudget';
import { deflateStandalone } from '../segmentCodec';
import { sha256File } from '../sha256';
import type { FinishedRecording } from '../writer';
import { BrotliSegmentCompressor } from './brotliSegment';
import { Keyframer, type BuiltKeyframe } from './keyframer';
import { DEFAULT_KEYFRAME_POLICY, KeyframePolicy, type KeyframePolicyOptions } from './keyframePolicy';
import {
  encodeRasterEvents,
  RASTER_KIND,
  SegmentCodec,
  type RasterEvent,
  type SegmentCodecCode,
  type RasterIndexData,
  type RasterInput,
  type RasterRecordingHeader,
} from './rasterFormat';
import { recordableInput, recordableRect, u16 } from './recordable';
import type { ScreenUpdate, UpdateStats } from './screenUpdates';

export interface RasterRecordingWriterOptions {
  path: string;
  sessionId: string;
  width: number;
  height: number;
  meta?: Record<string, unknown>;
  startedAt?: Date;
  /** Monotonic clock in milliseconds. */
  now?: () => number;
  /** Pending events are written at least this often (the crash-loss window). */
  flushIntervalMs?: number;
  /** A frame is cut as soon as this much is pending. */
  frameMaxBytes?: number;
  /** A new segment (fresh compression stream) after this much plaintext, and after every keyframe. */
  segmentMaxBytes?: number;
  /** Brotli quality of segments; 0 stores events as they are. */
  compressionLevel?: number;
  /** log2 of the brotli window. */
  compressionWindowBits?: number;
  /** Above this much plaintext waiting for the compressor, frames are stored uncompressed. */
  maxCompressBacklogBytes?: number;
  /** `rect()` returns false above this many unwritten bytes; 'drain' follows. */
  highWaterMark?: number;
  /** When keyframes are taken; false for none (seeks then replay from the start). */
  keyframes?: Partial<KeyframePolicyOptions> | false;
  /** Keyframes stop (the recording goes on) when this many bitmap bytes wait to be decoded. */
  maxKeyframeBacklogBytes?: number;
  budget?: ParseBudget;
  /** Disk or encoding failure; the writer stops recording. */
  onError?: (err: Error) => void;
  /** Keyframes stopped (the recording goes on; seeking past this point replays more). */
  onKeyframeError?: (err: Error) => void;
}

interface OpenSegment {
  offset: number;
  tMs: number;
  codec: SegmentCodecCode;
  lastMs: number;
  plainBytes: number;
  events: number;
  compressor: BrotliSegmentCompressor | null;
}

/**
 * Appends an RDP session to its recording file (format: ./rasterFormat.ts): bitmaps as the target
 * sent them, operator input, screen sizes and markers, cut into frames at least once per
 * `flushIntervalMs` and compressed on the thread pool, with keyframes built behind it.
 */
export class RasterRecordingWriter extends EventEmitter<{ drain: [] }> {
  private readonly file: FrameFile;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly startedAt: string;
  private readonly timer: NodeJS.Timeout;
  private readonly opts: Required<
    Pick<
      RasterRecordingWriterOptions,
      | 'flushIntervalMs'
      | 'frameMaxBytes'
      | 'segmentMaxBytes'
      | 'compressionLevel'
      | 'compressionWindowBits'
      | 'maxCompressBacklogBytes'
      | 'highWaterMark'
      | 'maxKeyframeBacklogBytes'
    >
  >;
  private policy: KeyframePolicy | null;
  private keyframer: Keyframer | null;
  /** A keyframer stopped early, finishing its last keyframe. */
  private keyframerStopping: Promise<void> = Promise.resolve();
  private pending: RasterEvent[] = [];
  private pendingBytes = 0;
  private queuedBytes = 0;
  private compressBacklog = 0;
  private needDrain = false;
  private lastMs = 0;
  private segment: OpenSegment | null = null;
  /** A keyframe was taken after the segment's last frame: the next frame starts a new one. */
  private segmentEnded = false;
  private updates: ScreenUpdate[] = [];
  private pointer: { x: number; y: number } | null = null;
  private blocked = false;
  private readonly segments: { offset: number; tMs: number; codec: SegmentCodecCode }[] = [];
  private readonly keyframeRefs: BuiltKeyframe['ref'][] = [];
  private readonly keyframeOffsets: number[] = [];
  private readonly markers: MarkerRef[] = [];
  private readonly timeline = new TimelineLog();
  private chain: Promise<void> = Promise.resolve();
  private compressing: Promise<unknown> = Promise.resolve();
  private rectTotal = 0;
  private rectBytes = 0;
  private inputTotal = 0;
  private failure: Error | null = null;
  private accepting = true;
  private finishing: Promise<FinishedRecording> | null = null;

  constructor(private readonly options: RasterRecordingWriterOptions) {
    super();
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
    this.startedAt = (options.startedAt ?? new Date()).toISOString();
    this.opts = {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      frameMaxBytes: options.frameMaxBytes ?? 1024 * 1024,
      segmentMaxBytes: options.segmentMaxBytes ?? 16 * 1024 * 1024,
      compressionLevel: options.compressionLevel ?? 6,
      compressionWindowBits: options.compressionWindowBits ?? 24,
      maxCompressBacklogBytes: options.maxCompressBacklogBytes ?? 16 * 1024 * 1024,
      highWaterMark: options.highWaterMark ?? 32 * 1024 * 1024,
      maxKeyframeBacklogBytes: options.maxKeyframeBacklogBytes ?? 256 * 1024 * 1024,
    };
    const header: RasterRecordingHeader = {
      format: 'vigil-recording',
      version: FORMAT_VERSION,
      kind: RASTER_KIND,
      sessionId: options.sessionId,
      startedAt: this.startedAt,
      width: options.width,
      height: options.height,
      ...(options.meta ? { meta: options.meta } : {}),
    };
    const headerJson = Buffer.from(JSON.stringify(header));
    this.file = new FrameFile(
      options.path,
      Buffer.concat([MAGIC, encodeFrameHeader(FrameType.Header, 0, 0, [headerJson]), headerJson]),
    );
    if (options.keyframes === false) {
      this.policy = null;
      this.keyframer = null;
    } else {
      const policy = { ...DEFAULT_KEYFRAME_POLICY, ...options.keyframes };
      this.policy = new KeyframePolicy(policy, options.width, options.height);
      this.keyframer = new Keyframer(
        options.width,
        options.height,
        options.budget ?? processParseBudget,
        (keyframe) => this.appendKeyframe(keyframe),
        (err) => this.stopKeyframes(err),
      );
    }
    this.timer = setInterval(() => this.cutFrame(), this.opts.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * A bitmap rectangle as the target sent it; its data is kept by reference (do not reuse it).
   * Returns false when the caller should pause its source until 'drain'.
   */
  rect(rect: BitmapRect): boolean {
    if (!this.accepting || this.failure) return true;
    const stored = recordableRect(rect);
    const t = this.elapsed();
    this.rectTotal++;
    this.rectBytes += rect.data.length;
    this.timeline.output(t, rect.data.length);
    this.push({ t, type: 'bitmap', rect: stored }, rect.data.length + 16);
    return this.backlog() < this.opts.highWaterMark;
  }

  /** Operator input as the gateway received it (also while blocked and dropped; see markers). */
  input(input: RasterInput): void {
    if (!this.accepting || this.failure) return;
    this.inputTotal++;
    this.push({ t: this.elapsed(), type: 'input', input: recordableInput(input) }, 12);
  }

  resize(width: number, height: number): void {
    if (!this.accepting || this.failure) return;
    const t = this.elapsed();
    this.timeline.visible(t);
    this.push({ t, type: 'resize', width: u16(width), height: u16(height) }, 8);
  }

  marker(kind: MarkerKind, note = ''): void {
    if (!this.accepting || this.failure) return;
    const t = this.elapsed();
    this.markers.push({ tMs: t, kind, note });
    this.push({ t, type: 'marker', kind, note }, note.length + 16);
  }

  /** Milliseconds since the recording started, as stamped on events. */
  elapsed(): number {
    this.lastMs = Math.max(this.lastMs, Math.round(this.now() - this.t0));
    return this.lastMs;
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  /** What building keyframes decoded so far; null without keyframes. */
  get keyframeWork(): Readonly<UpdateStats> | null {
    return this.keyframer?.work ?? null;
  }

  /** Writes everything pending now. */
  async flush(): Promise<void> {
    this.cutFrame();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Resolves once every keyframe due so far is written (benchmarks, tests). */
  async keyframesSettled(): Promise<void> {
    await this.flush();
    await this.keyframer?.settled();
    await this.chain;
  }

  /** Writes what is pending, the index and the trailer, and closes the file. Idempotent. */
  close(): Promise<FinishedRecording> {
    this.finishing ??= this.finish();
    return this.finishing;
  }

  private async finish(): Promise<FinishedRecording> {
    clearInterval(this.timer);
    this.cutFrame();
    this.accepting = false;
    await this.chain;
    // Keyframes already due are written; the screen after the last one needs none.
    await this.keyframer?.settled();
    await this.keyframer?.stop();
    await this.keyframerStopping;
    await this.chain;
    const durationMs = this.elapsed();
    try {
      if (this.failure) throw this.failure;
      this.segment?.compressor?.close();
      const timeline = this.timeline.index(durationMs);
      const index: RasterIndexData = {
        durationMs,
        endedAt: new Date(Date.parse(this.startedAt) + durationMs).toISOString(),
        rectBytes: this.rectBytes,
        rects: this.rectTotal,
        inputEvents: this.inputTotal,
        segments: this.segments.map((s) => [s.offset, s.tMs, s.codec]),
        keyframes: this.keyframeRefs.map((k, i) => [
          this.keyframeOffsets[i]!,
          k.segment.offset,
          k.eventIndex,
          k.tMs,
          k.width,
          k.height,
        ]),
        markers: this.markers.map((m) => [m.tMs, m.kind, m.note]),
        outputSeconds: timeline.outputSeconds,
        idleGaps: timeline.idleGaps,
      };
      const indexPayload = await deflateStandalone(Buffer.from(JSON.stringify(index)));
      const indexOffset = await this.file.append(FrameType.Index, FrameFlag.Deflated, durationMs, [
        indexPayload,
      ]);
      const pointer = Buffer.alloc(8);
      pointer.writeBigUInt64LE(BigInt(indexOffset));
      await this.file.append(FrameType.Trailer, 0, durationMs, [pointer]);
      await this.file.sync();
    } finally {
      this.file.close();
    }
    return {
      path: this.options.path,
      size: this.file.size,
      sha256: await sha256File(this.options.path),
      durationMs,
      checkpoints: this.keyframeRefs.length,
    };
  }

  private push(event: RasterEvent, bytes: number): void {
    // Frames never span more than a flush interval of event time, whatever the timer's luck.
    if (this.pending.length > 0 && event.t - this.pending[0]!.t >= this.opts.flushIntervalMs) this.cutFrame();
    this.pending.push(event);
    this.pendingBytes += bytes;
    this.track(event);
    // A bitmap that reached a replay bound ends its frame, and the keyframe follows it at once.
    if (this.pendingBytes >= this.opts.frameMaxBytes || this.policy?.replayBoundReached()) this.cutFrame();
  }

  /** The state a keyframe taken after the pending events shows. */
  private track(event: RasterEvent): void {
    if (event.type === 'bitmap') {
      if (!this.policy) return;
      this.updates.push({ type: 'bitmap', rect: event.rect });
      this.policy.bitmap(event.rect);
    } else if (event.type === 'resize') {
      if (!this.policy) return;
      this.updates.push({ type: 'resize', width: event.width, height: event.height });
      this.policy.resize(event.width, event.height);
    } else if (event.type === 'input') {
      if (event.input.kind !== 'key') this.pointer = { x: event.input.x, y: event.input.y };
    } else if (event.kind === 'block' || event.kind === 'release') {
      this.blocked = event.kind === 'block';
    }
  }

  private backlog(): number {
    const backlog = this.pendingBytes + this.queuedBytes;
    if (backlog >= this.opts.highWaterMark) this.needDrain = true;
    return backlog;
  }

  private cutFrame(): void {
    if (this.pending.length === 0 || this.failure) return;
    const events = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const t0 = events[0]!.t;
    const lastMs = events[events.length - 1]!.t;
    const compressed =
      this.opts.compressionLevel > 0 && this.compressBacklog <= this.opts.maxCompressBacklogBytes;
    const segment = this.openSegment(t0, compressed);
    const startsSegment = segment.plainBytes === 0;
    const plain = encodeRasterEvents(events, segment.lastMs);
    const plainBytes = plain.reduce((n, piece) => n + piece.length, 0);
    segment.lastMs = lastMs;
    segment.plainBytes += plainBytes;
    segment.events += events.length;
    this.queuedBytes += plainBytes;
    const compressor = segment.compressor;
    const flags = (compressor ? FrameFlag.Brotli : 0) | (startsSegment ? FrameFlag.SegmentStart : 0);
    let payload: Promise<Buffer[]> = Promise.resolve(plain);
    if (compressor) {
      this.compressBacklog += plainBytes;
      const next = this.compressing.then(() => compressor.compress(plain));
      this.compressing = next;
      payload = next;
      payload.then(
        () => (this.compressBacklog -= plainBytes),
        () => undefined, // reported by the write job that awaits it
      );
    }
    this.enqueue(async () => {
      const offset = await this.file.append(FrameType.Events, flags, t0, await payload);
      if (startsSegment) {
        segment.offset = offset;
        this.segments.push({ offset, tMs: segment.tMs, codec: segment.codec });
      }
      this.queuedBytes -= plainBytes;
      if (this.needDrain && this.pendingBytes + this.queuedBytes < this.opts.highWaterMark / 2) {
        this.needDrain = false;
        this.emit('drain');
      }
    });
    if (this.policy?.due(lastMs)) this.requestKeyframe(segment, lastMs);
  }

  private requestKeyframe(segment: OpenSegment, tMs: number): void {
    const keyframer = this.keyframer!;
    if (keyframer.backlogBytes > this.opts.maxKeyframeBacklogBytes) {
      this.stopKeyframes(new Error('keyframes fell behind the screen updates'));
      return;
    }
    const updates = this.updates;
    this.updates = [];
    this.policy!.taken(tMs);
    const { pointer, blocked } = this;
    // A seek then decompresses nothing from before its keyframe.
    this.segmentEnded = true;
    const eventIndex = segment.events;
    keyframer.request({ updates, segment, eventIndex, tMs, pointer, blocked, endsSegment: true });
  }

  private stopKeyframes(err: Error): void {
    const keyframer = this.keyframer;
    if (!keyframer) return;
    this.keyframer = null;
    this.policy = null;
    this.updates = [];
    this.keyframerStopping = keyframer.stop();
    this.options.onKeyframeError?.(err);
  }

  private openSegment(t0: number, compressed: boolean): OpenSegment {
    const current = this.segment;
    const full =
      current !== null &&
      (this.segmentEnded ||
        (current.compressor !== null) !== compressed ||
        current.plainBytes >= this.opts.segmentMaxBytes);
    if (current && !full) return current;
    this.segmentEnded = false;
    const previous = current?.compressor;
    if (previous) this.enqueue(async () => previous.close());
    this.segment = {
      offset: -1,
      tMs: t0,
      codec: compressed ? SegmentCodec.Brotli : SegmentCodec.Stored,
      lastMs: t0,
      plainBytes: 0,
      events: 0,
      compressor: compressed
        ? new BrotliSegmentCompressor({
            quality: this.opts.compressionLevel,
            windowBits: this.opts.compressionWindowBits,
          })
        : null,
    };
    return this.segment;
  }

  private appendKeyframe(keyframe: BuiltKeyframe): void {
    this.enqueue(async () => {
      const offset = await this.file.append(FrameType.Keyframe, 0, keyframe.tMs, keyframe.payload());
      this.keyframeRefs.push(keyframe.ref);
      this.keyframeOffsets.push(offset);
    });
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.failure ? undefined : job()))
      .catch((err: unknown) => this.fail(err));
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    this.failure = err instanceof Error ? err : new Error(String(err));
    clearInterval(this.timer);
    this.options.onError?.(this.failure);
  }
}
