import { RdpBitmapError } from '../../shared/rdp/bitmapError';
import type { BitmapRect, Framebuffer } from '../../shared/rdp/framebuffer';

/** A change of the screen, in recording order. */
export type ScreenUpdate =
  { type: 'bitmap'; rect: BitmapRect } | { type: 'resize'; width: number; height: number };

export interface UpdateStats {
  /** Bitmaps decoded onto the screen. */
  applied: number;
  /** Bitmaps skipped because later ones paint over all they show. */
  covered: number;
  /** Bitmaps that could not be decoded (the screen keeps what was there, as for the operator). */
  undecodable: number;
  /** Pixels drawn. */
  pixels: number;
}

export const noUpdates = (): UpdateStats => ({ applied: 0, covered: 0, undecodable: 0, pixels: 0 });

/** Pixels drawn between two yields of `applySteps`. */
const STEP_PIXELS = 256 * 1024;

/**
 * Applies updates to `screen` in order, with the same result as applying each one, but without
 * decoding the bitmaps that later ones (before the next resize) paint over entirely: a server
 * repaints a scrolling window or a busy terminal again and again, and only the last repaint of each
 * area shows. Yields after every ~STEP_PIXELS drawn (callers pace the work); returns what it did.
 */
export function* applySteps(
  screen: Framebuffer,
  updates: readonly ScreenUpdate[],
): Generator<void, UpdateStats> {
  const stats = noUpdates();
  let run: BitmapRect[] = [];
  for (const update of updates) {
    if (update.type === 'bitmap') {
      run.push(update.rect);
      continue;
    }
    yield* applyRun(screen, run, stats);
    run = [];
    screen.resize(update.width, update.height);
  }
  yield* applyRun(screen, run, stats);
  return stats;
}

/** Runs `applySteps` to the end at once. */
export function applyUpdates(screen: Framebuffer, updates: readonly ScreenUpdate[]): UpdateStats {
  const steps = applySteps(screen, updates);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Where a bitmap lands on a width x height screen, or null when it shows nothing there. */
function visibleArea(rect: BitmapRect, width: number, height: number) {
  const columns = Math.min(rect.right - rect.x + 1, rect.width, width - rect.x);
  const rows = Math.min(rect.bottom - rect.y + 1, rect.height, height - rect.y);
  if (rect.x < 0 || rect.y < 0 || columns <= 0 || rows <= 0) return null;
  return { columns, rows };
}

let coverage = new Uint8Array(0);

/** Bitmaps of `run` (one screen size) not entirely covered by later ones, in order. */
function visibleBitmaps(run: readonly BitmapRect[], width: number, height: number): BitmapRect[] {
  if (run.length < 2) return run.filter((rect) => visibleArea(rect, width, height) !== null);
  if (coverage.length < width * height) coverage = new Uint8Array(width * height);
  const covered = coverage.subarray(0, width * height);
  covered.fill(0);
  const keep: BitmapRect[] = [];
  for (let i = run.length - 1; i >= 0; i--) {
    const rect = run[i]!;
    const area = visibleArea(rect, width, height);
    if (!area) continue;
    let hidden = true;
    for (let row = 0; row < area.rows; row++) {
      const start = (rect.y + row) * width + rect.x;
      const line = covered.subarray(start, start + area.columns);
      if (hidden && line.indexOf(0) >= 0) hidden = false;
      if (!hidden) line.fill(1);
    }
    if (!hidden) keep.push(rect);
  }
  return keep.reverse();
}

function* applyRun(screen: Framebuffer, run: readonly BitmapRect[], stats: UpdateStats): Generator<void> {
  if (run.length === 0) return;
  const before = { ...stats };
  const keep = visibleBitmaps(run, screen.width, screen.height);
  let sinceYield = 0;
  let failed = false;
  for (const rect of keep) {
    const drawn = drawBitmap(screen, rect, stats);
    if (drawn < 0) failed = true;
    sinceYield += Math.max(0, drawn);
    if (sinceYield >= STEP_PIXELS) {
      sinceYield = 0;
      yield;
    }
  }
  stats.covered += run.length - keep.length;
  if (!failed) return;
  // A bitmap that cannot be decoded covers nothing, so what it was thought to cover must be drawn:
  // drawing the whole run again in order gives every pixel its last decodable bitmap.
  Object.assign(stats, before);
  for (const rect of run) drawBitmap(screen, rect, stats);
}

/** Pixels drawn, or -1 when the bitmap cannot be decoded. */
function drawBitmap(screen: Framebuffer, rect: BitmapRect, stats: UpdateStats): number {
  try {
    screen.apply(rect);
  } catch (err) {
    if (!(err instanceof RdpBitmapError)) throw err;
    stats.undecodable++;
    return -1;
  }
  const area = visibleArea(rect, screen.width, screen.height);
  const pixels = area ? area.columns * area.rows : 0;
  stats.applied++;
  stats.pixels += pixels;
  return pixels;
}
