import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RasterRecordingWriter, type FinishedRecording } from '../../src/recording';
import type { BitmapRect } from '../../src/shared/rdp/framebuffer';
import { decodeBitmapFixture } from './rdpBitmapFixture';

/**
 * A desktop (RDP) recording made by the real writer from the rectangles a real xrdp sent
 * (tests/fixtures/rdp/xrdp-bitmaps.bin: an 800×600 xterm, background #1e3a5f), on a simulated
 * clock: the login repaint and the first commands, a block and its release, an idle spell, an
 * orange panel drawn at a known place and time, the screen grown to 1024×768 and a green panel in
 * the new area, and a drop.
 */
export const DESKTOP = {
  width: 800,
  height: 600,
  grown: { width: 1024, height: 768 },
  /** The xterm's background, where nothing is written. */
  background: [0x1e, 0x3a, 0x5f],
  orange: { x: 300, y: 200, width: 200, height: 150, colour: [0xf0, 0x80, 0x10], atMs: 23_000 },
  blockAtMs: 4_500,
  releaseAtMs: 7_000,
  /** The only spell over 5 s with nothing drawn: from the last captured rectangle to the orange panel. */
  idleGap: { fromMs: 8_000 + 177 * 40, toMs: 23_000 },
  resizeAtMs: 26_000,
  /** Drawn after the resize, where the first screen did not reach. */
  green: { x: 840, y: 620, width: 160, height: 120, colour: [0x20, 0xc0, 0x40], atMs: 27_500 },
  dropAtMs: 29_500,
  durationMs: 30_000,
} as const;

export interface DesktopRecording extends FinishedRecording {
  /** Bitmap bytes recorded. */
  bitmapBytes: number;
}

export const XRDP_RECTS = fileURLToPath(new URL('../fixtures/rdp/xrdp-bitmaps.bin', import.meta.url));

/** The captured rectangles, their right and bottom edges being their own size (as xrdp sends them). */
export function capturedRects(): BitmapRect[] {
  return decodeBitmapFixture(readFileSync(XRDP_RECTS)).map((rect) => ({
    ...rect,
    right: rect.x + rect.width - 1,
    bottom: rect.y + rect.height - 1,
  }));
}

/** An uncompressed 24 bpp rectangle of one colour, as a server sends a bitmap RLE cannot shrink. */
export function solidRect(
  x: number,
  y: number,
  width: number,
  height: number,
  [r, g, b]: readonly number[],
): BitmapRect {
  const stride = (width * 3 + 3) & ~3;
  const data = new Uint8Array(stride * height);
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) data.set([b!, g!, r!], row * stride + col * 3);
  }
  return {
    x,
    y,
    width,
    height,
    right: x + width - 1,
    bottom: y + height - 1,
    bpp: 24,
    compressed: false,
    data,
  };
}

export async function writeDesktopRecording(
  path: string,
  options: { sessionId?: string; startedAt?: Date } = {},
): Promise<DesktopRecording> {
  let now = 0;
  const writer = new RasterRecordingWriter({
    path,
    sessionId: options.sessionId ?? 'desktop',
    width: DESKTOP.width,
    height: DESKTOP.height,
    ...(options.startedAt ? { startedAt: options.startedAt } : {}),
    now: () => now,
    // Small bounds, so that this short session has keyframes to seek from.
    keyframes: { maxReplayBytes: 16 * 1024, maxReplayMs: 3_000, minChangedShare: 0.05 },
  });
  let bitmapBytes = 0;
  let flushedAt = 0;
  const at = async (t: number) => {
    // The live writer cuts a frame every second by its timer; here time runs faster.
    if (t - flushedAt >= 1000) {
      await writer.flush();
      flushedAt = t;
    }
    now = t;
  };
  const draw = (rect: BitmapRect) => {
    writer.rect(rect);
    bitmapBytes += rect.data.length;
  };
  const rects = capturedRects();
  const first = rects.slice(0, 176);
  for (const [i, rect] of first.entries()) {
    await at(500 + i * 20);
    draw(rect);
    if (i % 10 === 0) writer.input({ kind: 'pointer', x: 100 + i, y: 200, button: 0, down: false });
  }
  await at(DESKTOP.blockAtMs);
  writer.marker('block', 'held by ana');
  await at(DESKTOP.releaseAtMs);
  writer.marker('release', 'ana');
  for (const [i, rect] of rects.slice(176).entries()) {
    await at(8_000 + i * 40);
    draw(rect);
  }
  const { x, y, width, height, colour, atMs } = DESKTOP.orange;
  await at(atMs);
  draw(solidRect(x, y, width, height, colour));
  await at(DESKTOP.resizeAtMs);
  writer.resize(DESKTOP.grown.width, DESKTOP.grown.height);
  for (const [i, rect] of rects.slice(-40).entries()) {
    await at(DESKTOP.resizeAtMs + 100 + i * 20);
    draw(rect);
  }
  const green = DESKTOP.green;
  await at(green.atMs);
  draw(solidRect(green.x, green.y, green.width, green.height, green.colour));
  await at(DESKTOP.dropAtMs);
  writer.marker('drop', 'dropped by ana');
  await at(DESKTOP.durationMs);
  await writer.keyframesSettled();
  return { ...(await writer.close()), bitmapBytes };
}
