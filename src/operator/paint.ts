import type { RemoteScreen } from '../shared/rdpScreen';

/** Copies what changed on the remote screen since the last paint onto the canvas. */
export function paintChanges(context: CanvasRenderingContext2D, screen: RemoteScreen): void {
  const dirty = screen.takeDirty();
  if (dirty === null) return;
  const { framebuffer } = screen;
  const canvas = context.canvas;
  if (canvas.width !== framebuffer.width || canvas.height !== framebuffer.height) {
    canvas.width = framebuffer.width;
    canvas.height = framebuffer.height;
  }
  const image = new ImageData(framebuffer.pixels, framebuffer.width, framebuffer.height);
  context.putImageData(
    image,
    0,
    0,
    dirty.left,
    dirty.top,
    dirty.right - dirty.left + 1,
    dirty.bottom - dirty.top + 1,
  );
}
