import { EventEmitter } from 'node:events';
import { Checkpointer, type CheckpointSnapshot } from './checkpointer';
import { FrameFile } from './frameFile';
import {
  CHECKPOINT_PREFIX_BYTES,
  FRAME_HEADER_BYTES,
  encodeEvents,
  encodeFrameHeader,
  FORMAT_VERSION,
  FrameFlag,
  FrameType,
  MAGIC,
  type CheckpointRef,
  type MarkerKind,
  type MarkerRef,
  type RecordEvent,
  type RecordingHeader,
  type RecordingIndexData,
  type SegmentRef,
} from './format';
import { TimelineLog } from './overview';
import { processParseBudget, type ParseBudget } from './parseBudget';
import { deflateStandalone, looksIncompressible, SegmentDeflater } from './segmentCodec';
import { sha256File } from './sha256';

/** A frame this large was cut by size, not by the timer: output is streaming in bulk. */
const BULK_FRAME_BYTES = 64 * 1024;

export interface RecordingWriterOptions {
  path: string;
  sessionId: string;
  cols?: number;
  rows?: number;
  term?: string;
  /** False for `ssh host command` without a terminal. */
  pty?: boolean;
  meta?: Record<string, unknown>;
  startedAt?: Date;
  /** Monotonic clock in milliseconds. */
  now?: () => number;
  /** Pending events are written at least this often (the crash-loss window). */
  flushIntervalMs?: number;
  /** A frame is cut as soon as this much is pending (bulk output); big frames mean few zlib/fs calls. */
  frameMaxBytes?: number;
  /** A new segment (fresh compression stream) starts after this much plaintext: a seek inflates at most this. */
  segmentMaxBytes?: number;
  /** A checkpoint once this long passed since the last one and there was output since... */
  checkpointEveryMs?: number;
  /** ...or once this much output was produced since the last one: a seek replays at most this. */
  checkpointEveryBytes?: number;
  /** zlib level for interactive output; 0 stores events as they are. */
  compressionLevel?: number;
  /** zlib level for segments opened by bulk output (a frame cut by size): half the CPU of level 6. */
  bulkCompressionLevel?: number;
  /** `output()` returns false above this many unwritten bytes; 'drain' follows. */
  highWaterMark?: number;
  /** Above this much plaintext waiting for the compressor, frames are stored uncompressed. */
  maxCompressBacklogBytes?: number;
  /** Build checkpoints (terminal screens) so players can seek; on by default. */
  checkpoints?: boolean;
  budget?: ParseBudget;
  /** Disk or encoding failure; the writer stops recording. */
  onError?: (err: Error) => void;
  /** Checkpoints stopped (the recording goes on; seeking past this point replays more). */
  onCheckpointError?: (err: Error) => void;
}

export interface FinishedRecording {
  path: string;
  size: number;
  sha256: string;
  durationMs: number;
  checkpoints: number;
}

interface OpenSegment extends SegmentRef {
  lastMs: number;
  plainBytes: number;
  deflater: SegmentDeflater | null;
}

/**
 * Appends one session to its recording file (format: ./format.ts). The hot path (`output`, `input`)
 * only queues references; a timer cuts them into frames at least once per `flushIntervalMs`,
 * compression runs on the thread pool and writes go out in order. Terminal emulation for checkpoints
 * happens in the Checkpointer, behind the writer, under a CPU budget.
 */
export class RecordingWriter extends EventEmitter<{ drain: [] }> {
  private readonly file: FrameFile;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly startedAt: string;
  private readonly timer: NodeJS.Timeout;
  private readonly flushIntervalMs: number;
  private readonly checkpointer: Checkpointer | null;
  private readonly opts: Required<
    Pick<
      RecordingWriterOptions,
      | 'frameMaxBytes'
      | 'segmentMaxBytes'
      | 'compressionLevel'
      | 'bulkCompressionLevel'
      | 'highWaterMark'
      | 'maxCompressBacklogBytes'
    >
  >;
  private pending: RecordEvent[] = [];
  private pendingBytes = 0;
  private queuedBytes = 0;
  private compressBacklog = 0;
  private needDrain = false;
  private lastMs = 0;
  private segment: OpenSegment | null = null;
  private readonly segments: SegmentRef[] = [];
  private readonly checkpointRefs: CheckpointRef[] = [];
  private readonly markers: MarkerRef[] = [];
  private readonly timeline = new TimelineLog();
  private chain: Promise<void> = Promise.resolve();
  private compressing: Promise<unknown> = Promise.resolve();
  private outputTotal = 0;
  private inputTotal = 0;
  private failure: Error | null = null;
  private accepting = true;
  private finishing: Promise<FinishedRecording> | null = null;

