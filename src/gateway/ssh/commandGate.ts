import type { RuleAction } from '../../shared/rules';
import { LINE_TOO_LONG_RULE } from '../rules/builtIn';
import type { CompiledRule } from '../rules/ruleBook';
import { MAX_LINE_CHARS } from './lineEditor';
import type { TypedCommands } from './typedCommands';

/** What clears the shell's line instead: end of line, then kill to its start. Never a command, never Enter. */
export const CLEAR_LINE = Buffer.from('\x05\x15');
/** Ends a bracketed paste first, so the shell takes the editing keys as keys, not as pasted text. */
const END_PASTE = Buffer.from('\x1b[201~');
/**
 * Bytes kept of a pasted line: as many characters as the line editor keeps, in UTF-8 at its widest,
 * and the paste's own escape sequences. Past it the line is too long to read whole.
 */
const MAX_PASTED_LINE_BYTES = 4 * MAX_LINE_CHARS + 64;
/** Escape sequences in pasted input (the paste brackets, keys): no text of the line. */
const ESC = '\u001b';
const ESCAPES = new RegExp(`${ESC}(?:\\[[0-?]*[ -/]*[@-~]|.)?`, 'g');
/** How long the rest of a paste stopped by a rule may still arrive (and is dropped). */
const PASTE_REST_MS = 1000;
/** Input held behind an undecided Enter; past it the operator's input waits (SSH flow control). */
const MAX_HELD_BYTES = 64 * 1024;
/**
 * Rule work one turn of the event loop may take: a long paste checked line by line waits, in
 * order, for the next turns, so other sessions go on meanwhile.
 */
const SLICE_MS = 10;
/** Output kept of the rows the line is on (its prompt, its echo), to show them again under a block notice. */
const MAX_ROW_BYTES = 8 * 1024;
/**
 * Output of the line's rows past MAX_ROW_BYTES stood for by blanks in that copy: the copy must be at
 * least as tall as the line, or the shell's erasing goes up into the notice above it.
 */
const MAX_ROW_FILLER_BYTES = 64 * 1024;

const ACTION_WEIGHT: Record<RuleAction, number> = { allow: 0, block: 1, interrupt: 2 };

export interface RuleMatch {
  rule: CompiledRule;
  /** The line as it matched. */
  command: string;
  /**
   * The output that drew the line's rows (its prompt and its echo), empty when too long: shown
   * again under a block notice, so the shell's erasing of the line acts on that copy.
   */
  rows: Buffer;
}

export interface CommandGateOptions {
  commands: TypedCommands;
  /** The rules that apply to the session now, oldest first (asked per input: they change while it runs). */
  rules: () => readonly CompiledRule[];
  /**
   * Brings `rules` up to date with the database; awaited at each Enter before the line is checked,
   * so a rule added while the session runs applies to its next command. Without it, `rules` is
   * taken as current.
   */
  refreshRules?: () => Promise<void>;
  /** Input on to the target (and the command extraction). */
  send: (data: Buffer) => void;
  /**
   * A rule matched. allow: the Enter goes on after this. block, interrupt: the Enter and the
   * `dropped` bytes queued behind it were not sent; the line was cleared on the target.
   */
  matched: (match: RuleMatch, dropped: number) => void;
  /** Held input passed its bound (true) or went on (false). */
  flowControl: (paused: boolean) => void;
  /** Everything held went on (or was dropped). */
  drained?: () => void;
  /** The rest of a paste a rule stopped arrived after the decision, and was dropped too. */
  droppedPasteRest?: (bytes: number) => void;
  /**
   * How long the echo of a line may take: past it without any output since the line's first key,
   * or since its last key when some came, the line went blind (echo off) and goes on unmatched.
   */
  graceMs?: number;
  /** Quiet output that tells a history recall or completion was drawn whole. */
  settleMs?: number;
  now?: () => number;
}

type Verdict = { match: RuleMatch | null } | { waitUntil: number };

/**
 * Where the first key that makes a shell run its line is: Enter (Ctrl-M), Ctrl-J, or readline's
 * Ctrl-O (operate-and-get-next). One pass up to it, so a paste of many lines costs linear time.
 */
