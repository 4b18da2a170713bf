import { LineEditor } from './lineEditor';
import {
  AltScreenWatch,
  echoedInOrder,
  echoedVerbatim,
  MAX_COLUMNS,
  renderEchoedLine,
  renderEchoedRow,
} from './terminalEcho';

/** The line shows on the rendered input line, or its characters went out in order (tail redraws, wraps). */
const wasEchoed = (line: string, echo: Buffer): boolean =>
  renderEchoedLine(echo).includes(line) || echoedInOrder(line, echo);

export interface TypedCommand {
  /** Session time of the Enter key (use the recording's clock: RecordingWriter.elapsed()). */
  atMs: number;
  command: string;
  /** Rebuilt from the terminal's echo because the keys alone do not tell (history, completion). */
  inexact?: true;
}

export interface CommandLogOptions {
  /**
   * Keep only lines the terminal echoed, so what is typed at a password prompt (echo off) never
   * becomes a "command". Needs `output()`. On by default.
   */
  requireEcho?: boolean;
  /** How long after Enter the echo of the line may still arrive. */
  echoGraceMs?: number;
}

/** The line an operator is about to send with Enter, for the audited-command rules (commandGate.ts). */
export interface PendingLine {
  /** The lines the keystrokes alone tell (more than one after a paste); null when they cannot. */
  typed: string[] | null;
  /** Each typed line showed up in the terminal's echo (what is typed with echo off never does). */
  typedEchoed: boolean;
  /** The echo since the line began, rendered as the terminal shows it. */
  shown: string;
  /**
   * The line about to run (or one of its pasted lines) is longer than the gateway reads whole: the
   * keys went past what the line editor keeps, or, for a line only the echo tells, its row went past
   * what the echo keeps. Neither `typed` nor `shown` is then all of it. Many short lines are not.
   */
  overlong: boolean;
}

interface Candidate {
  atMs: number;
  command: string;
  /** Output since Enter (capped): a fast typist's or a paste's echo lands here. */
  after: Buffer[];
  afterBytes: number;
  /** `afterBytes` when the echo was last looked for: it is looked for again once that doubled. */
  checkedBytes: number;
}

/** Output kept per line for the echo check; a line's echo is far shorter. */
const MAX_ECHO_BYTES = 16 * 1024;
/** Lines waiting for their echo at once (a paste of many lines): each output chunk is checked against all. */
const MAX_CANDIDATES = 64;

/**
 * Extracts the commands an operator types in an interactive shell from the session's two streams:
 * keystrokes (input) are replayed through a line editor; the target's output tells whether the line
 * was echoed (not a password) and whether a full-screen program (vim, less, top) has the terminal,
 * whose keystrokes are not commands.
 *
 * A line echoed while it was typed is confirmed at Enter. Otherwise (typed ahead, pasted) its exact
 * text must show up in the output within `echoGraceMs`, or before the session ends; what is typed
 * with echo off never does.
 */
export class CommandLog {
  private readonly editor = new LineEditor();
  private readonly screen = new AltScreenWatch();
  private readonly requireEcho: boolean;
  private readonly graceMs: number;
  private echo: Buffer[] = [];
  private echoBytes = 0;
  /** Output since the line began went past MAX_ECHO_BYTES and was not all kept. */
  private echoCut = false;
  /** Bytes of output since its last newline (all of them, also those past the echo kept). */
  private echoRowBytes = 0;
  private candidates: Candidate[] = [];

  constructor(options: CommandLogOptions = {}) {
    this.requireEcho = options.requireEcho ?? true;
    // Generous: a busy target may echo a typed-ahead line late, and a password never shows up anyway.
    this.graceMs = options.echoGraceMs ?? 3000;
  }

  /** Operator keystrokes; returns the commands that became final. */
  input(data: Buffer, atMs: number): TypedCommand[] {
    const done = this.expire(atMs);
    if (this.screen.inAltScreen) return done;
    if (this.editor.pristine) this.clearEcho();
    for (const line of this.editor.feed(data)) {
      const echo = Buffer.concat(this.echo);
      this.clearEcho();
      if (line.inexact) {
        const shown = renderEchoedLine(echo);
        if (shown !== '') done.push({ atMs, command: shown, inexact: true });
        continue;
      }
      // Each command is checked against the whole echo: a pasted block is read for its first lines only.
      const lines = line.text.split('\n', MAX_CANDIDATES);
      for (const command of lines.map((l) => l.trim())) {
        if (command === '') continue;
        if (!this.requireEcho || wasEchoed(command, echo)) done.push({ atMs, command });
        else if (this.candidates.length < MAX_CANDIDATES)
          this.candidates.push({ atMs, command, after: [], afterBytes: 0, checkedBytes: 0 });
      }
    }
    return done;
  }

