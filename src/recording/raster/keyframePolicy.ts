import type { BitmapRect } from '../../shared/rdp/framebuffer';

export interface KeyframePolicyOptions {
  /** A keyframe once this many bitmap bytes came since the last one: a seek replays less than this. */
  maxReplayBytes: number;
  /** ...or once the bitmaps since the last one add up to this many screens (cheap fills, dear to draw). */
  maxReplayScreens: number;
  /** ...or once this long passed since the last one, when at least `minChangedShare` of the screen changed. */
  maxReplayMs: number;
  /** Share of the screen's 64×64 tiles: a caret or a clock changing all day never adds up to it. */
  minChangedShare: number;
}

export const DEFAULT_KEYFRAME_POLICY: KeyframePolicyOptions = {
  maxReplayBytes: 8 * 1024 * 1024,
  maxReplayScreens: 32,
  maxReplayMs: 5 * 60_000,
  minChangedShare: 0.25,
};

const TILE = 64;

/**
 * Says when the writer should take a keyframe, from what came since the last one. Every rule needs
 * screen updates, so an idle screen costs none; the byte and area rules bound what a seek replays.
 */
export class KeyframePolicy {
  private bytes = 0;
  private pixels = 0;
  private lastKeyframeMs = 0;
  private width = 0;
  private height = 0;
  private tilesAcross = 0;
  private tiles = new Uint8Array(0);
  private changedTiles = 0;

  constructor(
    private readonly options: KeyframePolicyOptions,
    width: number,
    height: number,
  ) {
    this.resize(width, height, false);
  }

  get bytesSinceKeyframe(): number {
    return this.bytes;
  }

  bitmap(rect: BitmapRect): void {
    this.bytes += rect.data.length;
    const right = Math.min(rect.right, rect.x + rect.width - 1, this.width - 1);
    const bottom = Math.min(rect.bottom, rect.y + rect.height - 1, this.height - 1);
    if (right < rect.x || bottom < rect.y) return;
    this.pixels += (right - rect.x + 1) * (bottom - rect.y + 1);
    for (let ty = Math.floor(rect.y / TILE); ty <= Math.floor(bottom / TILE); ty++) {
      for (let tx = Math.floor(rect.x / TILE); tx <= Math.floor(right / TILE); tx++) {
        const tile = ty * this.tilesAcross + tx;
        if (this.tiles[tile] === 0) this.changedTiles++;
        this.tiles[tile] = 1;
      }
    }
  }

  /** A new screen size: everything counts as changed. */
  resize(width: number, height: number, changed = true): void {
    this.width = width;
    this.height = height;
    this.tilesAcross = Math.ceil(width / TILE);
    this.tiles = new Uint8Array(this.tilesAcross * Math.ceil(height / TILE)).fill(changed ? 1 : 0);
    this.changedTiles = changed ? this.tiles.length : 0;
  }

  /** Due by the bounds on replay alone (checked after each bitmap). */
  replayBoundReached(): boolean {
    return (
      this.bytes >= this.options.maxReplayBytes ||
      this.pixels >= this.options.maxReplayScreens * Math.max(1, this.width * this.height)
    );
  }

  due(nowMs: number): boolean {
    if (this.replayBoundReached()) return true;
    return (
      nowMs - this.lastKeyframeMs >= this.options.maxReplayMs &&
      this.changedTiles > 0 &&
      this.changedTiles >= this.options.minChangedShare * this.tiles.length
    );
  }

  taken(atMs: number): void {
    this.bytes = 0;
    this.pixels = 0;
    this.lastKeyframeMs = atMs;
    this.tiles.fill(0);
    this.changedTiles = 0;
  }
}