const isRunKey = (byte: number): boolean => byte === 0x0d || byte === 0x0a || byte === 0x0f;
const firstRunKey = (chunk: Buffer): number => {
  for (let i = 0; i < chunk.length; i++) if (isRunKey(chunk[i]!)) return i;
  return -1;
};

/**
 * Enforces the audited-command rules on an interactive session's input. Keys pass at once; a key
 * that runs the line (Enter) is held, with the input behind it, until the terminal shows the line,
 * which is then matched: typed ahead or pasted, its echo may come later than the Enter. What never
 * shows (echo off: a password) goes on unmatched once `graceMs` passed without echo. A blocked line
 * is cleared on the target with editing keys; the Enter never reaches it.
 *
 * Without rules for the session, input goes straight on: only chunks holding an Enter are looked at.
 */
export class CommandGate {
  readonly #o: CommandGateOptions;
  readonly #graceMs: number;
  readonly #settleMs: number;
  readonly #now: () => number;
  /** Input not sent yet; while holding, its first byte is the undecided Enter. */
  /** The rules were read again since the last Enter went on (see refreshRules). */
  #rulesFresh = false;
  #rulesReading = false;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  #holding = false;
  /** Checking a long paste goes on in the next turn of the event loop. */
  #yielded: NodeJS.Immediate | null = null;
  #paused = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #lastInputAt = 0;
  #lastOutputAt = 0;
  #outputAfterInput = false;
  /** The next key sent starts a line. */
  #lineFresh = true;
  #lineStartedAt = 0;
  #outputInLine = false;
  /** Output since the last newline: the row a line starts on. */
  #row: Buffer[] = [];
  #rowBytes = 0;
  /** Output since the row the current line started on, up to MAX_ROW_BYTES; null when that row alone was longer. */
  #lineRows: Buffer[] | null = [];
  #lineRowsBytes = 0;
  /** Output of the line's rows not kept (past MAX_ROW_BYTES), counted up to MAX_ROW_FILLER_BYTES, and its newlines. */
  #lineRowsLost = 0;
  #lineRowsLostNewlines = 0;
  /** The line started before the target answered the previous Enter (typed ahead of its prompt). */
  #lineAhead = false;
  #outputSinceRunKey = false;
  /** Input sent since the last Enter: inside a paste, the pasted line. */
  #sinceRunKey: Buffer[] = [];
  #sinceRunKeyBytes = 0;
  /** Input since the last Enter went past MAX_PASTED_LINE_BYTES: not all of it was kept. */
  #sinceRunKeyCut = false;
  /** A rule stopped a paste: its rest is dropped until the paste ends, or until this time. */
  #pasteRestUntil = 0;

  constructor(options: CommandGateOptions) {
    this.#o = options;
    this.#graceMs = options.graceMs ?? 2000;
    this.#settleMs = options.settleMs ?? 50;
    this.#now = options.now ?? (() => performance.now());
  }

  /** An Enter waits for its decision (or input behind one). */
  get holding(): boolean {
    return this.#queue.length > 0;
  }

