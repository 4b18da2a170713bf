/**
 * Test-only writer of interleaved RLE orders, in any of the length forms a server may choose:
 * 'short' (length in the order byte), 'extended' (one length byte), 'mega' (two length bytes).
 * Pixel values are as on the wire: 15/16-bit words, or 24-bit values whose low byte (blue) is sent first.
 */
export type LengthForm = 'short' | 'extended' | 'mega';

const REGULAR = { fill: 0x00, mix: 0x20, fgbg: 0x40, colour: 0x60, copy: 0x80 } as const;
const LITE = { setMix: 0xc0, setMixFgbg: 0xd0, bicolour: 0xe0 } as const;
const MEGA = {
  fill: 0xf0,
  mix: 0xf1,
  fgbg: 0xf2,
  colour: 0xf3,
  copy: 0xf4,
  setMix: 0xf6,
  setMixFgbg: 0xf7,
  bicolour: 0xf8,
} as const;

export class RleWriter {
  private readonly bytes: number[] = [];

  constructor(readonly pixelBytes: 2 | 3) {}

  fill(count: number, form?: LengthForm): this {
    return this.header(REGULAR.fill, MEGA.fill, count, form, 'regular');
  }

  mix(count: number, form?: LengthForm): this {
    return this.header(REGULAR.mix, MEGA.mix, count, form, 'regular');
  }

  /** `bits[i]` true: pixel i is the row below XOR the mix colour; false: the row below. */
  fgbg(bits: readonly boolean[], form?: LengthForm): this {
    this.header(REGULAR.fgbg, MEGA.fgbg, bits.length, form, 'regular-mask');
    return this.mask(bits);
  }

  colour(count: number, colour: number, form?: LengthForm): this {
    this.header(REGULAR.colour, MEGA.colour, count, form, 'regular');
    return this.pixel(colour);
  }

  copy(pixels: readonly number[], form?: LengthForm): this {
    this.header(REGULAR.copy, MEGA.copy, pixels.length, form, 'regular');
    for (const value of pixels) this.pixel(value);
    return this;
  }

  setMix(count: number, mix: number, form?: LengthForm): this {
    this.header(LITE.setMix, MEGA.setMix, count, form, 'lite');
    return this.pixel(mix);
  }

  setMixFgbg(bits: readonly boolean[], mix: number, form?: LengthForm): this {
    this.header(LITE.setMixFgbg, MEGA.setMixFgbg, bits.length, form, 'lite-mask');
    this.pixel(mix);
    return this.mask(bits);
  }

  /** `pairs` times colour1 then colour2. */
  bicolour(pairs: number, colour1: number, colour2: number, form?: LengthForm): this {
    this.header(LITE.bicolour, MEGA.bicolour, pairs, form, 'lite');
    return this.pixel(colour1).pixel(colour2);
  }

  /** Eight pixels with the fixed mask 0x03 (0xF9) or 0x05 (0xFA). */
  fixedFgbg(which: 1 | 2): this {
    this.bytes.push(which === 1 ? 0xf9 : 0xfa);
    return this;
  }

  white(): this {
    this.bytes.push(0xfd);
    return this;
  }

  black(): this {
    this.bytes.push(0xfe);
    return this;
  }

  raw(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private pixel(value: number): this {
    this.bytes.push(value & 0xff, (value >> 8) & 0xff);
    if (this.pixelBytes === 3) this.bytes.push((value >> 16) & 0xff);
    return this;
  }

  private mask(bits: readonly boolean[]): this {
    for (let i = 0; i < bits.length; i += 8) {
      let byte = 0;
      for (let b = 0; b < 8 && i + b < bits.length; b++) if (bits[i + b]) byte |= 1 << b;
      this.bytes.push(byte);
    }
    return this;
  }

  private header(
    code: number,
    megaCode: number,
    count: number,
    form: LengthForm | undefined,
    family: 'regular' | 'lite' | 'regular-mask' | 'lite-mask',
  ): this {
    const shortBits = family.startsWith('regular') ? 0x1f : 0x0f;
    const masked = family.endsWith('mask');
    const extendedBase = masked ? 1 : shortBits + 1;
    const fits: Record<LengthForm, boolean> = {
      short: masked
        ? count % 8 === 0 && count > 0 && count / 8 <= shortBits
        : count > 0 && count <= shortBits,
      extended: count >= extendedBase && count - extendedBase <= 0xff,
      mega: count >= 0 && count <= 0xffff,
    };
    const chosen = form ?? (['short', 'extended', 'mega'] as const).find((f) => fits[f]);
    if (!chosen || !fits[chosen])
      throw new Error(`length ${count} has no ${form ?? ''} form for 0x${code.toString(16)}`);
    if (chosen === 'short') this.bytes.push(code | (masked ? count / 8 : count));
    else if (chosen === 'extended') this.bytes.push(code, count - extendedBase);
    else this.bytes.push(megaCode, count & 0xff, count >> 8);
    return this;
  }
}
