import type { BitmapRect } from '../../shared/rdp/framebuffer';
import type { RasterInput } from './rasterFormat';

/** RDP carries these as 16-bit fields: anything else is made one rather than refused mid-session. */
export function u16(n: number): number {
  return Number.isFinite(n) ? Math.min(0xffff, Math.max(0, Math.trunc(n))) : 0;
}

/** The rectangle with its fields as the format stores them; the data stays the very same bytes. */
export function recordableRect(rect: BitmapRect): BitmapRect {
  return {
    x: u16(rect.x),
    y: u16(rect.y),
    width: u16(rect.width),
    height: u16(rect.height),
    right: u16(rect.right),
    bottom: u16(rect.bottom),
    bpp: Math.min(0xff, u16(rect.bpp)),
    compressed: rect.compressed,
    data: rect.data,
  };
}

/** The input with only the fields the format stores, each within its range. */
export function recordableInput(input: RasterInput): RasterInput {
  if (input.kind === 'key') {
    return { kind: 'key', code: u16(input.code), down: !!input.down, extended: !!input.extended };
  }
  const [x, y] = [u16(input.x), u16(input.y)];
  if (input.kind === 'pointer') {
    const button = ([0, 1, 2, 3] as const)[input.button] ?? 0;
    return { kind: 'pointer', x, y, button, down: !!input.down };
  }
  const { negative, horizontal } = input;
  return { kind: 'wheel', x, y, step: u16(input.step), negative: !!negative, horizontal: !!horizontal };
}
