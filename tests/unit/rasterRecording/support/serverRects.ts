import type { BitmapRect } from '../../../../src/shared/rdp/framebuffer';
import { encodeImage } from '../../rdp/support/imageEncoder';
import type { Area } from './officeScene';

export interface ServerStyle {
  bpp: 16 | 24;
  /** Share of bitmaps sent uncompressed (rows bottom-up, padded), as servers do when RLE gains nothing. */
  rawShare: number;
  random: () => number;
}

/** xrdp keeps each bitmap's uncompressed size under this, so a repaint comes as strips of a few rows. */
const MAX_BITMAP_BYTES = 16 * 1024;

/**
 * What an xrdp-like server sends for a changed area: strips of whole rows, each an RLE bitmap (or
 * raw now and then), widths padded to a multiple of 4 with the destination's right edge saying what
 * is shown.
 */
export function serverRects(rgba: Uint8ClampedArray, area: Area, style: ServerStyle): BitmapRect[] {
  const pixelBytes = style.bpp === 24 ? 3 : 2;
  const paddedWidth = (area.width + 3) & ~3;
  const stripRows = Math.max(1, Math.floor(MAX_BITMAP_BYTES / (paddedWidth * pixelBytes)));
  const rects: BitmapRect[] = [];
  for (let top = 0; top < area.height; top += stripRows) {
    const rows = Math.min(stripRows, area.height - top);
    const wire = new Uint32Array(paddedWidth * rows);
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < paddedWidth; col++) {
        const at = ((top + row) * area.width + Math.min(col, area.width - 1)) * 4;
        wire[row * paddedWidth + col] = wireValue(rgba[at]!, rgba[at + 1]!, rgba[at + 2]!, style.bpp);
      }
    }
    const raw = style.random() < style.rawShare;
    rects.push({
      x: area.x,
      y: area.y + top,
      width: paddedWidth,
      height: rows,
      right: area.x + area.width - 1,
      bottom: area.y + top + rows - 1,
      bpp: style.bpp,
      compressed: !raw,
      data: raw
        ? rawBitmap(wire, paddedWidth, rows, pixelBytes)
        : encodeImage(wire, paddedWidth, rows, pixelBytes),
    });
  }
  return rects;
}

function wireValue(r: number, g: number, b: number, bpp: 16 | 24): number {
  return bpp === 24 ? (r << 16) | (g << 8) | b : ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
}

/** The uncompressed form: rows bottom-up, each padded to 4 bytes, pixels little-endian (blue first). */
function rawBitmap(wire: Uint32Array, width: number, height: number, pixelBytes: 2 | 3): Uint8Array {
  const stride = (width * pixelBytes + 3) & ~3;
  const out = new Uint8Array(stride * height);
  for (let row = 0; row < height; row++) {
    let p = (height - 1 - row) * stride;
    for (let x = 0; x < width; x++) {
      const v = wire[row * width + x]!;
      for (let k = 0; k < pixelBytes; k++) out[p++] = (v >> (8 * k)) & 0xff;
    }
  }
  return out;
}
