/**
 * The raster kind of the recording container (full description: docs/recording-format.md): an RDP
 * session as the bitmap rectangles the target sent, operator input, screen size changes and
 * markers, in the same frames, segments, index and trailer as terminal recordings, with K frames
 * (keyframes: the whole screen) as its seek points.
 *
 * Segment plaintext is events, kind:u8 dt:varint body:
 *   b bitmap   x y width height right bottom (varints) bpp:u8 flags:u8 (bit 0 compressed) len:varint data
 *   k key      code:varint flags:u8 (bit 0 down, bit 1 extended)
 *   p pointer  x:varint y:varint button:u8 (0 move, 1 left, 2 right, 3 middle; bit 7 down)
 *   w wheel    x:varint y:varint step:varint flags:u8 (bit 0 negative, bit 1 horizontal)
 *   r resize   width:varint height:varint
 *   m marker   len:varint JSON [kind, note]
 */
import {
  EventCursor,
  EventKind,
  FormatError,
  writeVarint,
  type MarkerKind,
  type RecordingHeader,
} from '../format';
import type { BitmapRect } from '../../shared/rdp/framebuffer';

export const RASTER_KIND = 'raster';

export interface RasterRecordingHeader {
  format: 'vigil-recording';
  version: number;
  kind: typeof RASTER_KIND;
  sessionId: string;
  /** ISO-8601 UTC wall time of tMs = 0. */
  startedAt: string;
  /** Screen size at the start. */
  width: number;
  height: number;
  meta?: Record<string, unknown>;
}

/** A header of either kind; a terminal header has no `kind` (files written before raster existed). */
export type AnyRecordingHeader = RecordingHeader | RasterRecordingHeader;

export function isRasterHeader(header: AnyRecordingHeader): header is RasterRecordingHeader {
  return (header as { kind?: unknown }).kind === RASTER_KIND;
}

/** Operator input as the RDP broker sends it on (same shape as the gateway's RdpInput). */
export type RasterInput =
  | { kind: 'key'; code: number; down: boolean; extended: boolean }
  /** button 0 is a move; 1–3 are left, right and middle. */
  | { kind: 'pointer'; x: number; y: number; button: 0 | 1 | 2 | 3; down: boolean }
  | { kind: 'wheel'; x: number; y: number; step: number; negative: boolean; horizontal: boolean };

export type RasterEvent =
  | { t: number; type: 'bitmap'; rect: BitmapRect }
  | { t: number; type: 'input'; input: RasterInput }
  | { t: number; type: 'resize'; width: number; height: number }
  | { t: number; type: 'marker'; kind: MarkerKind; note: string };

export const RasterEventKind = {
  Bitmap: 0x62, // b
  Key: 0x6b, // k
  Pointer: 0x70, // p
  Wheel: 0x77, // w
  Resize: EventKind.Resize,
  Marker: EventKind.Marker,
} as const;

/** A K frame: the screen after the first `eventIndex` events of the segment at offset `pos`. */
export interface KeyframeRef {
  offset: number;
  pos: number;
  eventIndex: number;
  /** Time of the last event included (the keyframe serves any time from here on). */
  tMs: number;
  width: number;
  height: number;
}

/** K payload prefix: pos:u64 eventIndex:u32 width:u16 height:u16 pointerX:u16 pointerY:u16 state:u8 encoding:u8. */
export const KEYFRAME_PREFIX_BYTES = 22;
export const KeyframeState = {
  PointerKnown: 1,
  Blocked: 2,
  /** The keyframe ends its segment: replay goes on with the next one, whose stream starts there. */
  EndsSegment: 4,
} as const;

export interface KeyframePrefix {
  pos: number;
  eventIndex: number;
  width: number;
  height: number;
  pointer: { x: number; y: number } | null;
  blocked: boolean;
  endsSegment: boolean;
  encoding: number;
}

