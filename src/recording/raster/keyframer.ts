import { Framebuffer } from '../../shared/rdp/framebuffer';
import type { ParseBudget } from '../parseBudget';
import { encodeKeyframeImage } from './keyframeImage';
import { encodeKeyframePrefix } from './rasterFormat';
import { applySteps, noUpdates, type ScreenUpdate, type UpdateStats } from './screenUpdates';

/** What a keyframe shows: the screen after the first `eventIndex` events of a segment. */
export interface KeyframeRequest {
  /** The screen updates since the previous request, in order. */
  updates: ScreenUpdate[];
  /** The segment; its offset is known once its first frame is written, before the keyframe is. */
  segment: { offset: number };
  eventIndex: number;
  tMs: number;
  pointer: { x: number; y: number } | null;
  blocked: boolean;
  /** The writer starts a new segment after it. */
  endsSegment: boolean;
}

export interface BuiltKeyframe {
  tMs: number;
  /** Its payload, once the segment's offset is known. */
  payload: () => Buffer[];
  ref: { eventIndex: number; tMs: number; width: number; height: number; segment: { offset: number } };
}

/**
 * Builds keyframes behind the writer. The bitmaps are decoded only when a keyframe is due, and
 * those that later ones paint over are skipped (a scrolling window is decoded once, not per
 * repaint); decoding runs in slices under the process-wide budget, the compression on the thread
 * pool. Requests are served in order; each one's updates continue the previous one's screen.
 */
export class Keyframer {
  private readonly screen: Framebuffer;
  private readonly queue: KeyframeRequest[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Bitmaps decoded and skipped so far (most repaints are painted over before a keyframe is due). */
  readonly work: UpdateStats = noUpdates();

  constructor(
    width: number,
    height: number,
    private readonly budget: ParseBudget,
    private readonly onKeyframe: (keyframe: BuiltKeyframe) => void,
    private readonly onError: (err: Error) => void,
  ) {
    this.screen = new Framebuffer(width, height);
  }

  /** Bitmap bytes waiting to be decoded (their buffers are held until then). */
  get backlogBytes(): number {
    let bytes = 0;
    for (const request of this.queue)
      for (const update of request.updates) if (update.type === 'bitmap') bytes += update.rect.data.length;
    return bytes;
  }

  request(request: KeyframeRequest): void {
    if (this.stopped) return;
    this.queue.push(request);
    this.kick();
  }

  /** Resolves once every request so far is built (benchmarks, tests). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.settled();
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.pump()
      .catch((err: unknown) => {
        this.stopped = true;
        this.queue.length = 0;
        this.onError(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      const request = this.queue.shift()!;
      await this.draw(request.updates);
      if (this.stopped) return;
      const { width, height } = this.screen;
      const started = performance.now();
      const image = encodeKeyframeImage(this.screen.pixels, width, height);
      this.budget.spend(performance.now() - started);
      const { encoding, data } = await image;
      if (this.stopped) return;
      const { segment, eventIndex, tMs, pointer, blocked, endsSegment } = request;
      const prefix = { eventIndex, width, height, pointer, blocked, endsSegment, encoding };
      this.onKeyframe({
        tMs,
        payload: () => [encodeKeyframePrefix({ pos: segment.offset, ...prefix }), data],
        ref: { eventIndex, tMs, width, height, segment },
      });
    }
  }

  private async draw(updates: ScreenUpdate[]): Promise<void> {
    const steps = applySteps(this.screen, updates);
    for (;;) {
      await this.budget.turn();
      if (this.stopped) return;
      const started = performance.now();
      const step = steps.next();
      this.budget.spend(performance.now() - started);
      if (step.done) {
        for (const key of Object.keys(this.work) as (keyof UpdateStats)[]) this.work[key] += step.value[key];
        return;
      }
    }
  }
}
