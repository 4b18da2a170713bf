import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RemoteScreen } from '../../../src/shared/rdpScreen';
import { encodeRect, encodeScreenHeader } from '../../../src/shared/rdpWire';

/**
 * How a viewer rebuilds a remote desktop from the gateway's frames: a whole screen (deflated),
 * then rectangles, applied in order; what changed is reported as one area per paint.
 */

/** An uncompressed 32 bpp rectangle of one colour (rows bottom-up, blue first, as RDP sends them). */
function solidRect(x: number, y: number, width: number, height: number, [r, g, b]: number[]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([b!, g!, r!, 0], i * 4);
  return encodeRect({
    x,
    y,
    width,
    height,
    right: x + width - 1,
    bottom: y + height - 1,
    bpp: 32,
    compressed: false,
    data,
  });
}

function screenFrame(width: number, height: number, [r, g, b]: number[]): Uint8Array {
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) pixels.set([r!, g!, b!, 255], i * 4);
  const header = encodeScreenHeader(width, height);
  return Uint8Array.from([...header, ...deflateRawSync(pixels)]);
}

const at = (screen: RemoteScreen, x: number, y: number) => [...screen.framebuffer.readRegion(x, y, 1, 1)];

describe('a remote screen rebuilt from frames', () => {
  it('takes a whole screen, then rectangles on it, reporting the area that changed', async () => {
    const screen = new RemoteScreen(8, 8);
    let changes = 0;
    const changed = () => changes++;
    // Pushed without waiting, as frames arrive: the rectangle waits for the screen's inflate.
    const done = [
      screen.push(screenFrame(16, 12, [30, 58, 95]), changed),
      screen.push(solidRect(2, 3, 4, 2, [240, 230, 140]), changed),
    ];
    await Promise.all(done);
    expect([screen.framebuffer.width, screen.framebuffer.height]).toEqual([16, 12]);
    expect(at(screen, 0, 0)).toEqual([30, 58, 95, 255]);
    expect(at(screen, 2, 3)).toEqual([240, 230, 140, 255]);
    expect(at(screen, 5, 4)).toEqual([240, 230, 140, 255]);
    expect(at(screen, 6, 4)).toEqual([30, 58, 95, 255]);
    expect(changes).toBe(2);
    expect(screen.takeDirty()).toEqual({ left: 0, top: 0, right: 15, bottom: 11 });
    expect(screen.takeDirty()).toBeNull();

    await screen.push(solidRect(10, 1, 3, 3, [0, 128, 0]), changed);
    expect(screen.takeDirty()).toEqual({ left: 10, top: 1, right: 12, bottom: 3 });
  });

  it('goes on after a frame it cannot apply, which changes nothing', async () => {
    const screen = new RemoteScreen(8, 8);
    const cut = solidRect(0, 0, 4, 4, [255, 0, 0]).subarray(0, 20);
    await expect(screen.push(cut, () => undefined)).rejects.toThrow();
    await expect(screen.push(Uint8Array.of(9, 9, 9), () => undefined)).rejects.toThrow(
      /not a remote desktop frame/,
    );
    expect(at(screen, 0, 0)).toEqual([0, 0, 0, 255]);
    await screen.push(solidRect(0, 0, 2, 2, [0, 0, 255]), () => undefined);
    expect(at(screen, 1, 1)).toEqual([0, 0, 255, 255]);
  });

  it('refuses a screen frame whose pixels do not fill its size', async () => {
    const screen = new RemoteScreen(4, 4);
    const header = encodeScreenHeader(4, 4);
    const short = Uint8Array.from([...header, ...deflateRawSync(new Uint8Array(10))]);
    await expect(screen.push(short, () => undefined)).rejects.toThrow(/4x4 screen needs 64 bytes/);
    expect([screen.framebuffer.width, screen.framebuffer.height]).toEqual([4, 4]);
  });
});
