export interface CommittedLine {
  text: string;
  /** The line was changed in ways its keystrokes alone cannot show (history, completion, yank). */
  inexact: boolean;
}

type State = 'ground' | 'esc' | 'csi' | 'ss3';

/** Characters kept per line: a longer line is a paste or an attack, and is marked inexact. */
export const MAX_LINE_CHARS = 8 * 1024;
/** Parameter bytes kept per escape sequence (real keys send a few). */
const MAX_PARAMS = 32;
/**
 * Editing work (characters moved or scanned) allowed per line. Past it the line is given up as
 * inexact until Enter, so no keystroke pattern can make the editor's cost grow faster than its input.
 */
const MAX_WORK_PER_LINE = 64 * MAX_LINE_CHARS;

const isPrintable = (ch: string): boolean => ch >= ' ' && ch !== '\x7f' && !(ch >= '\x80' && ch <= '\x9f');
const isWordChar = (ch: string): boolean => /[\p{L}\p{N}_]/u.test(ch);

/**
 * Rebuilds the line an operator types from raw keystrokes, with the editing keys of readline/zle in
 * emacs mode (bash, zsh, sh, most REPLs): cursor motion, Backspace, Delete, Ctrl-U/K/W, Alt-Backspace,
 * Ctrl-C, bracketed paste. Escape sequences are consumed whole, even split across chunks.
 */
export class LineEditor {
  private chars: string[] = [];
  private cursor = 0;
  private inexact = false;
  private state: State = 'ground';
  private params = '';
  private pasting = false;
  /** Work spent on the current line; the line is given up past MAX_WORK_PER_LINE. */
  private work = 0;
  private givenUp = false;
  /** Characters of the current pasted line (since its last newline), counted on once the text is given up. */
  private lostLineChars = 0;
  private overlong = false;
  private readonly decoder = new TextDecoder('utf-8');

  /** True when nothing has been typed on the current line yet. */
  get pristine(): boolean {
    return this.chars.length === 0 && !this.inexact;
  }

  /** The current line, for display. */
  get text(): string {
    return this.chars.join('');
  }

  /** The current line was changed in ways its keystrokes alone cannot show (history, completion). */
  get inexactLine(): boolean {
    return this.inexact;
  }

  /**
   * One line of the current input (a pasted one, or the line typed after the last pasted newline) is
   * longer than MAX_LINE_CHARS: its text was not kept whole, so no reading of it is complete.
   */
  get overlongLine(): boolean {
    return this.overlong;
  }

  /** Inside a bracketed paste, where Enter is text. */
  get inPaste(): boolean {
    return this.pasting;
  }

  feed(data: Buffer): CommittedLine[] {
    const committed: CommittedLine[] = [];
    for (const ch of this.decoder.decode(data, { stream: true })) this.step(ch, committed);
    return committed;
  }

  /** Forgets the current line (the terminal switched to a full-screen program). */
  reset(): void {
    this.chars = [];
    this.cursor = 0;
    this.inexact = false;
    this.state = 'ground';
    this.pasting = false;
    this.work = 0;
    this.givenUp = false;
    this.lostLineChars = 0;
    this.overlong = false;
  }

  private step(ch: string, committed: CommittedLine[]): void {
    switch (this.state) {
      case 'esc':
        return this.afterEscape(ch);
      case 'csi':
        if (ch >= '\x20' && ch <= '\x3f') {
          if (this.params.length < MAX_PARAMS) this.params += ch;
        } else {
          this.state = 'ground';
          this.csi(this.params, ch);
        }
        return;
      case 'ss3':
        this.state = 'ground';
        return this.ss3(ch);
    }
    if (ch === '\x1b') {
      this.state = 'esc';
      return;
    }
    if (this.pasting) return this.insert(ch === '\r' ? '\n' : ch);
    if (ch === '\r' || ch === '\n') return this.commit(committed);
    // A given-up line only waits for its Enter (or Ctrl-C): its text comes from the echo.
    if (this.givenUp) {
      if (ch === '\x03') this.reset();
      else if (isPrintable(ch)) this.countLost(ch);
      return;
    }
    switch (ch) {
      case '\x7f':
      case '\x08':
        return this.deleteRange(this.cursor - 1, this.cursor);
      case '\x04': // Ctrl-D deletes under the cursor (on an empty line it is EOF: nothing to log)
        return this.deleteRange(this.cursor, this.cursor + 1);
      case '\x15': // Ctrl-U
        return this.deleteRange(0, this.cursor);
      case '\x0b': // Ctrl-K
        return this.deleteRange(this.cursor, this.chars.length);
      case '\x17': // Ctrl-W: back to the previous whitespace
        return this.deleteRange(
          this.wordStart((c) => c !== ' ' && c !== '\t'),
          this.cursor,
        );
      case '\x03': // Ctrl-C abandons the line
        return this.reset();
      case '\x01':
        return this.moveTo(0);
      case '\x05':
        return this.moveTo(this.chars.length);
      case '\x02':
        return this.moveTo(this.cursor - 1);
      case '\x06':
        return this.moveTo(this.cursor + 1);
      case '\t': // completion, Ctrl-Y yank, Ctrl-_ undo, Ctrl-T transpose: the result is only on screen
      case '\x19':
      case '\x1f':
      case '\x14':
        this.inexact = true;
        return;
      case '\x10': // Ctrl-P / Ctrl-N / Ctrl-R / Ctrl-S: history replaces the line
      case '\x0e':
      case '\x12':
      case '\x13':
        return this.replacedByHistory();
    }
    if (isPrintable(ch)) this.insert(ch);
  }

