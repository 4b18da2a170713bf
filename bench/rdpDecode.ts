import { performance } from 'node:perf_hooks';
import { Framebuffer } from '../src/shared/rdp/framebuffer';
import { decodeBitmap } from '../src/shared/rdp/rle';
import { firstDifference } from '../tests/unit/rdp/support/compare';
import { readCapturedRects } from '../tests/unit/rdp/support/fixture';
import { encodeImage } from '../tests/unit/rdp/support/imageEncoder';
import { referenceDecode, referenceDecodeAsShipped } from '../tests/unit/rdp/support/referenceDecoder';
import {
  desktopScreen,
  photoScreen,
  textScreen,
  tilesOf,
  wirePixels,
  type Screen,
} from '../tests/unit/rdp/support/screens';
import type { BenchRow } from './report';

/**
 * RDP bitmap decoding: the same compressed bitmaps decoded by node-rdpjs-2's emscripten decoder
 * (called as its rdp.js does, plus the copy its freed-memory result forces) and by ours (into a
 * reused buffer, as the framebuffer does). Sets: bitmaps captured from xrdp when the fixture is
 * there, and synthetic screens cut in 64×64 tiles as a server sends a repaint: text on a flat
 * background, a photo (little run-length gain), and a full 1024×768 desktop repaint.
 */
export const RDP_DECODE_TARGET_RATIO = 5;

const SCREEN_WIDTH = 1024;
const SCREEN_HEIGHT = 768;
const MIN_MEASURE_MS = Number(process.env.VIGIL_BENCH_RDP_MS ?? 1000);
const ROUNDS = 5;

interface Bitmap {
  x: number;
  y: number;
  width: number;
  height: number;
  bpp: number;
  data: Uint8Array;
}

interface BitmapSet {
  name: string;
  bitmaps: Bitmap[];
  /** A whole-screen repaint: also timed through the framebuffer. */
  repaint: boolean;
}

export interface RdpDecodeBenchResult {
  rows: BenchRow[];
  /** The lowest speed-up over the library across all sets. */
  minRatio: number;
}

function screenSet(name: string, screen: Screen, bpp: 15 | 16 | 24, repaint = false): BitmapSet {
  const tiles = tilesOf(wirePixels(screen, bpp), screen.width, screen.height);
  const bitmaps = tiles.map((tile) => ({
    ...tile,
    bpp,
    data: encodeImage(tile.pixels, tile.width, tile.height, bpp === 24 ? 3 : 2),
  }));
  return { name, bitmaps, repaint };
}

/**
 * Milliseconds per pass over the set for each decoder: the best of several rounds, the decoders
 * taking turns, so that other work on the machine skews neither side.
 */
function msPerPass(passes: readonly (() => void)[]): number[] {
  const best = passes.map(() => Infinity);
  for (const pass of passes) for (let i = 0; i < 3; i++) pass();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, pass] of passes.entries()) {
      let count = 0;
      const start = performance.now();
      do {
        pass();
        count++;
      } while (performance.now() - start < MIN_MEASURE_MS / ROUNDS);
      best[index] = Math.min(best[index]!, (performance.now() - start) / count);
    }
  }
  return best;
}

function checkIdentical(set: BitmapSet): void {
  for (const [index, b] of set.bitmaps.entries()) {
    const reference = referenceDecode(b.data, b.width, b.height, b.bpp);
    const difference = firstDifference(
      decodeBitmap(b.data, b.width, b.height, b.bpp),
      reference.rgba,
      b.width,
    );
    if (!reference.ok || difference) {
      throw new Error(
        `${set.name}: bitmap ${index} decodes differently: ${difference ?? 'library refused it'}`,
      );
    }
  }
}

export async function benchRdpDecode(log: (line: string) => void): Promise<RdpDecodeBenchResult> {
  const sets: BitmapSet[] = [];
  const captured = readCapturedRects().filter((rect) => rect.compressed);
  if (captured.length > 0)
    sets.push({ name: `xrdp capture (${captured.length} rects)`, bitmaps: captured, repaint: false });
  else log('no xrdp capture at tests/fixtures/rdp/xrdp-bitmaps.bin: synthetic screens only');
  log('compressing synthetic screens…');
  const text = textScreen(SCREEN_WIDTH, SCREEN_HEIGHT, 1);
  const photo = photoScreen(SCREEN_WIDTH, SCREEN_HEIGHT, 2);
  const desktop = desktopScreen(SCREEN_WIDTH, SCREEN_HEIGHT, 3);
  sets.push(
    screenSet('text on flat background, 16 bpp', text, 16),
    screenSet('text on flat background, 24 bpp', text, 24),
    screenSet('photo, 16 bpp', photo, 16),
    screenSet('photo, 24 bpp', photo, 24),
    screenSet('full 1024x768 desktop repaint, 16 bpp', desktop, 16, true),
    screenSet('full 1024x768 desktop repaint, 24 bpp', desktop, 24, true),
  );

  const rows: BenchRow[] = [];
  let minRatio = Infinity;
  const largest = Math.max(...sets.flatMap((set) => set.bitmaps.map((b) => b.width * b.height)));
  const out = new Uint8Array(largest * 4);
  for (const set of sets) {
    checkIdentical(set);
    const pixels = set.bitmaps.reduce((sum, b) => sum + b.width * b.height, 0);
    const bytes = set.bitmaps.reduce((sum, b) => sum + b.data.length, 0);
    log(
      `${set.name}: ${set.bitmaps.length} bitmaps, ${(pixels / 1e6).toFixed(2)} Mpx, ${(bytes / 1e3).toFixed(0)} kB`,
    );
    const [libraryMs, oursMs] = msPerPass([
      () => {
        for (const b of set.bitmaps) referenceDecodeAsShipped(b.data, b.width, b.height, b.bpp);
      },
      () => {
        for (const b of set.bitmaps) decodeBitmap(b.data, b.width, b.height, b.bpp, out);
      },
    ]) as [number, number];
    const ratio = libraryMs / oursMs;
    minRatio = Math.min(minRatio, ratio);
    rows.push(
      { name: `${set.name}: node-rdpjs-2`, value: pixels / 1e3 / libraryMs, unit: 'Mpx/s' },
      { name: `${set.name}: ours`, value: pixels / 1e3 / oursMs, unit: 'Mpx/s' },
      { name: `${set.name}: speed-up`, value: ratio, unit: `x (target >= ${RDP_DECODE_TARGET_RATIO})` },
    );
    if (set.repaint) {
      const screen = new Framebuffer(SCREEN_WIDTH, SCREEN_HEIGHT);
      const rects = set.bitmaps.map((b) => ({
        ...b,
        right: b.x + b.width - 1,
        bottom: b.y + b.height - 1,
        compressed: true,
      }));
      const [applyMs] = msPerPass([
        () => {
          for (const rect of rects) screen.apply(rect);
        },
      ]) as [number];
      rows.push(
        { name: `${set.name}: node-rdpjs-2 per repaint`, value: libraryMs, unit: 'ms' },
        { name: `${set.name}: ours per repaint`, value: oursMs, unit: 'ms' },
        { name: `${set.name}: ours onto the framebuffer`, value: applyMs, unit: 'ms per repaint' },
      );
    }
  }
  rows.push({ name: 'lowest speed-up over all sets', value: minRatio, unit: 'x' });
  return { rows, minRatio };
}
