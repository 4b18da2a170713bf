import { RdpBitmapError } from './bitmapError';

const RLE = 0x10;
const NO_ALPHA = 0x20;
const CHROMA_SUBSAMPLING = 0x08;
const COLOUR_LOSS = 0x07;

/** Byte offset in an RGBA pixel of each plane, in stream order (alpha, red, green, blue). */
const ALPHA_CHANNEL = 3;
const COLOUR_CHANNELS = [0, 1, 2] as const;

/**
 * Paints `out` (RGBA bytes, rows top-down) from a 32 bpp planar bitmap: a format byte, then one
 * plane per channel, each either run-length coded or raw, rows bottom-up. Alpha is decoded (it
 * must be, to find the planes after it) but the result is opaque, as for every other depth.
 */
export function decodePlanar(input: Uint8Array, width: number, height: number, out: Uint8Array): void {
  if (input.length < 1) throw new RdpBitmapError('truncated', 'planar bitmap has no format byte');
  const format = input[0]!;
  if (format & (CHROMA_SUBSAMPLING | COLOUR_LOSS)) {
    throw new RdpBitmapError(
      'unsupported',
      `planar bitmaps with colour loss or chroma subsampling are not supported (format 0x${format.toString(16)})`,
    );
  }
  const channels = format & NO_ALPHA ? COLOUR_CHANNELS : ([ALPHA_CHANNEL, ...COLOUR_CHANNELS] as const);
  let pos = 1;
  for (const channel of channels) {
    pos =
      format & RLE
        ? decodeRlePlane(input, pos, width, height, out, channel)
        : copyRawPlane(input, pos, width, height, out, channel);
  }
  for (let i = 3; i < out.length; i += 4) out[i] = 255;
}

function decodeRlePlane(
  input: Uint8Array,
  start: number,
  width: number,
  height: number,
  out: Uint8Array,
  channel: number,
): number {
  const end = input.length;
  const stride = width * 4;
  let pos = start;
  for (let row = 0; row < height; row++) {
    // Rows arrive bottom-up; each one after the first holds differences from the row before it.
    const rowStart = (height - 1 - row) * stride + channel;
    const deltas = row > 0;
    let value = 0;
    let x = 0;
    while (x < width) {
      if (pos >= end) throw truncatedPlane(pos, end);
      const control = input[pos++]!;
      let run = control & 0x0f;
      let raw = control >> 4;
      if (run === 1 || run === 2) {
        run = run * 16 + raw;
        raw = 0;
      }
      if (x + raw + run > width) {
        throw new RdpBitmapError(
          'overrun',
          `planar segment at byte ${pos - 1} runs past the end of a ${width}-pixel row`,
        );
      }
      if (pos + raw > end) throw truncatedPlane(pos, end);
      let o = rowStart + x * 4;
      x += raw + run;
      if (deltas) {
        for (; raw > 0; raw--, o += 4) {
          const code = input[pos++]!;
          value = code & 1 ? -(code >> 1) - 1 : code >> 1;
          out[o] = out[o + stride]! + value;
        }
        for (; run > 0; run--, o += 4) out[o] = out[o + stride]! + value;
      } else {
        for (; raw > 0; raw--, o += 4) out[o] = value = input[pos++]!;
        for (; run > 0; run--, o += 4) out[o] = value;
      }
    }
  }
  return pos;
}

function copyRawPlane(
  input: Uint8Array,
  start: number,
  width: number,
  height: number,
  out: Uint8Array,
  channel: number,
): number {
  if (start + width * height > input.length) throw truncatedPlane(input.length, input.length);
  let pos = start;
  for (let row = height - 1; row >= 0; row--) {
    for (let o = row * width * 4 + channel, x = 0; x < width; x++, o += 4) out[o] = input[pos++]!;
  }
  return pos;
}

const truncatedPlane = (pos: number, end: number) =>
  new RdpBitmapError('truncated', `planar bitmap ends inside a colour plane at byte ${pos} of ${end}`);
