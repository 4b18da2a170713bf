/**
 * Where terminal output was cut: it arrives in chunks split anywhere, inside an escape sequence or
 * inside a UTF-8 character. A terminal parses escape sequences from decoded characters, so the C1
 * introducers count in their UTF-8 form (C2 xx).
 */

const ESC = 0x1b;
const UTF8_C1_LEAD = 0xc2;
/** C1 codes that start a sequence the parser stays in (DCS, SOS, CSI, OSC, PM, APC). */
const C1_INTRODUCERS = new Set([0x90, 0x98, 0x9b, 0x9d, 0x9e, 0x9f]);

/**
 * Where the last escape sequence in `bytes` starts (-1 when none does). An introducer leaves any
 * sequence before it finished or abandoned, so when output ends inside a sequence, that sequence
 * is the one starting here.
 */
export function sequenceStart(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i] === ESC) return i;
    if (bytes[i] === UTF8_C1_LEAD && i + 1 < bytes.length && C1_INTRODUCERS.has(bytes[i + 1]!)) return i;
  }
  return -1;
}

/** How many bytes the UTF-8 character that `bytes` ends with still lacks (0 when it ends whole). */
export function incompleteCharBytes(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 && byte < 0xf8 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return Math.max(0, length - back);
  }
  return 0;
}
