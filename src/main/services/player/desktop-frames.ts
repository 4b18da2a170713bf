import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import type { BitmapRect } from '../../../shared/rdp/framebuffer';
import { encodeRect, encodeScreenHeader } from '../../../shared/rdpWire';

const deflate = promisify(deflateRaw);

/**
 * A whole screen as the wire's `screen` frame: RGBA raw-deflated at the fastest level, on the
 * thread pool. Desktops are mostly flat colour, so even that shrinks a screen 10-50 times.
 */
export async function screenFrame(width: number, height: number, pixels: Uint8ClampedArray): Promise<Buffer> {
  const rgba = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return Buffer.concat([encodeScreenHeader(width, height), await deflate(rgba, { level: 1 })]);
}

/** A recorded rectangle as the wire's `rect` frame, still compressed as the target sent it. */
export function rectFrame(rect: BitmapRect): Buffer {
  const frame = encodeRect(rect);
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
