import { Framebuffer } from './rdp/framebuffer';
import { decodeFrame } from './rdpWire';

/** An area of the screen with inclusive bounds. */
export interface ScreenArea {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * A remote desktop as a viewer rebuilds it from the gateway's binary frames: whole screens
 * (deflated, for late joiners) and rectangles. Frames are applied in order (a screen is inflated
 * asynchronously, so later rectangles wait for it); what changed since the last paint is kept as
 * one area, so a canvas repaints only that once per animation frame.
 */
export class RemoteScreen {
  framebuffer: Framebuffer;
  #dirty: ScreenArea | null = null;
  #queue: Promise<void> = Promise.resolve();

  constructor(width: number, height: number) {
    this.framebuffer = new Framebuffer(width, height);
  }

  /**
   * Applies a binary frame after the ones before it; `changed` is called once it shows. A frame
   * that cannot be applied rejects its own promise and changes nothing; later frames still apply.
   */
  push(frame: Uint8Array, changed: () => void): Promise<void> {
    const applied = this.#queue.then(async () => {
      if (await this.apply(frame)) changed();
    });
    this.#queue = applied.catch(() => undefined);
    return applied;
  }

  /** The area changed since the last call, or null. */
  takeDirty(): ScreenArea | null {
    const dirty = this.#dirty;
    this.#dirty = null;
    return dirty;
  }

  private async apply(bytes: Uint8Array): Promise<boolean> {
    const frame = decodeFrame(bytes);
    const screen = this.framebuffer;
    if (frame.kind === 'screen') {
      screen.load(frame.width, frame.height, await inflateRaw(frame.deflated));
      this.mark({ left: 0, top: 0, right: frame.width - 1, bottom: frame.height - 1 });
      return true;
    }
    const { rect } = frame;
    screen.apply(rect);
    const right = Math.min(rect.right, rect.x + rect.width - 1, screen.width - 1);
    const bottom = Math.min(rect.bottom, rect.y + rect.height - 1, screen.height - 1);
    if (right < rect.x || bottom < rect.y) return false;
    this.mark({ left: rect.x, top: rect.y, right, bottom });
    return true;
  }

  private mark(area: ScreenArea): void {
    const d = this.#dirty;
    this.#dirty =
      d === null
        ? area
        : {
            left: Math.min(d.left, area.left),
            top: Math.min(d.top, area.top),
            right: Math.max(d.right, area.right),
            bottom: Math.max(d.bottom, area.bottom),
          };
  }
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