export function encodeKeyframePrefix(p: KeyframePrefix): Buffer {
  const out = Buffer.alloc(KEYFRAME_PREFIX_BYTES);
  out.writeBigUInt64LE(BigInt(p.pos), 0);
  out.writeUInt32LE(p.eventIndex, 8);
  out.writeUInt16LE(p.width, 12);
  out.writeUInt16LE(p.height, 14);
  out.writeUInt16LE(p.pointer?.x ?? 0, 16);
  out.writeUInt16LE(p.pointer?.y ?? 0, 18);
  const state =
    (p.pointer ? KeyframeState.PointerKnown : 0) |
    (p.blocked ? KeyframeState.Blocked : 0) |
    (p.endsSegment ? KeyframeState.EndsSegment : 0);
  out.writeUInt8(state, 20);
  out.writeUInt8(p.encoding, 21);
  return out;
}

export function decodeKeyframePrefix(buf: Buffer): KeyframePrefix {
  if (buf.length < KEYFRAME_PREFIX_BYTES) throw new FormatError('keyframe too short');
  const state = buf.readUInt8(20);
  return {
    pos: Number(buf.readBigUInt64LE(0)),
    eventIndex: buf.readUInt32LE(8),
    width: buf.readUInt16LE(12),
    height: buf.readUInt16LE(14),
    pointer: state & KeyframeState.PointerKnown ? { x: buf.readUInt16LE(16), y: buf.readUInt16LE(18) } : null,
    blocked: (state & KeyframeState.Blocked) !== 0,
    endsSegment: (state & KeyframeState.EndsSegment) !== 0,
    encoding: buf.readUInt8(21),
  };
}

/** How a segment is compressed, in a raster index. */
export const SegmentCodec = { Stored: 0, Deflate: 1, Brotli: 2 } as const;
export type SegmentCodecCode = (typeof SegmentCodec)[keyof typeof SegmentCodec];

/** Payload of the X frame of a raster recording. */
export interface RasterIndexData {
  durationMs: number;
  endedAt: string;
  rectBytes: number;
  rects: number;
  inputEvents: number;
  segments: [offset: number, tMs: number, codec: SegmentCodecCode][];
  keyframes: [offset: number, pos: number, eventIndex: number, tMs: number, width: number, height: number][];
  markers: [tMs: number, kind: MarkerKind, note: string][];
  /** Bitmap bytes per second [second, bytes] (seconds with screen updates only). */
  outputSeconds: [second: number, bytes: number][];
  /** Spells without screen updates longer than 5 s. */
  idleGaps: [fromMs: number, toMs: number][];
}

/** Decodes a segment's plaintext; bitmap data are views into `plain`. */
export function decodeRasterEvents(plain: Buffer, baseMs: number): RasterEvent[] {
  const events: RasterEvent[] = [];
  const cursor = new EventCursor(plain);
  let t = baseMs;
  while (!cursor.done) {
    const kind = cursor.byte();
    t += cursor.varint();
    switch (kind) {
      case RasterEventKind.Bitmap: {
        const x = cursor.varint();
        const y = cursor.varint();
        const width = cursor.varint();
        const height = cursor.varint();
        const right = cursor.varint();
        const bottom = cursor.varint();
        const bpp = cursor.byte();
        const compressed = (cursor.byte() & 1) === 1;
        const data = cursor.bytes(cursor.varint());
        events.push({
          t,
          type: 'bitmap',
          rect: { x, y, width, height, right, bottom, bpp, compressed, data },
        });
        break;
      }
      case RasterEventKind.Key: {
        const code = cursor.varint();
        const flags = cursor.byte();
        events.push({
          t,
          type: 'input',
          input: { kind: 'key', code, down: (flags & 1) !== 0, extended: (flags & 2) !== 0 },
        });
        break;
      }
      case RasterEventKind.Pointer: {
        const x = cursor.varint();
        const y = cursor.varint();
        const b = cursor.byte();
        const button = (b & 3) as 0 | 1 | 2 | 3;
        events.push({ t, type: 'input', input: { kind: 'pointer', x, y, button, down: (b & 0x80) !== 0 } });
        break;
      }
      case RasterEventKind.Wheel: {
        const x = cursor.varint();
        const y = cursor.varint();
        const step = cursor.varint();
        const flags = cursor.byte();
        const negative = (flags & 1) !== 0;
        const input = { kind: 'wheel' as const, x, y, step, negative, horizontal: (flags & 2) !== 0 };
        events.push({ t, type: 'input', input });
        break;
      }
      case RasterEventKind.Resize: {
        const width = cursor.varint();
        events.push({ t, type: 'resize', width, height: cursor.varint() });
        break;
      }
      case RasterEventKind.Marker: {
        const [markerKind, note] = JSON.parse(cursor.bytes(cursor.varint()).toString('utf8')) as [
          MarkerKind,
          string,
        ];
        events.push({ t, type: 'marker', kind: markerKind, note });
        break;
      }
      default:
        throw new FormatError(`unknown raster event kind 0x${kind.toString(16)}`);
    }
  }
  return events;
}

