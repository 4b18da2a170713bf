import { open, type FileHandle } from 'node:fs/promises';
import {
  CHECKPOINT_DICTIONARY_BYTES,
  checkpointDictionary,
  decodeEvents,
  FrameFlag,
  FRAME_HEADER_BYTES,
  type RecordEvent,
} from './format';
import { HeadlessScreen } from './headlessScreen';
import type { ParseBudget } from './parseBudget';
import { SegmentInflater } from './segmentCodec';

/** An events frame that is fully written to the recording file. */
export interface CommittedFrame {
  offset: number;
  length: number;
  flags: number;
  tMs: number;
}

export interface CheckpointSnapshot {
  /** The screen after the first `eventIndex` events of the segment at offset `pos`. */
  pos: number;
  eventIndex: number;
  tMs: number;
  cols: number;
  rows: number;
  screen: string;
  /** Compression dictionary: the newest output before it in its segment. */
  dictionary: Buffer;
}

export interface CheckpointPolicy {
  /** A checkpoint once this much time passed since the last one, if there was output since... */
  everyMs: number;
  /** ...or once this much output was produced since the last one. */
  everyBytes: number;
}

interface OpenSegment {
  offset: number;
  lastMs: number;
  eventIndex: number;
  inflater: SegmentInflater | null;
  outputTail: Buffer[];
  tailBytes: number;
}

const BATCH_BYTES = 128 * 1024;
const GROUP_BYTES = 1024 * 1024;

/**
 * Builds checkpoints behind the writer: it reads each frame back from the file (page cache) once it is
 * written, replays it into a headless terminal under the process-wide parse budget and, when the
 * policy says so, hands the serialized screen to the writer. Reading the file instead of holding output
 * in memory keeps memory flat when it lags behind bulk output; it never skips bytes, so every
 * checkpoint is exact.
 */
export class Checkpointer {
  private readonly screen: HeadlessScreen;
  private readonly queue: CommittedFrame[] = [];
  private segment: OpenSegment | null = null;
  private outputSinceCheckpoint = 0;
  private lastCheckpointMs = 0;
  private lastIncludedMs = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private file: FileHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly path: string,
    cols: number,
    rows: number,
    private readonly policy: CheckpointPolicy,
    private readonly budget: ParseBudget,
    private readonly onCheckpoint: (checkpoint: CheckpointSnapshot) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.screen = new HeadlessScreen(cols, rows);
  }

  frameCommitted(frame: CommittedFrame): void {
    if (this.stopped) return;
    this.queue.push(frame);
    this.kick();
  }

  /** Resolves once every frame written so far is replayed (used by benchmarks and tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
    this.segment?.inflater?.close();
    this.screen.dispose();
    await this.file?.close();
    this.file = null;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.pump()
      .catch((err: unknown) => {
        this.stopped = true;
        this.onError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const first = this.queue.shift()!;
      if (first.flags & FrameFlag.SegmentStart || !this.segment) {
        this.segment?.inflater?.close();
        this.segment = {
          offset: first.offset,
          lastMs: first.tMs,
          eventIndex: 0,
          inflater: first.flags & FrameFlag.Deflated ? new SegmentInflater() : null,
          outputTail: [],
          tailBytes: 0,
        };
      }
      // Everything already queued for this segment is read, inflated and parsed in one go.
      const frames = [first];
      let bytes = first.length;
      while (
        this.queue.length > 0 &&
        !(this.queue[0]!.flags & FrameFlag.SegmentStart) &&
        bytes < GROUP_BYTES
      ) {
        bytes += this.queue[0]!.length;
        frames.push(this.queue.shift()!);
      }
      const segment = this.segment;
      const payloads = await this.readPayloads(frames);
      const plain = segment.inflater ? await segment.inflater.inflate(payloads) : Buffer.concat(payloads);
      const events = decodeEvents(plain, segment.lastMs);
      if (events.length > 0) segment.lastMs = events[events.length - 1]!.t;
      await this.replay(segment, events);
    }
  }

  private async replay(segment: OpenSegment, events: RecordEvent[]): Promise<void> {
    for (const event of events) {
      if (this.stopped) return;
      if (this.due(event.t)) {
        await this.flushBatch();
        // Output is cut anywhere: a checkpoint waits for an event boundary between sequences.
        if (this.screen.betweenSequences()) await this.checkpoint(segment);
      }
      if (event.type === 'o') {
        this.batch.push(event.data);
        this.batchBytes += event.data.length;
        this.outputSinceCheckpoint += event.data.length;
        segment.outputTail.push(event.data);
        segment.tailBytes += event.data.length;
        while (segment.tailBytes - segment.outputTail[0]!.length >= CHECKPOINT_DICTIONARY_BYTES) {
          segment.tailBytes -= segment.outputTail.shift()!.length;
        }
        if (this.batchBytes >= BATCH_BYTES) await this.flushBatch();
      } else if (event.type === 'r') {
        await this.flushBatch();
        this.screen.resize(event.cols, event.rows);
      }
      segment.eventIndex++;
      this.lastIncludedMs = event.t;
    }
    await this.flushBatch();
  }

  private due(nextEventMs: number): boolean {
    if (this.outputSinceCheckpoint === 0) return false;
    return (
      this.outputSinceCheckpoint >= this.policy.everyBytes ||
      nextEventMs - this.lastCheckpointMs >= this.policy.everyMs
    );
  }

  private async checkpoint(segment: OpenSegment): Promise<void> {
    this.outputSinceCheckpoint = 0;
    this.lastCheckpointMs = this.lastIncludedMs;
    const started = performance.now();
    const screen = await this.screen.serializeExact();
    this.budget.spend(performance.now() - started);
    this.onCheckpoint({
      pos: segment.offset,
      eventIndex: segment.eventIndex,
      tMs: this.lastIncludedMs,
      cols: this.screen.cols,
      rows: this.screen.rows,
      screen,
      dictionary: checkpointDictionary(segment.outputTail),
    });
  }

  private async flushBatch(): Promise<void> {
    if (this.batchBytes === 0) return;
    const pieces = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    await this.screen.writeBudgeted(pieces, this.budget, () => this.stopped);
  }

  /** The frames lie in order, maybe with checkpoint frames between them: one read covers them all. */
  private async readPayloads(frames: CommittedFrame[]): Promise<Buffer[]> {
    this.file ??= await open(this.path, 'r');
    const start = frames[0]!.offset;
    const last = frames[frames.length - 1]!;
    const span = Buffer.allocUnsafe(last.offset + FRAME_HEADER_BYTES + last.length - start);
    const { bytesRead } = await this.file.read(span, 0, span.length, start);
    if (bytesRead !== span.length) throw new Error(`short read of frames at ${start}`);
    return frames.map((f) =>
      span.subarray(f.offset - start + FRAME_HEADER_BYTES, f.offset - start + FRAME_HEADER_BYTES + f.length),
    );
  }
}
