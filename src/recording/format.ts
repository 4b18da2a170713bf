/**
 * Vigil session recording format, version 1 (full description: docs/recording-format.md).
 *
 *   file    := MAGIC frame*
 *   MAGIC   := "VIGILREC" (8 bytes)
 *   frame   := type:u8 flags:u8 length:u32le tMs:u32le crc32:u32le payload[length]   (14-byte header)
 *
 * Frame types: H header (JSON, always first), B events, C checkpoint, X index and T trailer (last two
 * frames of a cleanly closed file; T points at X). `tMs` is milliseconds since the header's startedAt.
 *
 * B frames form segments (flag SegmentStart opens one), at most ~1 MiB of plaintext each. A deflated
 * segment is one raw-deflate stream and each B frame one Z_SYNC_FLUSH piece of it, stored without the
 * constant 00 00 ff ff tail (as in RFC 7692): compression keeps its context across frames, frames are
 * written as soon as they exist, and a segment decodes without anything before it.
 * Segment plaintext is events: kind:u8 dt:varint, then o/i/m: len:varint bytes; r: cols rows.
 * `dt` chains from the tMs of the segment's first frame.
 *
 * A C frame holds the serialized terminal screen after the first `eventIndex` events of the segment at
 * offset `pos`, deflated with the last 32 KiB of output before it in that segment as dictionary; a
 * seek inflates one segment and replays from there. A torn last frame (short or bad CRC) is ignored.
 */
import { crc32 } from 'node:zlib';

export const MAGIC = Buffer.from('VIGILREC', 'latin1');
export const FORMAT_VERSION = 1;
export const FRAME_HEADER_BYTES = 14;
export const TRAILER_PAYLOAD_BYTES = 8;
export const TRAILER_BYTES = FRAME_HEADER_BYTES + TRAILER_PAYLOAD_BYTES;
/** Checkpoint payload prefix: pos:u64 eventIndex:u32 cols:u16 rows:u16, then the deflated screen. */
export const CHECKPOINT_PREFIX_BYTES = 16;

export const FrameType = {
  Header: 0x48, // 'H'
  Events: 0x42, // 'B'
  Checkpoint: 0x43, // 'C'
  /** Raster recordings' seek point: the whole screen (raster/rasterFormat.ts). */
  Keyframe: 0x4b, // 'K'
  Index: 0x58, // 'X'
  Trailer: 0x54, // 'T'
} as const;
export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];
const FRAME_TYPES = new Set<number>(Object.values(FrameType));

export const FrameFlag = {
  Deflated: 1,
  /** B: opens a segment (fresh deflate stream; its tMs is the base of the event times). */
  SegmentStart: 2,
  /** C: the screen is deflated with `checkpointDictionary()` of the output before it in its segment. */
  OutputDictionary: 4,
  /** B (raster recordings): the segment is one brotli stream, each frame a flushed piece of it. */
  Brotli: 8,
} as const;

/** Checkpoint dictionary: the newest output before it in its segment (the screen is mostly that text). */
export const CHECKPOINT_DICTIONARY_BYTES = 32 * 1024;
export function checkpointDictionary(outputTail: readonly Buffer[]): Buffer {
  return Buffer.concat(outputTail).subarray(-CHECKPOINT_DICTIONARY_BYTES);
}

export const EventKind = { Output: 0x6f, Input: 0x69, Resize: 0x72, Marker: 0x6d } as const; // o i r m

export type MarkerKind = 'block' | 'release' | 'drop' | 'notice' | 'command' | 'error' | 'policy';

export type RecordEvent =
  | { t: number; type: 'o' | 'i'; data: Buffer }
  | { t: number; type: 'r'; cols: number; rows: number }
  | { t: number; type: 'm'; kind: MarkerKind; note: string };

export interface RecordingHeader {
  format: 'vigil-recording';
  version: number;
  sessionId: string;
  /** ISO-8601 UTC wall time of tMs = 0. */
  startedAt: string;
  cols: number;
  rows: number;
  term: string;
  pty: boolean;
  meta?: Record<string, unknown>;
}

export interface FrameHeader {
  offset: number;
  type: FrameTypeCode;
  flags: number;
  length: number;
  tMs: number;
  crc: number;
}

export interface SegmentRef {
  offset: number;
  tMs: number;
  deflated: boolean;
  /** A brotli segment (raster recordings). */
  brotli?: boolean;
}
export interface CheckpointRef {
  /** Offset of the C frame. */
  offset: number;
  /** The screen is the state after the first `eventIndex` events of the segment at offset `pos`. */
  pos: number;
  eventIndex: number;
  /** Time of the last event included (the checkpoint serves any time from here on). */
  tMs: number;
  cols: number;
  rows: number;
}
export interface MarkerRef {
  tMs: number;
  kind: MarkerKind;
  note: string;
}
/** Payload of the X frame written on close. */
export interface RecordingIndexData {
  durationMs: number;
  endedAt: string;
  outputBytes: number;
  inputBytes: number;
  segments: [offset: number, tMs: number, deflated: 0 | 1][];
  checkpoints: [offset: number, pos: number, eventIndex: number, tMs: number, cols: number, rows: number][];
  markers: [tMs: number, kind: MarkerKind, note: string][];
  /** Output bytes per second [second, bytes] (seconds with output only); absent in older files. */
  outputSeconds?: [second: number, bytes: number][];
  /** Silences of the screen (no output, no resize) longer than 5 s; absent in older files. */
  idleGaps?: [fromMs: number, toMs: number][];
}

