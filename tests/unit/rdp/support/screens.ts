import { intBelow, prng } from '../../../support/prng';

/** A synthetic screen: 0xRRGGBB per pixel, rows top-down. */
export interface Screen {
  width: number;
  height: number;
  rgb: Uint32Array;
}

const rgbOf = (r: number, g: number, b: number) => (r << 16) | (g << 8) | b;

function blank(width: number, height: number, colour: number): Screen {
  return { width, height, rgb: new Uint32Array(width * height).fill(colour) };
}

function fillRect(screen: Screen, x0: number, y0: number, w: number, h: number, colour: number): void {
  for (let y = y0; y < Math.min(screen.height, y0 + h); y++) {
    screen.rgb.fill(colour, y * screen.width + x0, y * screen.width + Math.min(screen.width, x0 + w));
  }
}

/** Lines of 8×16 glyph cells (random strokes) in `ink`, as a terminal or document would show. */
function drawText(
  screen: Screen,
  random: () => number,
  area: [number, number, number, number],
  ink: number,
): void {
  const [ax, ay, aw, ah] = area;
  for (let top = ay + 4; top + 16 <= ay + ah; top += 18) {
    if (random() < 0.15) continue;
    const length = intBelow(random, Math.floor(aw / 8));
    for (let cell = 0; cell < length; cell++) {
      if (random() < 0.18) continue;
      const left = ax + 4 + cell * 8;
      if (left + 8 > ax + aw) break;
      for (let stroke = 0; stroke < 3; stroke++) {
        const vertical = random() < 0.5;
        const sx = left + 1 + intBelow(random, 5);
        const sy = top + 3 + intBelow(random, 9);
        const length = 2 + intBelow(random, vertical ? 8 : 5);
        for (let i = 0; i < length; i++) {
          const x = vertical ? sx : sx + i;
          const y = vertical ? sy + i : sy;
          if (x < left + 7 && y < top + 14) screen.rgb[y * screen.width + x] = ink;
        }
      }
    }
  }
}

/** Text on a flat background under a title bar: what an admin's terminal or editor looks like. */
export function textScreen(width: number, height: number, seed: number): Screen {
  const random = prng(seed);
  const screen = blank(width, height, rgbOf(0xf4, 0xf4, 0xf4));
  fillRect(screen, 0, 0, width, 24, rgbOf(0x1f, 0x3a, 0x68));
  drawText(screen, random, [0, 0, width, 24], rgbOf(0xff, 0xff, 0xff));
  drawText(screen, random, [0, 24, width, height - 24], rgbOf(0x10, 0x10, 0x10));
  return screen;
}

/** A photo-like picture: a smooth gradient under noise, where run lengths gain little. */
export function photoScreen(width: number, height: number, seed: number): Screen {
  const random = prng(seed);
  const screen = blank(width, height, 0);
  const noise = () => intBelow(random, 24) - 12;
  const clamp = (v: number) => Math.max(0, Math.min(255, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = clamp(Math.floor((x * 255) / width) + noise());
      const g = clamp(Math.floor((y * 255) / height) + noise());
      const b = clamp(Math.floor(((x + y) * 127) / (width + height)) + 64 + noise());
      screen.rgb[y * width + x] = rgbOf(r, g, b);
    }
  }
  return screen;
}

/** A desktop: gradient wallpaper, an editor window with text, a photo, a taskbar. */
export function desktopScreen(width: number, height: number, seed: number): Screen {
  const random = prng(seed);
  const screen = blank(width, height, 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      screen.rgb[y * width + x] = rgbOf(
        (20 + (y * 60) / height) | 0,
        (60 + (x * 80) / width) | 0,
        (120 + ((x + y) * 100) / (width + height)) | 0,
      );
    }
  }
  const windowArea: [number, number, number, number] = [
    40,
    30,
    Math.floor(width * 0.6),
    Math.floor(height * 0.7),
  ];
  fillRect(screen, windowArea[0], windowArea[1], windowArea[2], 22, rgbOf(0x2d, 0x2d, 0x30));
  fillRect(
    screen,
    windowArea[0],
    windowArea[1] + 22,
    windowArea[2],
    windowArea[3] - 22,
    rgbOf(0xff, 0xff, 0xff),
  );
  drawText(screen, random, [windowArea[0], windowArea[1] + 22, windowArea[2], windowArea[3] - 22], 0x202020);
  const photo = photoScreen(Math.floor(width * 0.3), Math.floor(height * 0.35), seed + 1);
  const px = width - photo.width - 30;
  const py = 60;
  for (let y = 0; y < photo.height; y++) {
    screen.rgb.set(photo.rgb.subarray(y * photo.width, (y + 1) * photo.width), (py + y) * width + px);
  }
  fillRect(screen, 0, height - 32, width, 32, rgbOf(0x20, 0x20, 0x24));
  return screen;
}

/** The screen's pixels as sent at `bpp` (15/16-bit words, 24-bit with blue in the low byte). */
export function wirePixels(screen: Screen, bpp: 15 | 16 | 24): Uint32Array {
  return screen.rgb.map((c) => {
    const r = c >> 16;
    const g = (c >> 8) & 0xff;
    const b = c & 0xff;
    if (bpp === 24) return (r << 16) | (g << 8) | b;
    if (bpp === 16) return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
    return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
  });
}

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
  pixels: Uint32Array;
}

/** Cuts wire pixels into tiles as a server sends a repaint (64×64, edge tiles smaller). */
export function tilesOf(pixels: Uint32Array, width: number, height: number, size = 64): Tile[] {
  const tiles: Tile[] = [];
  for (let y = 0; y < height; y += size) {
    for (let x = 0; x < width; x += size) {
      const w = Math.min(size, width - x);
      const h = Math.min(size, height - y);
      const tile = new Uint32Array(w * h);
      for (let row = 0; row < h; row++)
        tile.set(pixels.subarray((y + row) * width + x, (y + row) * width + x + w), row * w);
      tiles.push({ x, y, width: w, height: h, pixels: tile });
    }
  }
  return tiles;
}
