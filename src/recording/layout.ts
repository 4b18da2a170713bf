import type { FileHandle } from 'node:fs/promises';
import {
  CHECKPOINT_PREFIX_BYTES,
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
  type RecordingHeader,
  type RecordingIndexData,
  type SegmentRef,
} from './format';
import type { TimelineIndex } from './overview';
import {
  decodeKeyframePrefix,
  isRasterHeader,
  KEYFRAME_PREFIX_BYTES,
  type AnyRecordingHeader,
  type KeyframeRef,
  type RasterIndexData,
  type RasterRecordingHeader,
  SegmentCodec,
} from './raster/rasterFormat';
import { inflateStandalone } from './segmentCodec';

/** Where things are in a recording file. */
export interface Layout<Header extends AnyRecordingHeader = RecordingHeader> {
  header: Header;
  complete: boolean;
  dataEnd: number;
  durationMs: number;
  segments: SegmentRef[];
  checkpoints: CheckpointRef[];
  /** Raster recordings' seek points (none in a terminal recording). */
  keyframes: KeyframeRef[];
  markers: MarkerRef[] | null;
  /** Output per second and idle gaps, from the index of a file written since they were added. */
  timeline: TimelineIndex | null;
}

export function isTerminalLayout(layout: Layout<AnyRecordingHeader>): layout is Layout<RecordingHeader> {
  return !isRasterHeader(layout.header);
}

export function isRasterLayout(layout: Layout<AnyRecordingHeader>): layout is Layout<RasterRecordingHeader> {
  return isRasterHeader(layout.header);
}

const WINDOW_BYTES = 64 * 1024;

export async function readExactly(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new FormatError(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
  return buf;
}

/** The header of a recording file of either kind (the first frame). */
export async function readLayout(file: FileHandle): Promise<Layout<AnyRecordingHeader>> {
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
  const header = JSON.parse(headerPayload.toString('utf8')) as AnyRecordingHeader;
  const firstFrame = start + headerFrame.length;
  return (await readIndexed(file, header, size, firstFrame)) ?? (await scan(file, header, size, firstFrame));
}

/** Layout from the X frame the trailer points at; null if the file was not closed cleanly. */
async function readIndexed(
  file: FileHandle,
  header: AnyRecordingHeader,
  size: number,
  firstFrame: number,
): Promise<Layout<AnyRecordingHeader> | null> {
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
  const json = inflateStandalone(payload).toString('utf8');
  if (isRasterHeader(header)) return rasterIndexed(header, indexOffset, JSON.parse(json) as RasterIndexData);
  const index = JSON.parse(json) as RecordingIndexData;
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
    keyframes: [],
    markers: index.markers.map(([tMs, kind, note]) => ({ tMs, kind, note })),
    timeline:
      index.outputSeconds && index.idleGaps
        ? { outputSeconds: index.outputSeconds, idleGaps: index.idleGaps }
        : null,
  };
}

function rasterIndexed(
  header: RasterRecordingHeader,
  indexOffset: number,
  index: RasterIndexData,
): Layout<RasterRecordingHeader> {
  const keyframes = index.keyframes.map(([offset, pos, eventIndex, tMs, width, height]) => ({
    offset,
    pos,
    eventIndex,
    tMs,
    width,
    height,
  }));
  return {
    header,
    complete: true,
    dataEnd: indexOffset,
    durationMs: index.durationMs,
    segments: index.segments.map(([offset, tMs, codec]) => ({
      offset,
      tMs,
      deflated: codec === SegmentCodec.Deflate,
      brotli: codec === SegmentCodec.Brotli,
    })),
    checkpoints: [],
    keyframes: sortKeyframes(keyframes),
    markers: index.markers.map(([tMs, kind, note]) => ({ tMs, kind, note })),
    timeline: { outputSeconds: index.outputSeconds, idleGaps: index.idleGaps },
  };
}

/** Walks frame headers (reading ahead in windows) up to the last intact frame. */
async function scan(
  file: FileHandle,
  header: AnyRecordingHeader,
  size: number,
  firstFrame: number,
): Promise<Layout<AnyRecordingHeader>> {
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
  const keyframes: KeyframeRef[] = [];
  for (const frame of frames) {
    if (frame.type === FrameType.Events && frame.flags & FrameFlag.SegmentStart) {
      segments.push({
        offset: frame.offset,
        tMs: frame.tMs,
        deflated: (frame.flags & FrameFlag.Deflated) !== 0,
        ...(frame.flags & FrameFlag.Brotli ? { brotli: true } : {}),
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
    } else if (frame.type === FrameType.Keyframe) {
      const prefix = decodeKeyframePrefix(
        await bytesAt(frame.offset + FRAME_HEADER_BYTES, KEYFRAME_PREFIX_BYTES),
      );
      const { pos, eventIndex, width, height } = prefix;
      keyframes.push({ offset: frame.offset, pos, eventIndex, tMs: frame.tMs, width, height });
    }
  }
  const last = frames[frames.length - 1];
  const layout: Layout<AnyRecordingHeader> = {
    header,
    complete: false,
    dataEnd: last ? last.offset + FRAME_HEADER_BYTES + last.length : firstFrame,
    durationMs: 0,
    segments,
    checkpoints: sortCheckpoints(checkpoints),
    keyframes: sortKeyframes(keyframes),
    markers: null,
    timeline: null,
  };
  layout.durationMs = frames.reduce((max, f) => Math.max(max, f.tMs), 0);
  return layout;
}

function sortCheckpoints(checkpoints: CheckpointRef[]): CheckpointRef[] {
  return checkpoints.sort((a, b) => a.tMs - b.tMs || a.pos - b.pos || a.eventIndex - b.eventIndex);
}

function sortKeyframes(keyframes: KeyframeRef[]): KeyframeRef[] {
  return keyframes.sort((a, b) => a.tMs - b.tMs || a.pos - b.pos || a.eventIndex - b.eventIndex);
}

/** The events frames of segment `index` (other frames between them are skipped), CRCs checked. */
export async function readSegmentFrames(
  file: FileHandle,
  layout: Pick<Layout<AnyRecordingHeader>, 'segments' | 'dataEnd'>,
  index: number,
): Promise<{ tMs: number; payload: Buffer }[]> {
  const segment = layout.segments[index]!;
  const end = layout.segments[index + 1]?.offset ?? layout.dataEnd;
  const bytes = await readExactly(file, segment.offset, end - segment.offset);
  const frames: { tMs: number; payload: Buffer }[] = [];
  for (let at = 0; at < bytes.length;) {
    const frame = parseFrameHeader(bytes, at, segment.offset + at);
    if (!frame) throw new FormatError(`bad frame at ${segment.offset + at}`);
    const payload = bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + frame.length);
    if (frame.type === FrameType.Events) {
      if (!payloadIsIntact(frame, payload)) throw new FormatError(`corrupt frame at ${frame.offset}`);
      frames.push({ tMs: frame.tMs, payload });
    }
    at += FRAME_HEADER_BYTES + frame.length;
  }
  return frames;
}
