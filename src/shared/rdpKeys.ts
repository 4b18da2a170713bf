/**
 * Physical keys (the browser's `KeyboardEvent.code`) as RDP sends them: IBM PC set-1 scancodes,
 * `extended` for the keys behind the 0xE0 prefix. The target's keyboard layout turns them into
 * characters, so the operator's own layout, dead keys and AltGr (the right Alt) work as on a local
 * keyboard.
 */
export interface Scancode {
  code: number;
  extended: boolean;
}

const LETTERS = 'QWERTYUIOP ASDFGHJKL ZXCVBNM';
const LETTER_ROW_STARTS = [0x10, 0x1e, 0x2c];

const PLAIN: Record<string, number> = {
  Escape: 0x01,
  Minus: 0x0c,
  Equal: 0x0d,
  Backspace: 0x0e,
  Tab: 0x0f,
  BracketLeft: 0x1a,
  BracketRight: 0x1b,
  Enter: 0x1c,
  ControlLeft: 0x1d,
  Semicolon: 0x27,
  Quote: 0x28,
  Backquote: 0x29,
  ShiftLeft: 0x2a,
  Backslash: 0x2b,
  Comma: 0x33,
  Period: 0x34,
  Slash: 0x35,
  ShiftRight: 0x36,
  NumpadMultiply: 0x37,
  AltLeft: 0x38,
  Space: 0x39,
  CapsLock: 0x3a,
  NumLock: 0x45,
  ScrollLock: 0x46,
  Numpad7: 0x47,
  Numpad8: 0x48,
  Numpad9: 0x49,
  NumpadSubtract: 0x4a,
  Numpad4: 0x4b,
  Numpad5: 0x4c,
  Numpad6: 0x4d,
  NumpadAdd: 0x4e,
  Numpad1: 0x4f,
  Numpad2: 0x50,
  Numpad3: 0x51,
  Numpad0: 0x52,
  NumpadDecimal: 0x53,
  IntlBackslash: 0x56,
  F11: 0x57,
  F12: 0x58,
  IntlRo: 0x73,
  IntlYen: 0x7d,
};

const EXTENDED: Record<string, number> = {
  NumpadEnter: 0x1c,
  ControlRight: 0x1d,
  NumpadDivide: 0x35,
  PrintScreen: 0x37,
  AltRight: 0x38,
  Home: 0x47,
  ArrowUp: 0x48,
  PageUp: 0x49,
  ArrowLeft: 0x4b,
  ArrowRight: 0x4d,
  End: 0x4f,
  ArrowDown: 0x50,
  PageDown: 0x51,
  Insert: 0x52,
  Delete: 0x53,
  MetaLeft: 0x5b,
  MetaRight: 0x5c,
  ContextMenu: 0x5d,
};

const KEYS: ReadonlyMap<string, Scancode> = (() => {
  const keys = new Map<string, Scancode>();
  LETTERS.split(' ').forEach((row, r) =>
    [...row].forEach((letter, i) =>
      keys.set(`Key${letter}`, { code: LETTER_ROW_STARTS[r]! + i, extended: false }),
    ),
  );
  for (let digit = 1; digit <= 10; digit++) {
    keys.set(`Digit${digit % 10}`, { code: 0x01 + digit, extended: false });
    keys.set(`F${digit}`, { code: 0x3a + digit, extended: false });
  }
  for (const [name, code] of Object.entries(PLAIN)) keys.set(name, { code, extended: false });
  for (const [name, code] of Object.entries(EXTENDED)) keys.set(name, { code, extended: true });
  return keys;
})();

/** The scancode of a physical key; null for keys RDP has no scancode for (media keys, Fn…). */
export function scancodeOf(code: string): Scancode | null {
  return KEYS.get(code) ?? null;
}