/** The 14-byte header of a frame whose payload is `pieces` concatenated. */
export function encodeFrameHeader(
  type: FrameTypeCode,
  flags: number,
  tMs: number,
  pieces: readonly Buffer[],
): Buffer {
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    crc = crc32(piece, crc);
    length += piece.length;
  }
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt8(flags, 1);
  header.writeUInt32LE(length, 2);
  header.writeUInt32LE(Math.min(tMs, 0xffffffff), 6);
  header.writeUInt32LE(crc, 10);
  return header;
}

/** Parses a frame header; null when the bytes cannot be one (unknown type). */
export function parseFrameHeader(buf: Buffer, at: number, offset: number): FrameHeader | null {
  const type = buf.readUInt8(at);
  if (!FRAME_TYPES.has(type)) return null;
  return {
    offset,
    type: type as FrameTypeCode,
    flags: buf.readUInt8(at + 1),
    length: buf.readUInt32LE(at + 2),
    tMs: buf.readUInt32LE(at + 6),
    crc: buf.readUInt32LE(at + 10),
  };
}

export function payloadIsIntact(header: FrameHeader, payload: Buffer): boolean {
  return payload.length === header.length && crc32(payload) === header.crc;
}

export function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

export class FormatError extends Error {
  override name = 'FormatError';
}

/** Cursor over a decoded segment's plaintext. */
export class EventCursor {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.at >= this.buf.length;
  }
  byte(): number {
    if (this.at >= this.buf.length) throw new FormatError('truncated event');
    return this.buf[this.at++]!;
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
      if (scale > 2 ** 49) throw new FormatError('varint too long');
    }
  }
  bytes(len: number): Buffer {
    if (this.at + len > this.buf.length) throw new FormatError('truncated event data');
    const out = this.buf.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  }
}

/** Decodes a segment's plaintext; data buffers are views into `plain`. */
export function decodeEvents(plain: Buffer, baseMs: number): RecordEvent[] {
  const events: RecordEvent[] = [];
  const cursor = new EventCursor(plain);
  let t = baseMs;
  while (!cursor.done) {
    const kind = cursor.byte();
    t += cursor.varint();
    switch (kind) {
      case EventKind.Output:
      case EventKind.Input:
        events.push({ t, type: kind === EventKind.Output ? 'o' : 'i', data: cursor.bytes(cursor.varint()) });
        break;
      case EventKind.Resize: {
        const cols = cursor.varint();
        events.push({ t, type: 'r', cols, rows: cursor.varint() });
        break;
      }
      case EventKind.Marker: {
        const [markerKind, note] = JSON.parse(cursor.bytes(cursor.varint()).toString('utf8')) as [
          MarkerKind,
          string,
        ];
        events.push({ t, type: 'm', kind: markerKind, note });
        break;
      }
      default:
        throw new FormatError(`unknown event kind 0x${kind.toString(16)}`);
    }
  }
  return events;
}

/** Data at least this long is referenced, not copied, by encodeEvents. */
const ZERO_COPY_BYTES = 1024;
const SCRATCH_BYTES = 4096;
const KIND_CODES = {
  o: EventKind.Output,
  i: EventKind.Input,
  r: EventKind.Resize,
  m: EventKind.Marker,
} as const;

/**
 * Encodes events (times non-decreasing, the first >= `baseMs`) with times chained from `baseMs`, as
 * pieces to write in order: event headers and small data are packed together, large data buffers are
 * referenced as they are, so bulk output is not copied here.
 */
export function encodeEvents(events: readonly RecordEvent[], baseMs: number): Buffer[] {
  const pieces: Buffer[] = [];
  let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  let used = 0;
  const cut = (): void => {
    if (used > 0) pieces.push(scratch.subarray(0, used));
    scratch = scratch.subarray(used);
    used = 0;
  };
  const reserve = (n: number): void => {
    if (used + n <= scratch.length) return;
    cut();
    scratch = Buffer.allocUnsafe(Math.max(SCRATCH_BYTES, n));
  };
  let t = baseMs;
  for (const e of events) {
    reserve(1 + 3 * 10);
    scratch[used++] = KIND_CODES[e.type];
    used = writeVarint(scratch, used, e.t - t);
    t = e.t;
    if (e.type === 'r') {
      used = writeVarint(scratch, used, e.cols);
      used = writeVarint(scratch, used, e.rows);
      continue;
    }
    const body = e.type === 'm' ? Buffer.from(JSON.stringify([e.kind, e.note])) : e.data;
    used = writeVarint(scratch, used, body.length);
    if (body.length >= ZERO_COPY_BYTES) {
      cut();
      pieces.push(body);
    } else {
      reserve(body.length);
      used += body.copy(scratch, used);
    }
  }
  cut();
  return pieces;
}
