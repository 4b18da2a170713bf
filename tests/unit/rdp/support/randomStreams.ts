import { intBelow } from '../../../support/prng';
import { RleWriter, type LengthForm } from './rleWriter';

type Family = 'regular' | 'lite' | 'regular-mask' | 'lite-mask';

const RANGES: Record<Family, Record<LengthForm, [number, number]>> = {
  regular: { short: [1, 31], extended: [32, 287], mega: [0, 0xffff] },
  lite: { short: [1, 15], extended: [16, 271], mega: [0, 0xffff] },
  'regular-mask': { short: [8, 248], extended: [1, 256], mega: [0, 0xffff] },
  'lite-mask': { short: [8, 120], extended: [1, 256], mega: [0, 0xffff] },
};
const FORMS = ['short', 'extended', 'mega'] as const;

/**
 * A random but valid interleaved RLE stream painting exactly width × height pixels, using every
 * order and length form, including zero-length mega orders and back-to-back fills.
 */
export function randomStream(
  random: () => number,
  width: number,
  height: number,
  pixelBytes: 2 | 3,
): Uint8Array {
  const writer = new RleWriter(pixelBytes);
  const colour = () => intBelow(random, pixelBytes === 2 ? 0x10000 : 0x1000000);
  const palette = Array.from({ length: 4 }, colour);
  // Few colours make XOR chains and repeated values as common as on a real screen.
  const someColour = () => (random() < 0.6 ? palette[intBelow(random, palette.length)]! : colour());
  const bits = (count: number) => Array.from({ length: count }, () => random() < 0.5);

  /** A length for `family` no greater than `limit` pixels, and the form that carries it. */
  const length = (family: Family, limit: number): [number, LengthForm] => {
    const form = FORMS[intBelow(random, 3)]!;
    const [low, high] = RANGES[family][form];
    const top = Math.min(high, limit, random() < 0.8 ? low + 40 : high);
    if (form === 'mega' || top < low) {
      const count = random() < 0.03 ? 0 : 1 + intBelow(random, Math.min(limit, random() < 0.8 ? 40 : 0xffff));
      return [count, 'mega'];
    }
    if (form === 'short' && family.endsWith('mask')) {
      if (top < 8) return [1 + intBelow(random, limit), 'mega'];
      return [8 * (1 + intBelow(random, Math.floor(top / 8))), 'short'];
    }
    return [low + intBelow(random, top - low + 1), form];
  };

  let left = width * height;
  while (left > 0) {
    const kind = intBelow(random, 14);
    let count: number;
    let form: LengthForm;
    switch (kind) {
      case 0:
      case 1:
        [count, form] = length('regular', left);
        writer.fill(count, form);
        break;
      case 2:
        [count, form] = length('regular', left);
        writer.mix(count, form);
        break;
      case 3:
        [count, form] = length('regular-mask', left);
        writer.fgbg(bits(count), form);
        break;
      case 4:
        [count, form] = length('regular', left);
        writer.colour(count, someColour(), form);
        break;
      case 5:
        [count, form] = length('regular', left);
        writer.copy(Array.from({ length: count }, someColour), form);
        break;
      case 6:
        [count, form] = length('lite', left);
        writer.setMix(count, someColour(), form);
        break;
      case 7:
        [count, form] = length('lite-mask', left);
        writer.setMixFgbg(bits(count), someColour(), form);
        break;
      case 8: {
        if (left < 2) continue;
        const [pairs, pairForm] = length('lite', Math.floor(left / 2));
        writer.bicolour(pairs, someColour(), someColour(), pairForm);
        count = pairs * 2;
        break;
      }
      case 9:
      case 10:
        if (left < 8) continue;
        writer.fixedFgbg(kind === 9 ? 1 : 2);
        count = 8;
        break;
      case 11:
        writer.white();
        count = 1;
        break;
      case 12:
        writer.black();
        count = 1;
        break;
      default:
        // A run of fills (each after the first starts with a mixed pixel).
        [count, form] = length('regular', left);
        writer.fill(count, form);
    }
    left -= count;
  }
  return writer.toBytes();
}
