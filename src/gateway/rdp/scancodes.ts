// Pure TypeScript (no imports): the web client will type through the same table.

/** One key going down or up, as RDP sends it: an IBM PC set-1 scancode. */
export interface ScancodeEvent {
  code: number;
  down: boolean;
  extended: boolean;
}

export const SCANCODES = {
  escape: 0x01,
  backspace: 0x0e,
  tab: 0x0f,
  enter: 0x1c,
  leftControl: 0x1d,
  leftShift: 0x2a,
  leftAlt: 0x38,
  space: 0x39,
} as const;

/** Rows of the US keyboard: the characters without and with Shift, and the scancode of their first key. */
const US_ROWS: readonly (readonly [plain: string, shifted: string, codes: readonly number[]])[] = [
  ['`', '~', [0x29]],
  ['1234567890-=', '!@#$%^&*()_+', range(0x02, 12)],
  ['qwertyuiop[]', 'QWERTYUIOP{}', range(0x10, 12)],
  ['\\', '|', [0x2b]],
  ["asdfghjkl;'", 'ASDFGHJKL:"', range(0x1e, 11)],
  ['zxcvbnm,./', 'ZXCVBNM<>?', range(0x2c, 10)],
];

const US_KEYS: ReadonlyMap<string, { code: number; shift: boolean }> = (() => {
  const keys = new Map<string, { code: number; shift: boolean }>([
    [' ', { code: SCANCODES.space, shift: false }],
    ['\n', { code: SCANCODES.enter, shift: false }],
    ['\r', { code: SCANCODES.enter, shift: false }],
    ['\t', { code: SCANCODES.tab, shift: false }],
  ]);
  for (const [plain, shifted, codes] of US_ROWS) {
    [...plain].forEach((ch, i) => keys.set(ch, { code: codes[i]!, shift: false }));
    [...shifted].forEach((ch, i) => keys.set(ch, { code: codes[i]!, shift: true }));
  }
  return keys;
})();

/** A key pressed and released. */
export function keyStroke(code: number, extended = false): ScancodeEvent[] {
  return [
    { code, down: true, extended },
    { code, down: false, extended },
  ];
}

/**
 * The key events that type `text` on a US layout (Shift held around shifted characters; "\n" is
 * Enter). Throws a RangeError naming the first character the layout cannot type.
 */
export function typeText(text: string): ScancodeEvent[] {
  const events: ScancodeEvent[] = [];
  for (const ch of text) {
    const key = US_KEYS.get(ch);
    if (key === undefined) throw new RangeError(`no US-layout key types ${JSON.stringify(ch)}`);
    if (key.shift) events.push({ code: SCANCODES.leftShift, down: true, extended: false });
    events.push(...keyStroke(key.code));
    if (key.shift) events.push({ code: SCANCODES.leftShift, down: false, extended: false });
  }
  return events;
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}
