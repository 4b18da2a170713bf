import { open, type FileHandle } from 'node:fs/promises';
import {
  CHECKPOINT_PREFIX_BYTES,
  checkpointDictionary,
  decodeEvents,
  FormatError,
  FRAME_HEADER_BYTES,
  FrameFlag,
  FrameType,
  MAGIC,
  parseFrameHeader,
  payloadIsIntact,
  TRAILER_BYTES,
  type CheckpointRef,
  type FrameHeader,
  type MarkerRef,
  type RecordEvent,
  type RecordingHeader,
  type RecordingIndexData,
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

interface Layout {
  header: RecordingHeader;
  complete: boolean;
  dataEnd: number;
  durationMs: number;
  segments: SegmentRef[];
  checkpoints: CheckpointRef[];
  markers: MarkerRef[] | null;
}

const WINDOW_BYTES = 64 * 1024;
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

async function readExactly(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new FormatError(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

async function readLayout(file: FileHandle): Promise<Layout> {
  const { size } = await file.stat();
  const start = MAGIC.length + FRAME_HEADER_BYTES;
  if (size < start) throw new FormatError('not a Vigil recording (too short)');
  const head = await readExactly(file, 0, start);
  if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new FormatError('not a Vigil recording');
  const headerFrame = parseFrameHeader(head, MAGIC.length, MAGIC.length);
  if (headerFrame?.type !== FrameType.Header || start + headerFrame.length > size) {
    throw new FormatError('recording header missing or torn');
  }
  const headerPayload = await readExactly(file, start, headerFrame.length);
  if (!payloadIsIntact(headerFrame, headerPayload)) throw new FormatError('recording header corrupt');
  const header = JSON.parse(headerPayload.toString('utf8')) as RecordingHeader;
  const firstFrame = start + headerFrame.length;
  return (await readIndexed(file, header, size, firstFrame)) ?? (await scan(file, header, size, firstFrame));
}

/** Layout from the X frame the trailer points at; null if the file was not closed cleanly. */
async function readIndexed(file: FileHandle, header: RecordingHeader, size: number, firstFrame: number) {
  if (size < firstFrame + TRAILER_BYTES) return null;
  const tail = await readExactly(file, size - TRAILER_BYTES, TRAILER_BYTES);
  const trailer = parseFrameHeader(tail, 0, size - TRAILER_BYTES);
  const pointer = tail.subarray(FRAME_HEADER_BYTES);
  if (trailer?.type !== FrameType.Trailer || !payloadIsIntact(trailer, pointer)) return null;
  const indexOffset = Number(pointer.readBigUInt64LE(0));
  if (indexOffset < firstFrame || indexOffset + FRAME_HEADER_BYTES > trailer.offset) return null;
  const indexHead = parseFrameHeader(
    await readExactly(file, indexOffset, FRAME_HEADER_BYTES),
    0,
    indexOffset,
  );
  if (indexHead?.type !== FrameType.Index) return null;
  const payload = await readExactly(file, indexOffset + FRAME_HEADER_BYTES, indexHead.length);
  if (!payloadIsIntact(indexHead, payload)) return null;
  const index = JSON.parse(inflateStandalone(payload).toString('utf8')) as RecordingIndexData;
  const checkpoints = index.checkpoints.map(([offset, pos, eventIndex, tMs, cols, rows]) => ({
    offset,
    pos,
    eventIndex,
    tMs,
    cols,
    rows,
  }));
  return {
    header,
    complete: true,
    dataEnd: indexOffset,
    durationMs: index.durationMs,
    segments: index.segments.map(([offset, tMs, deflated]) => ({ offset, tMs, deflated: deflated === 1 })),
    checkpoints: sortCheckpoints(checkpoints),
    markers: index.markers.map(([tMs, kind, note]) => ({ tMs, kind, note })),
  } satisfies Layout;
}

/** Walks frame headers (reading ahead in windows) up to the last intact frame. */
async function scan(
  file: FileHandle,
  header: RecordingHeader,
  size: number,
  firstFrame: number,
): Promise<Layout> {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = 0;
  const bytesAt = async (position: number, length: number): Promise<Buffer> => {
    if (position < windowStart || position + length > windowStart + window.length) {
      windowStart = position;
      window = await readExactly(file, position, Math.max(length, Math.min(WINDOW_BYTES, size - position)));
    }
    return window.subarray(position - windowStart, position - windowStart + length);
  };
  const frames: FrameHeader[] = [];
  for (let at = firstFrame; at + FRAME_HEADER_BYTES <= size;) {
    const frame = parseFrameHeader(await bytesAt(at, FRAME_HEADER_BYTES), 0, at);
    const end = at + FRAME_HEADER_BYTES + (frame?.length ?? 0);
    if (!frame || end > size || frame.type === FrameType.Header) break;
    if (frame.type === FrameType.Index || frame.type === FrameType.Trailer) break;
    frames.push(frame);
    at = end;
  }
  // Only the last frame can be torn by a crash; a short one was already left out above.
  while (frames.length > 0) {
    const last = frames[frames.length - 1]!;
    const payload = await readExactly(file, last.offset + FRAME_HEADER_BYTES, last.length);
    if (payloadIsIntact(last, payload)) break;
    frames.pop();
  }
  const segments: SegmentRef[] = [];
  const checkpoints: CheckpointRef[] = [];
  for (const frame of frames) {
    if (frame.type === FrameType.Events && frame.flags & FrameFlag.SegmentStart) {
      segments.push({
        offset: frame.offset,
        tMs: frame.tMs,
        deflated: (frame.flags & FrameFlag.Deflated) !== 0,
      });
    } else if (frame.type === FrameType.Checkpoint) {
      const prefix = await bytesAt(frame.offset + FRAME_HEADER_BYTES, CHECKPOINT_PREFIX_BYTES);
      checkpoints.push({
        offset: frame.offset,
        pos: Number(prefix.readBigUInt64LE(0)),
        eventIndex: prefix.readUInt32LE(8),
        tMs: frame.tMs,
        cols: prefix.readUInt16LE(12),
        rows: prefix.readUInt16LE(14),
      });
    }
  }
  const last = frames[frames.length - 1];
  const layout: Layout = {
    header,
    complete: false,
    dataEnd: last ? last.offset + FRAME_HEADER_BYTES + last.length : firstFrame,
    durationMs: 0,
    segments,
    checkpoints: sortCheckpoints(checkpoints),
    markers: null,
  };
  layout.durationMs = frames.reduce((max, f) => Math.max(max, f.tMs), 0);
  return layout;
}

function sortCheckpoints(checkpoints: CheckpointRef[]): CheckpointRef[] {
  return checkpoints.sort((a, b) => a.tMs - b.tMs || a.pos - b.pos || a.eventIndex - b.eventIndex);
}
