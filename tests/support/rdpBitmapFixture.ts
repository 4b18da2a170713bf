/**
 * Bitmap rectangles as an RDP target sent them, in a file (see tests/fixtures/rdp/README.md). For each
 * rectangle in arrival order: u16le x, y, width, height, bpp, flags (bit 0: compressed), u32le
 * length, then `length` bytes of data. x and y are the screen position of its top-left corner;
 * width and height are the bitmap's own size (RLE rows may be padded beyond the screen area).
 */
export interface FixtureRect {
  x: number;
  y: number;
  width: number;
  height: number;
  bpp: number;
  compressed: boolean;
  data: Uint8Array;
}

const HEADER = 16;

export function encodeBitmapFixture(rects: readonly FixtureRect[]): Buffer {
  const size = rects.reduce((sum, rect) => sum + HEADER + rect.data.byteLength, 0);
  const out = Buffer.alloc(size);
  let at = 0;
  for (const rect of rects) {
    for (const value of [rect.x, rect.y, rect.width, rect.height, rect.bpp, rect.compressed ? 1 : 0]) {
      at = out.writeUInt16LE(value, at);
    }
    at = out.writeUInt32LE(rect.data.byteLength, at);
    out.set(rect.data, at);
    at += rect.data.byteLength;
  }
  return out;
}

export function decodeBitmapFixture(file: Uint8Array): FixtureRect[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const rects: FixtureRect[] = [];
  for (let at = 0; at < file.byteLength;) {
    if (at + HEADER > file.byteLength) throw new Error(`truncated rectangle header at byte ${at}`);
    const field = (i: number): number => view.getUint16(at + 2 * i, true);
    const length = view.getUint32(at + 12, true);
    const start = at + HEADER;
    if (start + length > file.byteLength) throw new Error(`truncated rectangle data at byte ${start}`);
    rects.push({
      x: field(0),
      y: field(1),
      width: field(2),
      height: field(3),
      bpp: field(4),
      compressed: (field(5) & 1) === 1,
      data: file.subarray(start, start + length),
    });
    at = start + length;
  }
  return rects;
}
