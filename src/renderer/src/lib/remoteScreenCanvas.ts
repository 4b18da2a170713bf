import type { RemoteScreen } from '@shared/rdpScreen';

/**
 * Copies what changed on a remote screen since the last paint onto a canvas, once per animation
 * frame however many rectangles arrived. The canvas takes the screen's size (true when it changed).
 */
export class RemoteScreenPainter {
  #pending = false;

  constructor(
    private readonly canvas: () => HTMLCanvasElement | null,
    private readonly screen: () => RemoteScreen | null,
    private readonly resized: () => void = () => undefined,
  ) {}

  /** Asks for a paint at the next animation frame. */
  changed(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => this.paint());
  }

  private paint(): void {
    this.#pending = false;
    const context = this.canvas()?.getContext('2d');
    const screen = this.screen();
    const dirty = screen?.takeDirty();
    if (!context || !screen || !dirty) return;
    const { width, height, pixels } = screen.framebuffer;
    if (context.canvas.width !== width || context.canvas.height !== height) {
      Object.assign(context.canvas, { width, height });
      this.resized();
    }
    const w = dirty.right - dirty.left + 1;
    const h = dirty.bottom - dirty.top + 1;
    context.putImageData(new ImageData(pixels, width, height), 0, 0, dirty.left, dirty.top, w, h);
  }
}
