import { open, type FileHandle } from 'node:fs/promises';
import { isTerminalLayout, readExactly, readLayout, type Layout } from './layout';
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
import type { TimelineIndex } from './overview';
import { decodeSegmentPayloads, decodeSegmentPayloadsAsync, inflateStandalone } from './segmentCodec';

export interface ScreenState {
  atMs: number;
  cols: number;
  rows: number;
  /** Serialized screen (escape sequences) to write into a fresh terminal of cols x rows. */
  screen: string;
  lines: string[];
  cursor: { x: number; y: number };
  /**
   * Null when the screen ends between sequences. Otherwise the screen includes the rest of a
   * sequence cut by `atMs`, parsed from later output: play the output from here (event, byte),
   * not from atMs, or that rest would be shown as text.
   */
  resume: (EventPosition & { offset: number }) | null;
  /** Time of the checkpoint the state was rebuilt from, or null when replayed from the start. */
  checkpointMs: number | null;
  replayedEvents: number;
  replayedBytes: number;
}

const REPLAY_BATCH_BYTES = 1024 * 1024;
/** A sequence still open after this much more output is not one a terminal would wait for. */
const SEQUENCE_LIMIT_BYTES = 4096;

/**
 * Reads a recording, finished or not: a cleanly closed file is located through its index; a file
 * still being written or cut short by a crash is scanned frame by frame (headers only) and read up to
 * its last intact frame.
 */
export interface EventPosition {
  segment: number;
  event: number;
}
export interface PositionedEvent extends EventPosition {
  e: RecordEvent;
}

export class RecordingReader {
  /** The last decoded segment: a player seeking back and forth, or paging events, reuses it. */
  private decoded: { index: number; events: RecordEvent[] } | null = null;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
    private readonly layout: Layout,
  ) {}

  static async open(path: string): Promise<RecordingReader> {
    const file = await open(path, 'r');
    try {
      const layout = await readLayout(file);
      if (!isTerminalLayout(layout)) {
        throw new FormatError('a raster (RDP) recording: read it with RasterRecordingReader');
      }
      const reader = new RecordingReader(file, path, layout);
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
  /** Output per second and idle gaps from the index; null for unfinished or older files. */
  get timeline(): TimelineIndex | null {
    return this.layout.timeline;
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
      const flush = (): void => {
        if (batch.length > 0) screen.parse(Buffer.concat(batch, batchBytes));
        batch = [];
        batchBytes = 0;
      };
      // Where replay stopped: the first event after ms.
      let stop: EventPosition = { segment: segments.length, event: 0 };
      replay: for (let i = first; i < segments.length; i++) {
        if (segments[i]!.tMs > ms) {
          stop = { segment: i, event: 0 };
          break;
        }
        const events = await this.segmentEvents(i);
        let j = 0;
        if (checkpoint && i === first) {
          const before = events.slice(0, checkpoint.eventIndex);
          screen.parse(await this.checkpointScreen(checkpoint, before));
          j = checkpoint.eventIndex;
        }
        for (; j < events.length; j++) {
          const e = events[j]!;
          if (e.t > ms) {
            stop = { segment: i, event: j };
            break replay;
          }
          replayedEvents++;
          if (e.type === 'o') {
            batch.push(e.data);
            batchBytes += e.data.length;
            replayedBytes += e.data.length;
            if (batchBytes >= REPLAY_BATCH_BYTES) flush();
          } else if (e.type === 'r') {
            flush();
            screen.resize(e.cols, e.rows);
          }
        }
      }
      flush();
      const resume = screen.betweenSequences() ? null : await this.finishSequence(screen, stop);
      return {
        atMs: ms,
        cols: screen.cols,
        rows: screen.rows,
        screen: await screen.serializeExact(),
        resume,
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

  /**
   * Output is cut anywhere, so the screen at a time can end inside an escape sequence (or a UTF-8
   * character), which no serialized screen can carry. The rest of it is parsed from the events
   * after `from`, byte by byte, up to a resize or SEQUENCE_LIMIT_BYTES; returns where that left
   * off: the output to play after the screen.
   */
  private async finishSequence(
    screen: HeadlessScreen,
    from: EventPosition,
  ): Promise<EventPosition & { offset: number }> {
    let parsed = 0;
    for await (const { segment, event, e } of this.eventsFrom(from)) {
      if (e.type === 'r') return { segment, event, offset: 0 };
      if (e.type !== 'o') continue;
      for (let k = 0; k < e.data.length; k++) {
        if (parsed++ >= SEQUENCE_LIMIT_BYTES) return { segment, event, offset: k };
        screen.parse(e.data.subarray(k, k + 1));
        if (!screen.betweenSequences()) continue;
        return k + 1 < e.data.length
          ? { segment, event, offset: k + 1 }
          : { segment, event: event + 1, offset: 0 };
      }
    }
    return { segment: this.layout.segments.length, event: 0, offset: 0 };
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

  /** Where event `event` of segment `segment` is; `{segment: segments.length, event: 0}` is the end. */
  async *eventsFrom(start: EventPosition, toMs = Infinity): AsyncGenerator<PositionedEvent> {
    const segments = this.layout.segments;
    for (let segment = start.segment; segment < segments.length; segment++) {
      if (segments[segment]!.tMs > toMs) return;
      const events = await this.segmentEvents(segment);
      for (let event = segment === start.segment ? start.event : 0; event < events.length; event++) {
        const e = events[event]!;
        if (e.t > toMs) return;
        yield { segment, event, e };
      }
    }
  }

  /** The index of the first segment that can hold an event later than `ms`. */
  segmentAfter(ms: number): number {
    const segments = this.layout.segments;
    let first = 0;
    while (first + 1 < segments.length && segments[first + 1]!.tMs <= ms) first++;
    return first;
  }

  /**
   * Each segment's plaintext (encoded events) and the time its event times chain from, in order.
   * Up to `ahead` segments are read and inflated at once on the thread pool: a whole-file pass
   * (a player's overview) takes a fraction of the time and leaves the event loop free.
   */
  async *segmentPlaintexts(ahead = 4): AsyncGenerator<{ tMs: number; plain: Buffer }> {
    const segments = this.layout.segments;
    const pending: Promise<Buffer>[] = [];
    let next = 0;
    const fill = () => {
      while (next < segments.length && pending.length < ahead) {
        const plain = this.segmentPlain(next++, decodeSegmentPayloadsAsync);
        plain.catch(() => undefined); // awaited in order below; a failure surfaces there
        pending.push(plain);
      }
    };
    for (let i = 0; i < segments.length; i++) {
      fill();
      const plain = await pending.shift()!;
      yield { tMs: segments[i]!.tMs, plain };
    }
  }

  private async segmentEvents(index: number): Promise<RecordEvent[]> {
    const cached = this.decoded;
    if (cached?.index === index) return cached.events;
    const events = decodeEvents(await this.segmentPlain(index), this.layout.segments[index]!.tMs);
    this.decoded = { index, events };
    return events;
  }

  private async segmentPlain(
    index: number,
    decode: (payloads: Buffer[], deflated: boolean) => Buffer | Promise<Buffer> = decodeSegmentPayloads,
  ): Promise<Buffer> {
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
    return decode(payloads, segment.deflated);
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