  constructor(private readonly options: RecordingWriterOptions) {
    super();
    this.now = options.now ?? (() => performance.now());
    this.t0 = this.now();
    this.startedAt = (options.startedAt ?? new Date()).toISOString();
    this.opts = {
      frameMaxBytes: options.frameMaxBytes ?? 1024 * 1024,
      segmentMaxBytes: options.segmentMaxBytes ?? 1024 * 1024,
      compressionLevel: options.compressionLevel ?? 6,
      bulkCompressionLevel: options.bulkCompressionLevel ?? 1,
      highWaterMark: options.highWaterMark ?? 16 * 1024 * 1024,
      maxCompressBacklogBytes: options.maxCompressBacklogBytes ?? 2 * 1024 * 1024,
    };
    const header: RecordingHeader = {
      format: 'vigil-recording',
      version: FORMAT_VERSION,
      sessionId: options.sessionId,
      startedAt: this.startedAt,
      cols: options.cols ?? 80,
      rows: options.rows ?? 24,
      term: options.term ?? 'xterm-256color',
      pty: options.pty ?? true,
      ...(options.meta ? { meta: options.meta } : {}),
    };
    const headerJson = Buffer.from(JSON.stringify(header));
    this.file = new FrameFile(
      options.path,
      Buffer.concat([MAGIC, encodeFrameHeader(FrameType.Header, 0, 0, [headerJson]), headerJson]),
    );
    this.checkpointer =
      options.checkpoints === false
        ? null
        : new Checkpointer(
            options.path,
            header.cols,
            header.rows,
            {
              everyMs: options.checkpointEveryMs ?? 60_000,
              everyBytes: options.checkpointEveryBytes ?? 1024 * 1024,
            },
            options.budget ?? processParseBudget,
            (cp) => this.appendCheckpoint(cp),
            (err) => options.onCheckpointError?.(err),
          );
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.timer = setInterval(() => this.cutFrame(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Target output. Returns false when the caller should pause its source until 'drain'. */
  output(data: Buffer): boolean {
    this.outputTotal += data.length;
    this.push({ t: this.elapsed(), type: 'o', data }, data.length);
    return this.backlog() < this.opts.highWaterMark;
  }

  /** Operator input as the gateway received it (also when blocked and dropped; see markers). */
  input(data: Buffer): void {
    this.inputTotal += data.length;
    this.push({ t: this.elapsed(), type: 'i', data }, data.length);
  }

  resize(cols: number, rows: number): void {
    this.push({ t: this.elapsed(), type: 'r', cols, rows }, 8);
  }

  marker(kind: MarkerKind, note = ''): void {
    if (!this.accepting || this.failure) return;
    const t = this.elapsed();
    this.markers.push({ tMs: t, kind, note });
    this.push({ t, type: 'm', kind, note }, note.length + 16);
  }

  /** Milliseconds since the recording started, as stamped on events. */
  elapsed(): number {
    this.lastMs = Math.max(this.lastMs, Math.round(this.now() - this.t0));
    return this.lastMs;
  }

  get bytesWritten(): number {
    return this.file.size;
  }

  /** Writes everything pending now. */
  async flush(): Promise<void> {
    this.cutFrame();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  /** Resolves once the checkpointer has replayed everything written so far (benchmarks, tests). */
  async checkpointsSettled(): Promise<void> {
    await this.flush();
    await this.checkpointer?.settled();
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
    await this.checkpointer?.stop();
    await this.chain;
    const durationMs = this.elapsed();
    try {
      if (this.failure) throw this.failure;
      this.segment?.deflater?.close();
      const index: RecordingIndexData = {
        durationMs,
        endedAt: new Date(Date.parse(this.startedAt) + durationMs).toISOString(),
        outputBytes: this.outputTotal,
        inputBytes: this.inputTotal,
        segments: this.segments.map((s) => [s.offset, s.tMs, s.deflated ? 1 : 0]),
        checkpoints: this.checkpointRefs.map((c) => [c.offset, c.pos, c.eventIndex, c.tMs, c.cols, c.rows]),
        markers: this.markers.map((m) => [m.tMs, m.kind, m.note]),
        ...this.timeline.index(durationMs),
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
      // Hashed from the disk once complete: off the output path, and it seals what was really written.
      sha256: await sha256File(this.options.path),
      durationMs,
      checkpoints: this.checkpointRefs.length,
    };
  }

  private push(event: RecordEvent, bytes: number): void {
    if (!this.accepting || this.failure) return;
    if (event.type === 'o') this.timeline.output(event.t, event.data.length);
    else if (event.type === 'r') this.timeline.visible(event.t);
    // Frames never span more than a flush interval of event time, whatever the timer's luck.
    if (this.pending.length > 0 && event.t - this.pending[0]!.t >= this.flushIntervalMs) this.cutFrame();
    this.pending.push(event);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= this.opts.frameMaxBytes) this.cutFrame();
  }

  private backlog(): number {
    const backlog = this.pendingBytes + this.queuedBytes;
    if (backlog >= this.opts.highWaterMark) this.needDrain = true;
    return backlog;
  }

  private cutFrame(): void {
    if (this.pending.length === 0 || this.failure) return;
    const events = this.pending;
    const pendingBytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const t0 = events[0]!.t;
    let largest: Buffer | null = null;
    for (const e of events)
      if (e.type === 'o' && (!largest || e.data.length > largest.length)) largest = e.data;
    const deflated =
      this.opts.compressionLevel > 0 &&
      this.compressBacklog <= this.opts.maxCompressBacklogBytes &&
      !(largest && looksIncompressible(largest));
    const segment = this.openSegment(t0, deflated, pendingBytes >= BULK_FRAME_BYTES);
    const startsSegment = segment.plainBytes === 0;
    const plain = encodeEvents(events, segment.lastMs);
    const plainBytes = plain.reduce((n, piece) => n + piece.length, 0);
    segment.lastMs = events[events.length - 1]!.t;
    segment.plainBytes += plainBytes;
    this.queuedBytes += plainBytes;
    if (deflated) this.compressBacklog += plainBytes;
    const deflater = segment.deflater;
    const flags = (deflated ? FrameFlag.Deflated : 0) | (startsSegment ? FrameFlag.SegmentStart : 0);
    // Compression of the next frames runs while earlier ones are being written (both in order).
    let compressed: Promise<Buffer[]> = Promise.resolve(plain);
    if (deflater) {
      const next = this.compressing.then(() => deflater.compress(plain));
      this.compressing = next;
      compressed = next;
      compressed.then(
        () => (this.compressBacklog -= plainBytes),
        () => undefined, // reported by the write job that awaits it
      );
    }
    this.enqueue(async () => {
      const payload = await compressed;
      const offset = await this.file.append(FrameType.Events, flags, t0, payload);
      if (startsSegment) this.segments.push({ offset, tMs: t0, deflated });
      this.queuedBytes -= plainBytes;
      if (this.needDrain && this.pendingBytes + this.queuedBytes < this.opts.highWaterMark / 2) {
        this.needDrain = false;
        this.emit('drain');
      }
      const length = this.file.size - offset - FRAME_HEADER_BYTES;
      this.checkpointer?.frameCommitted({ offset, length, flags, tMs: t0 });
    });
  }

  private openSegment(t0: number, deflated: boolean, bulk: boolean): OpenSegment {
    const current = this.segment;
    const full =
      current !== null && (current.deflated !== deflated || current.plainBytes >= this.opts.segmentMaxBytes);
    if (current && !full) return current;
    const previous = current?.deflater;
    if (previous) this.enqueue(async () => previous.close());
    this.segment = {
      offset: -1,
      tMs: t0,
      deflated,
      lastMs: t0,
      plainBytes: 0,
      deflater: deflated
        ? new SegmentDeflater(bulk ? this.opts.bulkCompressionLevel : this.opts.compressionLevel)
        : null,
    };
    return this.segment;
  }

  private appendCheckpoint(cp: CheckpointSnapshot): void {
    const prefix = Buffer.allocUnsafe(CHECKPOINT_PREFIX_BYTES);
    prefix.writeBigUInt64LE(BigInt(cp.pos), 0);
    prefix.writeUInt32LE(cp.eventIndex, 8);
    prefix.writeUInt16LE(cp.cols, 12);
    prefix.writeUInt16LE(cp.rows, 14);
    const screen = deflateStandalone(Buffer.from(cp.screen, 'utf8'), cp.dictionary);
    screen.catch(() => undefined); // awaited, and its failure reported, in order below
    this.enqueue(async () => {
      const flags = FrameFlag.Deflated | FrameFlag.OutputDictionary;
      const offset = await this.file.append(FrameType.Checkpoint, flags, cp.tMs, [prefix, await screen]);
      const { pos, eventIndex, tMs, cols, rows } = cp;
      this.checkpointRefs.push({ offset, pos, eventIndex, tMs, cols, rows });
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
