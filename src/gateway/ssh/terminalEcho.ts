/**
 * Helpers that read what a terminal showed: whether a full-screen program holds the alternate screen,
 * and what an echoed input line looks like once its editing sequences are applied.
 */

const ESC = '\u001b';
const ALT_SCREEN_MODES = new Set(['1049', '1047', '47']);
const PRIVATE_MODE_START = Buffer.from('\x1b[?');
/** Widest line rendered: the output decides the counts of cursor moves and inserts, so they are capped. */
export const MAX_COLUMNS = 8 * 1024;

/**
 * Follows DECSET/DECRST of the alternate screen (vim, less, top) in target output, and of bracketed
 * paste (the shell asks for it while it reads a line: then an Enter inside a paste is text).
 */
export class AltScreenWatch {
  private active = false;
  private bracketed = false;
  private carry = Buffer.alloc(0);

  get inAltScreen(): boolean {
    return this.active;
  }

  get bracketedPaste(): boolean {
    return this.bracketed;
  }

  /** Returns true when this chunk switched screens. */
  observe(data: Buffer): boolean {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, data]) : data;
    this.carry = Buffer.alloc(0);
    const before = this.active;
    for (let at = buf.indexOf(PRIVATE_MODE_START); at >= 0; at = buf.indexOf(PRIVATE_MODE_START, at + 1)) {
      let end = at + PRIVATE_MODE_START.length;
      while (end < buf.length && ((buf[end]! >= 0x30 && buf[end]! <= 0x39) || buf[end] === 0x3b)) end++;
      if (end >= buf.length) {
        if (end - at < 32) this.carry = Buffer.from(buf.subarray(at));
        break;
      }
      const final = buf[end];
      if (final !== 0x68 && final !== 0x6c) continue; // h / l
      const params = buf.toString('latin1', at + PRIVATE_MODE_START.length, end).split(';');
      if (params.some((p) => ALT_SCREEN_MODES.has(p))) this.active = final === 0x68;
      if (params.includes('2004')) this.bracketed = final === 0x68;
    }
    return this.active !== before;
  }
}

/**
 * Renders one line of echoed output the way a terminal would (printable text, Backspace, CR, EL,
 * cursor left/right, delete/insert characters), starting at the column where input began. Used for
 * lines whose keystrokes alone do not tell the text (history recall, completion).
 */
export function renderEchoedLine(echo: Buffer): string {
  return renderEchoedRow(echo).text;
}

export interface RenderedRow {
  text: string;
  /** The row is wider than MAX_COLUMNS: characters past it were not kept, so `text` is only its start. */
  cut: boolean;
}

/** As renderEchoedLine, telling also whether the row was too wide to be kept whole. */
export function renderEchoedRow(echo: Buffer): RenderedRow {
  const cells: string[] = [];
  let cursor = 0;
  let cut = false;
  const text = echo.toString('utf8');
  const csi = new RegExp(`^${ESC}\\[([0-9;?]*)([@-~])`);
  for (let i = 0; i < text.length;) {
    const ch = text[i]!;
    if (ch === '\x1b') {
      const match = csi.exec(text.slice(i, i + 32));
      if (!match) {
        i += 2; // other escapes (charset, keypad) carry no text
        continue;
      }
      const n = Math.min(MAX_COLUMNS, Math.max(1, Number(match[1]!.split(';')[0]) || 1));
      if (match[2] === 'K') cells.length = Math.min(cells.length, cursor);
      else if (match[2] === 'C') cursor = Math.min(MAX_COLUMNS, cursor + n);
      else if (match[2] === 'D') cursor = Math.max(0, cursor - n);
      else if (match[2] === 'P') cells.splice(cursor, n);
      else if (match[2] === '@') {
        cells.splice(cursor, 0, ...Array<string>(n).fill(' '));
        if (cells.length > MAX_COLUMNS) {
          cells.length = MAX_COLUMNS;
          cut = true;
        }
      }
      i += match[0].length;
      continue;
    }
    i += ch.length;
    if (ch === '\b') cursor = Math.max(0, cursor - 1);
    else if (ch === '\r') cursor = 0;
    else if (ch === '\n') {
      cells.length = 0;
      cursor = 0;
      cut = false;
    } else if (ch >= ' ' && cursor >= MAX_COLUMNS) cut = true;
    else if (ch >= ' ') {
      while (cells.length < cursor) cells.push(' ');
      cells[cursor++] = ch;
    }
  }
  return { text: cells.join('').trim(), cut };
}

const CSI = new RegExp(`${ESC}\\[[0-9;?]*[@-~]`, 'g');

/**
 * True when `line`'s visible characters appear in order in the output: the echo of a line typed key
 * by key, with the shell's redraws (Backspace, erase) in between.
 */
export function echoedInOrder(line: string, output: Buffer): boolean {
  const wanted = [...line].filter((c) => c > ' ');
  if (wanted.length === 0) return true;
  let next = 0;
  for (const ch of output.toString('utf8').replace(CSI, '')) {
    if (ch === wanted[next] && ++next === wanted.length) return true;
  }
  return false;
}

/** True when `line` appears as it is in the output (the echo of a line that arrived all at once). */
export function echoedVerbatim(line: string, output: Buffer): boolean {
  return output.toString('utf8').replace(CSI, '').includes(line);
}
