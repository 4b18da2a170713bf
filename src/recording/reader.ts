import { open, type FileHandle } from 'node:fs/promises';
import { readExactly, readLayout, type Layout } from './layout';
import {
  CHECKPOINT_PREFIX_BYTES,
  checkpointDictionary,
  decodeEvents,
  FormatError,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameType,
  parseFrameHeader,
  payloadIsIntact,
  type CheckpointRef,
  type MarkerRef,
  type RecordEvent,
  type RecordingHeader,
  type SegmentRef,
} from './format';
import { HeadlessScreen } from './headlessScreen';
import { decodeSegmentPayloads, inflateStandalone } from './segmentCodec';

export interface ScreenState {
  atMs: number;
  cols: number;
  rows: number;
  /** Serialized screen (escape sequences) to write into a fresh terminal of cols x rows. */
  screen: string;
  lines: string[];
  cursor: { x: number; y: number };
  /** Time of the checkpoint the state was rebuilt from, or null when replayed from the start. */
  checkpointMs: number | null;
  replayedEvents: number;
  replayedBytes: number;
}

const REPLAY_BATCH_BYTES = 1024 * 1024;

/**
 * Reads a recording, finished or not: a cleanly closed file is located through its index; a file
 * still being written or cut short by a crash is scanned frame by frame (headers only) and read up to
 * its last intact frame.
 */
export class RecordingReader {
  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly layout: Layout,
  ) {}

  static async open(path: string): Promise<RecordingReader> {
    const file = await open(path, 'r');
    try {
      const reader = new RecordingReader(file, path, await readLayout(file));
      await reader.measureUnindexedDuration();
      return reader;
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  get header(): RecordingHeader {
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
  get checkpoints(): readonly CheckpointRef[] {
    return this.layout.checkpoints;
  }

  /** Events with fromMs <= t <= toMs, in order; decoding starts at the segment holding fromMs. */
  async *records(fromMs = 0, toMs = Infinity): AsyncGenerator<RecordEvent> {
    const segments = this.layout.segments;
    let first = 0;
    while (first + 1 < segments.length && segments[first + 1]!.tMs < fromMs) first++;
    yield* this.recordsFromSegment(first, fromMs, toMs);
  }

  async markers(): Promise<MarkerRef[]> {
    if (this.layout.markers) return this.layout.markers;
    const markers: MarkerRef[] = [];
    for await (const e of this.records())
      if (e.type === 'm') markers.push({ tMs: e.t, kind: e.kind, note: e.note });
    return markers;
  }

  /** The terminal screen after every event with t <= ms, rebuilt from the nearest checkpoint. */
  async stateAt(ms: number): Promise<ScreenState> {
    const { segments, header } = this.layout;
    let checkpoint: CheckpointRef | null = null;
    let first = 0;
    for (const cp of this.layout.checkpoints) {
      if (cp.tMs > ms) break;
      const index = segments.findIndex((s) => s.offset === cp.pos);
      if (index >= 0) [checkpoint, first] = [cp, index];
    }
    const screen = new HeadlessScreen(checkpoint?.cols ?? header.cols, checkpoint?.rows ?? header.rows);
    try {
      let replayedEvents = 0;
      let replayedBytes = 0;
      let batch: Buffer[] = [];
      let batchBytes = 0;
      const flush = async (): Promise<void> => {
        if (batch.length > 0) await screen.write(Buffer.concat(batch, batchBytes));
        batch = [];
        batchBytes = 0;
      };
      replay: for (let i = first; i < segments.length && segments[i]!.tMs <= ms; i++) {
        let events = await this.segmentEvents(i);
        if (checkpoint && i === first) {
          const before = events.slice(0, checkpoint.eventIndex);
          await screen.write(await this.checkpointScreen(checkpoint, before));
          events = events.slice(checkpoint.eventIndex);
        }
        for (const e of events) {
          if (e.t > ms) break replay;
          replayedEvents++;
          if (e.type === 'o') {
            batch.push(e.data);
            batchBytes += e.data.length;
            replayedBytes += e.data.length;
            if (batchBytes >= REPLAY_BATCH_BYTES) await flush();
          } else if (e.type === 'r') {
            await flush();
            screen.resize(e.cols, e.rows);
          }
        }
      }
      await flush();
      return {
        atMs: ms,
        cols: screen.cols,
        rows: screen.rows,
        screen: screen.serialize(),
        lines: screen.lines(),
        cursor: screen.cursor(),
        checkpointMs: checkpoint?.tMs ?? null,
        replayedEvents,
        replayedBytes,
      };
    } finally {
      screen.dispose();
    }
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  /** Without an index, the duration is the time of the last event. */
  private async measureUnindexedDuration(): Promise<void> {
    const last = this.layout.segments[this.layout.segments.length - 1];
    if (this.layout.complete || !last) return;
    for await (const e of this.records(last.tMs))
      this.layout.durationMs = Math.max(this.layout.durationMs, e.t);
  }

  private async *recordsFromSegment(
    first: number,
    fromMs: number,
    toMs: number,
  ): AsyncGenerator<RecordEvent> {
    const segments = this.layout.segments;
    for (let i = first; i < segments.length; i++) {
      if (segments[i]!.tMs > toMs) return;
      for (const e of await this.segmentEvents(i)) {
        if (e.t > toMs) return;
        if (e.t >= fromMs) yield e;
      }
    }
  }

  private async segmentEvents(index: number): Promise<RecordEvent[]> {
    const segment = this.layout.segments[index]!;
    const end = this.layout.segments[index + 1]?.offset ?? this.layout.dataEnd;
    const bytes = await readExactly(this.file, segment.offset, end - segment.offset);
    const payloads: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const frame = parseFrameHeader(bytes, at, segment.offset + at);
      if (!frame) throw new FormatError(`bad frame at ${segment.offset + at}`);
      const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + frame.length);
      if (frame.type === FrameType.Events) {
        if (!payloadIsIntact(frame, payload)) throw new FormatError(`corrupt frame at ${frame.offset}`);
        payloads.push(payload);
      }
      at += FRAME_HEADER_BYTES + frame.length;
    }
    return decodeEvents(decodeSegmentPayloads(payloads, segment.deflated), segment.tMs);
  }

  /** `before`: the events of its segment that precede it (their output is the dictionary). */
  private async checkpointScreen(cp: CheckpointRef, before: RecordEvent[]): Promise<string> {
    const head = await readExactly(this.file, cp.offset, FRAME_HEADER_BYTES);
    const frame = parseFrameHeader(head, 0, cp.offset);
    if (!frame || frame.type !== FrameType.Checkpoint) throw new FormatError(`no checkpoint at ${cp.offset}`);
    const payload = await readExactly(this.file, cp.offset + FRAME_HEADER_BYTES, frame.length);
    if (!payloadIsIntact(frame, payload)) throw new FormatError(`corrupt checkpoint at ${cp.offset}`);
    const dictionary =
      frame.flags & FrameFlag.OutputDictionary
        ? checkpointDictionary(before.flatMap((e) => (e.type === 'o' ? [e.data] : [])))
        : undefined;
    return inflateStandalone(payload.subarray(CHECKPOINT_PREFIX_BYTES), dictionary).toString('utf8');
  }
}
