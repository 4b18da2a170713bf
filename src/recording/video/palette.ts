/**
 * Terminal colours as 0xRRGGBB: the desktop player's theme for the defaults, xterm.js's ANSI
 * colours for the first 16, and the standard 6x6x6 cube and grey ramp for the rest of the 256.
 */
export const THEME = {
  background: 0x0f1115,
  foreground: 0xe6e8ee,
  cursor: 0x9aa3b5,
  /** Around the terminal when its shape differs from the video's. */
  letterbox: 0x000000,
} as const;

const ANSI_16 = [
  0x2e3436, 0xcc0000, 0x4e9a06, 0xc4a000, 0x3465a4, 0x75507b, 0x06989a, 0xd3d7cf, 0x555753, 0xef2929,
  0x8ae234, 0xfce94f, 0x729fcf, 0xad7fa8, 0x34e2e2, 0xeeeeec,
];
const CUBE_LEVELS = [0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff];

export const PALETTE_256: readonly number[] = (() => {
  const colours = [...ANSI_16];
  for (let r = 0; r < 6; r++)
    for (let g = 0; g < 6; g++)
      for (let b = 0; b < 6; b++)
        colours.push((CUBE_LEVELS[r]! << 16) | (CUBE_LEVELS[g]! << 8) | CUBE_LEVELS[b]!);
  for (let i = 0; i < 24; i++) {
    const level = 8 + i * 10;
    colours.push((level << 16) | (level << 8) | level);
  }
  return colours;
})();

/** Half-way between two colours: how dim (faint) text is shown. */
export function blend(a: number, b: number): number {
  const mix = (shift: number) => Math.round((((a >> shift) & 0xff) + ((b >> shift) & 0xff)) / 2) << shift;
  return mix(16) | mix(8) | mix(0);
}

export function cssColour(rgb: number): string {
  return `#${rgb.toString(16).padStart(6, '0')}`;
}
