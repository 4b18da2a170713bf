import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Same } from './sameType';

/**
 * The remote desktop on a WebSocket: the operator's page (`/rdp/`) and auditors' live viewers get
 * the target's bitmap rectangles as binary frames, still compressed as the target sent them (each
 * side decodes with src/shared/rdp); a viewer joining late first gets the whole screen in one
 * `screen` frame. Everything else is a JSON text frame.
 */

/** Binary frame kinds: the first byte of each binary frame. */
export const RDP_FRAME = { rect: 1, screen: 2 } as const;

/** A rectangle frame: kind, x, y, right, bottom, width, height (u16le), bpp, flags, then the bitmap. */
export const RECT_HEADER_BYTES = 15;
/** A screen frame: kind, width, height (u16le), then the RGBA pixels deflated (raw deflate). */
export const SCREEN_HEADER_BYTES = 5;
const COMPRESSED = 1;

export interface WireRect {
  x: number;
  y: number;
  right: number;
  bottom: number;
  width: number;
  height: number;
  bpp: number;
  compressed: boolean;
  data: Uint8Array;
}

export class RdpWireError extends Error {
  override name = 'RdpWireError';
}

export function encodeRect(rect: WireRect): Uint8Array {
  const frame = new Uint8Array(RECT_HEADER_BYTES + rect.data.length);
  const view = new DataView(frame.buffer);
  frame[0] = RDP_FRAME.rect;
  [rect.x, rect.y, rect.right, rect.bottom, rect.width, rect.height].forEach((v, i) =>
    view.setUint16(1 + i * 2, v, true),
  );
  frame[13] = rect.bpp;
  frame[14] = rect.compressed ? COMPRESSED : 0;
  frame.set(rect.data, RECT_HEADER_BYTES);
  return frame;
}

export function encodeScreenHeader(width: number, height: number): Uint8Array {
  const header = new Uint8Array(SCREEN_HEADER_BYTES);
  const view = new DataView(header.buffer);
  header[0] = RDP_FRAME.screen;
  view.setUint16(1, width, true);
  view.setUint16(3, height, true);
  return header;
}

export type WireFrame =
  { kind: 'rect'; rect: WireRect } | { kind: 'screen'; width: number; height: number; deflated: Uint8Array };

/** Reads a binary frame; throws RdpWireError on a frame of another kind or cut short. */
export function decodeFrame(frame: Uint8Array): WireFrame {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  if (frame[0] === RDP_FRAME.rect && frame.length >= RECT_HEADER_BYTES) {
    return {
      kind: 'rect',
      rect: {
        x: u16(1),
        y: u16(3),
        right: u16(5),
        bottom: u16(7),
        width: u16(9),
        height: u16(11),
        bpp: frame[13]!,
        compressed: (frame[14]! & COMPRESSED) !== 0,
        data: frame.subarray(RECT_HEADER_BYTES),
      },
    };
  }
  if (frame[0] === RDP_FRAME.screen && frame.length >= SCREEN_HEADER_BYTES) {
    return { kind: 'screen', width: u16(1), height: u16(3), deflated: frame.subarray(SCREEN_HEADER_BYTES) };
  }
  throw new RdpWireError(`not a remote desktop frame (kind ${frame[0] ?? 'none'}, ${frame.length} bytes)`);
}

const Coordinate = Type.Integer({ minimum: 0, maximum: 8192 });
/** Screen sizes an operator may ask for (RDP servers accept widths and heights in this range). */
export const RDP_SCREEN = { minWidth: 640, maxWidth: 3840, minHeight: 480, maxHeight: 2160 } as const;

/** What the operator's page sends. Keys are set-1 scancodes; pointer buttons: 0 none (a move), 1 left, 2 right, 3 middle. */
export const RdpClientMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('connect'),
    target: Type.String({ minLength: 1, maxLength: 255 }),
    account: Type.String({ minLength: 1, maxLength: 255 }),
    width: Type.Integer({ minimum: RDP_SCREEN.minWidth, maximum: RDP_SCREEN.maxWidth }),
    height: Type.Integer({ minimum: RDP_SCREEN.minHeight, maximum: RDP_SCREEN.maxHeight }),
  }),
  Type.Object({
    type: Type.Literal('key'),
    code: Type.Integer({ minimum: 1, maximum: 0x7f }),
    down: Type.Boolean(),
    extended: Type.Boolean(),
  }),
  Type.Object({
    type: Type.Literal('pointer'),
    x: Coordinate,
    y: Coordinate,
    button: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)]),
    down: Type.Boolean(),
  }),
  Type.Object({
    type: Type.Literal('wheel'),
    x: Coordinate,
    y: Coordinate,
    step: Type.Integer({ minimum: 1, maximum: 255 }),
    negative: Type.Boolean(),
    horizontal: Type.Boolean(),
  }),
]);
export type RdpClientMessage = Static<typeof RdpClientMessageSchema>;

/** Why the page shows an overlay; `message` is the text to show, in the gateway's words. */
export type RdpServerMessage =
  | { type: 'ready'; sessionId: number; width: number; height: number }
  | { type: 'interactivity'; blocked: boolean; message: string }
  | { type: 'refused'; code: string; message: string }
  | { type: 'ended'; reason: 'terminated' | 'dropped' | 'failed'; message: string | null };

export const RdpServerMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('ready'),
    sessionId: Type.Integer({ minimum: 1 }),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
  }),
  Type.Object({ type: Type.Literal('interactivity'), blocked: Type.Boolean(), message: Type.String() }),
  Type.Object({ type: Type.Literal('refused'), code: Type.String(), message: Type.String() }),
  Type.Object({
    type: Type.Literal('ended'),
    reason: Type.Union([Type.Literal('terminated'), Type.Literal('dropped'), Type.Literal('failed')]),
    message: Type.Union([Type.String(), Type.Null()]),
  }),
]);

const serverMessageMatches: Same<Static<typeof RdpServerMessageSchema>, RdpServerMessage> = true;
void serverMessageMatches;

export const isRdpClientMessage = (value: unknown): value is RdpClientMessage =>
  Value.Check(RdpClientMessageSchema, value);

export const isRdpServerMessage = (value: unknown): value is RdpServerMessage =>
  Value.Check(RdpServerMessageSchema, value);

/** A target and account the operator may open over RDP. */
export const RdpTargetChoiceSchema = Type.Object({ target: Type.String(), account: Type.String() });
export type RdpTargetChoice = Static<typeof RdpTargetChoiceSchema>;