  /** Operator input, in order. */
  input(chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#pasteRestUntil > 0) {
      const kept = this.#afterPasteRest(chunk);
      if (kept === null) return;
      chunk = kept;
    }
    if (this.#queue.length === 0 && firstRunKey(chunk) < 0) return this.#sendLine(chunk);
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.length;
    if (this.#queuedBytes > MAX_HELD_BYTES && !this.#paused) {
      this.#paused = true;
      this.#o.flowControl(true);
    }
    if (!this.#holding && this.#yielded === null) this.#pump();
  }

  /** Target output, after the command extraction read it. */
  output(chunk: Buffer): void {
    this.#lastOutputAt = this.#now();
    this.#outputAfterInput = true;
    this.#outputInLine = true;
    this.#outputSinceRunKey = true;
    if (this.#lineRows !== null) {
      if (this.#lineRowsLost === 0 && this.#lineRowsBytes + chunk.length <= MAX_ROW_BYTES) {
        this.#lineRows.push(chunk);
        this.#lineRowsBytes += chunk.length;
      } else if (this.#lineRowsLost < MAX_ROW_FILLER_BYTES) this.#lostRows(chunk);
    }
    const newline = chunk.lastIndexOf(0x0a);
    if (newline >= 0) {
      this.#row = [chunk.subarray(newline + 1)];
      this.#rowBytes = chunk.length - newline - 1;
    } else if (this.#rowBytes < MAX_ROW_BYTES) {
      this.#row.push(chunk);
      this.#rowBytes += chunk.length;
    }
    if (this.#holding) this.#pump();
  }

  /** Drops what is held (the operator's input was blocked, or the session ends). */
  discard(): void {
    this.#clearTimer();
    if (this.#yielded !== null) clearImmediate(this.#yielded);
    this.#yielded = null;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#holding = false;
    this.#resume();
  }

  close(): void {
    this.#closed = true;
    this.discard();
  }

  #pump(): void {
    const started = this.#now();
    // Read once per turn: a rule added meanwhile applies from the next input or output on.
    let rules: readonly CompiledRule[] | null = null;
    const current = (): readonly CompiledRule[] => (rules ??= this.#o.rules());
    while (this.#queue.length > 0 && !this.#closed) {
      if (this.#holding) {
        const verdict = this.#verdict(current());
        if ('waitUntil' in verdict) return this.#wake(verdict.waitUntil);
        this.#holding = false;
        this.#rulesFresh = false;
        this.#clearTimer();
        const { match } = verdict;
        if (match !== null && match.rule.action !== 'allow') {
          this.#block(match);
          break;
        }
        if (match !== null) this.#o.matched(match, 0);
        this.#sendRunKey();
        continue;
      }
      const chunk = this.#queue[0]!;
      const at = firstRunKey(chunk);
      if (at < 0) {
        this.#take(chunk.length);
        this.#sendLine(chunk);
        continue;
      }
      const { commands } = this.#o;
      if (!commands.fullScreen && !this.#rulesFresh && this.#o.refreshRules !== undefined) {
        return this.#refreshRules();
      }
      if (commands.fullScreen || current().length === 0) {
        // Nothing to check: the chunk goes on in one piece, as input always did.
        this.#take(chunk.length);
        this.#sendUnchecked(chunk);
        this.#rulesFresh = false;
        continue;
      }
      if (at > 0) {
        this.#take(at);
        this.#sendLine(chunk.subarray(0, at));
      }
      if (commands.inTextPaste) {
        if (this.#now() - started > SLICE_MS) return this.#yield();
        if (this.#pastedLineStopped(current())) break;
      } else this.#holding = true;
    }
    if (this.#queue.length === 0 && !this.#closed) {
      this.#resume();
      this.#o.drained?.();
    }
  }

  /**
   * An Enter inside a paste the shell asked for (bracketed) is text: the shell runs the lines at the
   * Enter after the paste, where they are checked. Yet what asked for the paste may be no such
   * shell, so a pasted line a rule stops is stopped at its own Enter already (allow waits).
   * Returns true when it was stopped.
   */
  #pastedLineStopped(rules: readonly CompiledRule[]): boolean {
    const line = Buffer.concat(this.#sinceRunKey).toString('utf8').replace(ESCAPES, '');
    const text = line.trim();
    const overlong =
      this.#sinceRunKeyCut || (line.length > MAX_LINE_CHARS && [...line].length > MAX_LINE_CHARS);
    const match = this.#strictest(
      rules,
      [text],
      overlong ? [...text].slice(0, MAX_LINE_CHARS).join('') : null,
    );
    if (match !== null && match.rule.action !== 'allow') {
      this.#block(match, END_PASTE);
      return true;
    }
    this.#sendRunKey(true);
    return false;
  }

  /** Holds the queue until the rules were read again, then goes on with them. */
  #refreshRules(): void {
    if (this.#rulesReading) return;
    this.#rulesReading = true;
    this.#o.refreshRules!()
      .catch(() => undefined)
      .finally(() => {
        this.#rulesReading = false;
        this.#rulesFresh = true;
        if (!this.#closed && !this.#holding && this.#yielded === null) this.#pump();
      });
  }

  #yield(): void {
    this.#yielded = setImmediate(() => {
      this.#yielded = null;
      this.#pump();
    });
  }

  /** Drops what is left of a paste a rule stopped; returns the input after it. */
  #afterPasteRest(chunk: Buffer): Buffer | null {
    if (this.#now() > this.#pasteRestUntil) {
      this.#pasteRestUntil = 0;
      return chunk;
    }
    const end = chunk.indexOf(END_PASTE);
    const dropped = end < 0 ? chunk.length : end + END_PASTE.length;
    this.#o.droppedPasteRest?.(dropped);
    if (end < 0) return null;
    this.#pasteRestUntil = 0;
    return dropped < chunk.length ? chunk.subarray(dropped) : null;
  }

  /** The line's decision, or when to look again. */
  #verdict(rules: readonly CompiledRule[]): Verdict {
    const line = this.#o.commands.pendingLine();
    const now = this.#now();
    // Keys typed with no output at all since the first of them: that silence counts from the first.
    const blindAt = (this.#outputInLine ? this.#lastInputAt : this.#lineStartedAt) + this.#graceMs;
    if (line.typed !== null) {
      // Nothing typed runs nothing (and the echo buffer then still holds the last command's output).
      if (line.typed.length === 0) return { match: null };
      if (line.typedEchoed) return { match: this.#strictest(rules, [...line.typed, line.shown]) };
      if (now < blindAt) return { waitUntil: blindAt };
      // Never echoed as typed: echo off (nothing shows), or keys the line editor does not know.
      return { match: this.#strictest(rules, [line.shown]) };
    }
    // History, completion, or too long to keep: the line is what was drawn once the drawing stopped.
    const settledAt = this.#lastOutputAt + this.#settleMs;
    if (now < blindAt && (!this.#outputAfterInput || now < settledAt)) {
      return { waitUntil: this.#outputAfterInput ? Math.min(settledAt, blindAt) : blindAt };
    }
    // Longer than what was read of it, and echoed: with echo off nothing shows, and a password stays unmatched.
    const overlongHead = line.overlong && this.#outputInLine ? line.shown : null;
    return { match: this.#strictest(rules, [line.shown], overlongHead) };
  }

  /**
   * The strictest rule any reading of the line falls under: interrupt, block, allow; then the
   * higher score; then the older rule (as RuleBook.match). `overlongHead`: the line is longer than
   * what was read of it (this part), so while a rule may stop commands it falls under line-too-long,
   * older than any: its unread tail could hold anything.
   */
  #strictest(
    rules: readonly CompiledRule[],
    lines: string[],
    overlongHead: string | null = null,
  ): RuleMatch | null {
    let best: RuleMatch | null = null;
    if (overlongHead !== null && rules.some((r) => r.action !== 'allow'))
      best = { rule: LINE_TOO_LONG_RULE, command: `${overlongHead.trimEnd()}…`, rows: Buffer.alloc(0) };
    for (const command of new Set(lines)) {
      if (command === '') continue;
      // The whole of what was read: patterns run in linear time, so no cut is needed (a cut is a hole).
      for (const rule of rules) {
        const weight = ACTION_WEIGHT[rule.action];
        const bestWeight = best === null ? -1 : ACTION_WEIGHT[best.rule.action];
        const better = weight > bestWeight || (weight === bestWeight && rule.score > best!.rule.score);
        if (better && rule.regex.test(command)) best = { rule, command, rows: Buffer.alloc(0) };
      }
    }
    // Typed ahead, the line's echo is on the row the output is on now; else from its prompt on.
    const rows = this.#lineAhead
      ? this.#rowBytes <= MAX_ROW_BYTES
        ? this.#row
        : null
      : this.#lineRowsCopy(best?.rule === LINE_TOO_LONG_RULE);
    if (best !== null && rows !== null) best.rows = Buffer.concat(rows);
    return best;
  }

  #block(match: RuleMatch, before?: Buffer): void {
    const dropped = this.#queuedBytes - 1;
    // Stopped inside a paste whose end has not arrived yet: what is left of it is dropped too.
    if (before === END_PASTE && !Buffer.concat(this.#queue).includes(END_PASTE))
      this.#pasteRestUntil = this.#now() + PASTE_REST_MS;
    this.discard();
    this.#o.commands.discardLine();
    this.#o.send(before === undefined ? CLEAR_LINE : Buffer.concat([before, CLEAR_LINE]));
    this.#lastInputAt = this.#now();
    this.#outputAfterInput = false;
    this.#lineFresh = true;
    this.#outputSinceRunKey = false;
    this.#sinceRunKey = [];
    this.#sinceRunKeyBytes = 0;
    this.#sinceRunKeyCut = false;
    this.#o.matched(match, dropped);
  }

  #sendLine(bytes: Buffer): void {
    this.#o.send(bytes);
    this.#track(bytes);
  }

  /** Input sent that may hold Enters, none of them checked (no rule applies, or a full-screen program). */
  #sendUnchecked(bytes: Buffer): void {
    this.#o.send(bytes);
    let last = bytes.length - 1;
    while (last >= 0 && !isRunKey(bytes[last]!)) last--;
    if (last < 0) return this.#track(bytes);
    this.#ranLine(false);
    if (last + 1 < bytes.length) this.#track(bytes.subarray(last + 1));
  }

  /** Follows the line being typed: its text since the last Enter, when it started, its rows. */
  #track(bytes: Buffer): void {
    const room = MAX_PASTED_LINE_BYTES - this.#sinceRunKeyBytes;
    if (room > 0) {
      this.#sinceRunKey.push(bytes.length <= room ? bytes : bytes.subarray(0, room));
      this.#sinceRunKeyBytes += Math.min(bytes.length, room);
    }
    if (bytes.length > room) this.#sinceRunKeyCut = true;
    this.#lastInputAt = this.#now();
    this.#outputAfterInput = false;
    if (this.#lineFresh) {
      this.#lineFresh = false;
      this.#lineStartedAt = this.#lastInputAt;
      this.#lineAhead = !this.#outputSinceRunKey;
      this.#outputInLine = false;
      this.#lineRows = this.#rowBytes <= MAX_ROW_BYTES ? [...this.#row] : null;
      this.#lineRowsBytes = this.#rowBytes;
      this.#lineRowsLost = 0;
      this.#lineRowsLostNewlines = 0;
    }
  }

  #lostRows(chunk: Buffer): void {
    const counted = chunk.subarray(0, MAX_ROW_FILLER_BYTES - this.#lineRowsLost);
    this.#lineRowsLost += counted.length;
    for (let at = counted.indexOf(0x0a); at >= 0; at = counted.indexOf(0x0a, at + 1))
      this.#lineRowsLostNewlines++;
  }

  /**
   * What drew the line's rows, to show again under a block notice; none when past MAX_ROW_BYTES.
   * `tooLong`: the line itself is what went past it, so blanks and newlines stand for the rest: as
   * tall as the line or taller, never less (other output that long is better not shown again).
   */
  #lineRowsCopy(tooLong: boolean): Buffer[] | null {
    if (this.#lineRows === null || this.#lineRowsLost === 0) return this.#lineRows;
    if (!tooLong) return null;
    const filler = Buffer.alloc(this.#lineRowsLost, ' ');
    return [...this.#lineRows, filler, Buffer.from('\r\n'.repeat(this.#lineRowsLostNewlines))];
  }

  /** Sends the Enter at the front of the queue; `inPaste`: it is text, the line goes on. */
  #sendRunKey(inPaste = false): void {
    const key = this.#queue[0]!.subarray(0, 1);
    this.#take(1);
    this.#o.send(key);
    this.#ranLine(inPaste);
  }

  #ranLine(inPaste: boolean): void {
    this.#lastInputAt = this.#now();
    this.#outputAfterInput = false;
    this.#sinceRunKey = [];
    this.#sinceRunKeyBytes = 0;
    this.#sinceRunKeyCut = false;
    if (inPaste) return;
    this.#lineFresh = true;
    this.#outputSinceRunKey = false;
  }

  /** Removes `n` bytes from the front of the queue's first chunk. */
  #take(n: number): void {
    const chunk = this.#queue[0]!;
    if (n >= chunk.length) this.#queue.shift();
    else this.#queue[0] = chunk.subarray(n);
    this.#queuedBytes -= n;
  }

  #wake(at: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#pump();
      },
      Math.max(1, Math.ceil(at - this.#now())),
    );
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#o.flowControl(false);
  }
}
