import { RleWriter } from './rleWriter';

const MAX_COUNT = 0xffff;

/**
 * Test-only greedy compressor: an image (wire pixel values, rows top-down) to an interleaved RLE
 * stream, choosing fills, colour runs, foreground/background masks, mixes, dithered pairs and
 * literal pixels the way a server would for screen content.
 */
export function encodeImage(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  pixelBytes: 2 | 3,
): Uint8Array {
  const total = width * height;
  // Stream order: bottom row first.
  const seq = new Uint32Array(total);
  for (let row = 0; row < height; row++) {
    for (let x = 0; x < width; x++) seq[row * width + x] = pixels[(height - 1 - row) * width + x]!;
  }
  const below = (j: number) => (j >= width ? seq[j - width]! : 0);
  const runFrom = (k: number, same: (j: number) => boolean) => {
    let j = k;
    while (j < total && j - k < MAX_COUNT && same(j)) j++;
    return j - k;
  };

  // Length of the background run (pixel equal to the one below) starting at each pixel.
  const backgroundRun = new Uint32Array(total + 1);
  for (let j = total - 1; j >= 0; j--) backgroundRun[j] = seq[j] === below(j) ? backgroundRun[j + 1]! + 1 : 0;

  const writer = new RleWriter(pixelBytes);
  let mix = pixelBytes === 2 ? 0xffff : 0xffffff;
  let afterFill = false;
  const literal: number[] = [];
  const flush = () => {
    for (let i = 0; i < literal.length; i += MAX_COUNT) writer.copy(literal.slice(i, i + MAX_COUNT));
    if (literal.length > 0) afterFill = false;
    literal.length = 0;
  };
  const emit = (write: () => void, isFill = false) => {
    flush();
    write();
    afterFill = isFill;
  };

  let k = 0;
  while (k < total) {
    const value = seq[k]!;
    // A fill right after a fill would start with a mixed pixel.
    const fill = afterFill && literal.length === 0 ? 0 : Math.min(MAX_COUNT, backgroundRun[k]!);
    if (fill >= 2) {
      emit(() => writer.fill(fill), true);
      k += fill;
      continue;
    }
    const colour = runFrom(k, (j) => seq[j] === value);
    if (colour >= 4) {
      emit(() => writer.colour(colour, value));
      k += colour;
      continue;
    }
    const delta = value ^ below(k);
    // Masks stop where a long background run starts: a server sends those as fills.
    const masked = (m: number) =>
      runFrom(
        k,
        (j) => (seq[j] === below(j) || seq[j] === (below(j) ^ m)) && (j === k || backgroundRun[j]! < 32),
      );
    const sameMix = masked(mix);
    const newMix = delta !== 0 && delta !== mix ? masked(delta) : 0;
    if (Math.max(sameMix, newMix) >= 16) {
      const useNew = newMix > sameMix;
      const count = useNew ? newMix : sameMix;
      const m = useNew ? delta : mix;
      const bits = Array.from({ length: count }, (_, i) => seq[k + i] !== below(k + i));
      emit(() => (useNew ? writer.setMixFgbg(bits, m) : writer.fgbg(bits)));
      mix = m;
      k += count;
      continue;
    }
    const mixed = delta === 0 ? 0 : runFrom(k, (j) => seq[j] === (below(j) ^ delta));
    if (mixed >= 4) {
      emit(() => (delta === mix ? writer.mix(mixed) : writer.setMix(mixed, delta)));
      mix = delta;
      k += mixed;
      continue;
    }
    const other = seq[k + 1];
    if (other !== undefined && other !== value) {
      const pairs = Math.floor(runFrom(k, (j) => seq[j] === ((j - k) % 2 === 0 ? value : other)) / 2);
      if (pairs >= 4) {
        emit(() => writer.bicolour(pairs, value, other));
        k += pairs * 2;
        continue;
      }
    }
    literal.push(value);
    k++;
  }
  flush();
  return writer.toBytes();
}
