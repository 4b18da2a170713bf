import { intBelow } from '../../../support/prng';

/**
 * A random valid 32 bpp planar stream (run-length planes, alpha first): per row, segments of raw
 * values or deltas followed by repeats, in every control-byte shape, covering exactly each row.
 */
export function randomPlanarStream(random: () => number, width: number, height: number): Uint8Array {
  const bytes = [0x10];
  for (let plane = 0; plane < 4; plane++) {
    for (let row = 0; row < height; row++) {
      let x = 0;
      while (x < width) {
        const left = width - x;
        if (left >= 16 && random() < 0.2) {
          const run = 16 + intBelow(random, Math.min(32, left - 15));
          bytes.push(((run & 0x0f) << 4) | (run >> 4));
          x += run;
          continue;
        }
        const raw = intBelow(random, Math.min(15, left) + 1);
        const repeats = [0, ...Array.from({ length: 13 }, (_, i) => i + 3)].filter((n) => raw + n <= left);
        const run = repeats[intBelow(random, repeats.length)]!;
        bytes.push((raw << 4) | run);
        for (let i = 0; i < raw; i++) bytes.push(intBelow(random, 256));
        x += raw + run;
      }
    }
  }
  return Uint8Array.from(bytes);
}