/** Bitmap data at least this long is referenced, not copied, by encodeRasterEvents. */
const ZERO_COPY_BYTES = 1024;
const SCRATCH_BYTES = 4096;
/** Longest fixed part of an event: kind, dt and six varints, two bytes, a length. */
const EVENT_HEAD_BYTES = 1 + 8 * 10 + 2;

/**
 * Encodes events (times non-decreasing, the first >= `baseMs`) with times chained from `baseMs`, as
 * pieces to write in order; large bitmaps are referenced as they are, not copied.
 */
export function encodeRasterEvents(events: readonly RasterEvent[], baseMs: number): Buffer[] {
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
  const varint = (n: number): void => {
    used = writeVarint(scratch, used, n);
  };
  const body = (data: Uint8Array): void => {
    varint(data.length);
    if (data.length >= ZERO_COPY_BYTES) {
      cut();
      pieces.push(Buffer.from(data.buffer, data.byteOffset, data.length));
    } else {
      reserve(data.length);
      scratch.set(data, used);
      used += data.length;
    }
  };
  let t = baseMs;
  for (const e of events) {
    reserve(EVENT_HEAD_BYTES);
    scratch[used++] = kindCode(e);
    varint(e.t - t);
    t = e.t;
    if (e.type === 'bitmap') {
      const r = e.rect;
      for (const n of [r.x, r.y, r.width, r.height, r.right, r.bottom]) varint(n);
      scratch[used++] = r.bpp;
      scratch[used++] = r.compressed ? 1 : 0;
      body(r.data);
    } else if (e.type === 'input') {
      const input = e.input;
      if (input.kind === 'key') {
        varint(input.code);
        scratch[used++] = (input.down ? 1 : 0) | (input.extended ? 2 : 0);
      } else {
        varint(input.x);
        varint(input.y);
        if (input.kind === 'pointer') scratch[used++] = input.button | (input.down ? 0x80 : 0);
        else {
          varint(input.step);
          scratch[used++] = (input.negative ? 1 : 0) | (input.horizontal ? 2 : 0);
        }
      }
    } else if (e.type === 'resize') {
      varint(e.width);
      varint(e.height);
    } else {
      body(Buffer.from(JSON.stringify([e.kind, e.note])));
    }
  }
  cut();
  return pieces;
}

function kindCode(e: RasterEvent): number {
  if (e.type === 'bitmap') return RasterEventKind.Bitmap;
  if (e.type === 'resize') return RasterEventKind.Resize;
  if (e.type === 'marker') return RasterEventKind.Marker;
  if (e.input.kind === 'key') return RasterEventKind.Key;
  return e.input.kind === 'pointer' ? RasterEventKind.Pointer : RasterEventKind.Wheel;
}