  private afterEscape(ch: string): void {
    if (ch === '[') {
      this.state = 'csi';
      this.params = '';
      return;
    }
    if (ch === 'O') {
      this.state = 'ss3';
      return;
    }
    this.state = 'ground';
    if (this.pasting || this.givenUp) return;
    switch (ch) {
      case '\x7f': // Alt-Backspace
      case '\x08':
        return this.deleteRange(this.wordStart(isWordChar), this.cursor);
      case 'd':
        return this.deleteRange(this.cursor, this.wordEnd());
      case 'b':
        return this.moveTo(this.wordStart(isWordChar));
      case 'f':
        return this.moveTo(this.wordEnd());
      case '.':
      case '_':
      case 'y':
        this.inexact = true;
    }
  }

  private csi(params: string, final: string): void {
    if (final === '~') {
      const key = params.split(';')[0];
      if (key === '200') this.pasting = true;
      else if (key === '201') this.pasting = false;
      else if (this.pasting || this.givenUp) return;
      else if (key === '1' || key === '7') this.moveTo(0);
      else if (key === '4' || key === '8') this.moveTo(this.chars.length);
      else if (key === '3') this.deleteRange(this.cursor, this.cursor + 1);
      return;
    }
    if (this.pasting || this.givenUp) return;
    // A modifier (";5" Ctrl, ";3" Alt) turns Left/Right into word motion.
    const byWord = params.includes(';');
    this.key(final, byWord);
  }

  private ss3(final: string): void {
    if (!this.pasting && !this.givenUp) this.key(final, false);
  }

  private key(final: string, byWord: boolean): void {
    switch (final) {
      case 'A':
      case 'B':
        return this.replacedByHistory();
      case 'C':
        return this.moveTo(byWord ? this.wordEnd() : this.cursor + 1);
      case 'D':
        return this.moveTo(byWord ? this.wordStart(isWordChar) : this.cursor - 1);
      case 'H':
        return this.moveTo(0);
      case 'F':
        return this.moveTo(this.chars.length);
    }
  }

  private commit(committed: CommittedLine[]): void {
    const line = { text: this.chars.join(''), inexact: this.inexact };
    this.reset();
    if (line.text.trim() !== '' || line.inexact) committed.push(line);
  }

  private insert(ch: string): void {
    if (this.givenUp) return this.countLost(ch);
    if (this.chars.length >= MAX_LINE_CHARS) {
      this.giveUp();
      return this.countLost(ch);
    }
    if (this.cursor === this.chars.length) this.chars.push(ch);
    else {
      this.spend(this.chars.length - this.cursor);
      this.chars.splice(this.cursor, 0, ch);
    }
    this.cursor++;
  }

  /** Counts editing work; a line that costs too much is given up (and becomes inexact). */
  private spend(work: number): void {
    this.work += work;
    if (this.work > MAX_WORK_PER_LINE) this.giveUp();
  }

  /** Past giving up only the length of each line is followed: one key, one step, whatever the line. */
  private countLost(ch: string): void {
    if (ch === '\n') this.lostLineChars = 0;
    else if (++this.lostLineChars > MAX_LINE_CHARS) this.overlong = true;
  }

  private giveUp(): void {
    this.lostLineChars = this.chars.length - this.chars.lastIndexOf('\n') - 1;
    this.chars = [];
    this.cursor = 0;
    this.inexact = true;
    this.givenUp = true;
  }

  private replacedByHistory(): void {
    this.chars = [];
    this.cursor = 0;
    this.inexact = true;
  }

  private moveTo(position: number): void {
    this.cursor = Math.max(0, Math.min(this.chars.length, position));
  }

  private deleteRange(from: number, to: number): void {
    from = Math.max(0, from);
    to = Math.min(this.chars.length, to);
    if (to <= from) return;
    this.spend(this.chars.length - from);
    if (this.givenUp) return;
    this.chars.splice(from, to - from);
    if (this.cursor > from) this.cursor = Math.max(from, this.cursor - (to - from));
  }

  /** Start of the word before the cursor, skipping separators first (readline's backward-word). */
  private wordStart(inWord: (ch: string) => boolean): number {
    let i = this.cursor;
    while (i > 0 && !inWord(this.chars[i - 1]!)) i--;
    while (i > 0 && inWord(this.chars[i - 1]!)) i--;
    this.spend(this.cursor - i);
    return i;
  }

  private wordEnd(): number {
    let i = this.cursor;
    while (i < this.chars.length && !isWordChar(this.chars[i]!)) i++;
    while (i < this.chars.length && isWordChar(this.chars[i]!)) i++;
    this.spend(i - this.cursor);
    return i;
  }
}