  /** Target output; returns the commands whose echo just arrived. */
  output(data: Buffer, atMs: number): TypedCommand[] {
    const done: TypedCommand[] = [];
    if (this.screen.observe(data) && this.screen.inAltScreen) {
      this.editor.reset();
      this.clearEcho();
    }
    const room = MAX_ECHO_BYTES - this.echoBytes;
    if (room > 0) {
      this.echo.push(data.subarray(0, room));
      this.echoBytes += Math.min(data.length, room);
    }
    if (data.length > room) this.echoCut = true;
    const newline = data.lastIndexOf(0x0a);
    this.echoRowBytes = newline < 0 ? this.echoRowBytes + data.length : data.length - newline - 1;
    this.candidates = this.candidates.filter((c) => {
      if (c.afterBytes < MAX_ECHO_BYTES) {
        c.after.push(data.subarray(0, MAX_ECHO_BYTES - c.afterBytes));
        c.afterBytes += Math.min(data.length, MAX_ECHO_BYTES - c.afterBytes);
      }
      // Looking again only once the output doubled keeps the work linear in it, however it is cut.
      const due = c.afterBytes >= Math.max(c.command.length, 2 * c.checkedBytes);
      const full = c.afterBytes >= MAX_ECHO_BYTES;
      if (!due && !(full && c.checkedBytes < c.afterBytes)) return true;
      if (this.echoed(c)) {
        done.push({ atMs: c.atMs, command: c.command });
        return false;
      }
      return !full; // all the output it may show up in was read
    });
    // Only now: the echo of a line may be in this very chunk, even when it comes late.
    done.push(...this.expire(atMs));
    return done;
  }

  /** The session ended: lines still waiting for their echo are kept when it is in the output received. */
  finish(): TypedCommand[] {
    const done: TypedCommand[] = [];
    for (const c of this.candidates) {
      if (c.checkedBytes < c.afterBytes && this.echoed(c)) done.push({ atMs: c.atMs, command: c.command });
    }
    this.candidates = [];
    return done;
  }

  /** A full-screen program has the terminal: its keys are not command lines. */
  get fullScreen(): boolean {
    return this.screen.inAltScreen;
  }

  /** Inside a paste the shell takes as text (bracketed paste, asked for by the shell): Enter is text. */
  get inTextPaste(): boolean {
    return this.editor.inPaste && this.screen.bracketedPaste;
  }

  /** The current line as keys and echo tell it, before its Enter is sent. */
  pendingLine(): PendingLine {
    const echo = Buffer.concat(this.echo);
    const row = renderEchoedRow(echo);
    const shown = row.text;
    if (this.editor.inexactLine) {
      // Only the echo tells such a line: one row too wide, or still drawn past the echo kept, is cut.
      const rowLost = row.cut || (this.echoCut && this.echoRowBytes > MAX_COLUMNS);
      return { typed: null, typedEchoed: false, shown, overlong: this.editor.overlongLine || rowLost };
    }
    const typed = this.editor.text
      .split('\n', MAX_CANDIDATES)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    const echoed = (l: string): boolean => shown.includes(l) || echoedInOrder(l, echo);
    // Kept whole by the line editor: the keys tell all of it.
    return { typed, typedEchoed: typed.every(echoed), shown, overlong: false };
  }

  /** The current line was cleared without running (a rule blocked it): it is no command. */
  discardLine(): void {
    this.editor.reset();
    this.clearEcho();
  }

  private echoed(c: Candidate): boolean {
    c.checkedBytes = c.afterBytes;
    return c.afterBytes > 0 && echoedVerbatim(c.command, Buffer.concat(c.after));
  }

  private clearEcho(): void {
    this.echo = [];
    this.echoBytes = 0;
    this.echoCut = false;
    this.echoRowBytes = 0;
  }

  /**
   * Lines whose echo did not come in time were typed blind: they are dropped, never logged. Output
   * that arrived since they were last looked for is read first; returns the lines found in it.
   */
  private expire(atMs: number): TypedCommand[] {
    const done: TypedCommand[] = [];
    this.candidates = this.candidates.filter((c) => {
      if (atMs - c.atMs <= this.graceMs) return true;
      if (c.checkedBytes < c.afterBytes && this.echoed(c)) done.push({ atMs: c.atMs, command: c.command });
      return false;
    });
    return done;
  }
}
