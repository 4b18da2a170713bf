import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { RasterEvent, RasterInput } from '../../recording/raster/rasterFormat';
import { ExtractionCancelled, type TextLine } from '../../recording/sessionText/extractor';
import { typeText } from './scancodes';

/** The first line of every remote desktop's text: what the lines are, and how far to trust them. */
export const ACTIVITY_TEXT_HEADING =
  "[Keys pressed and clicks, as the gateway received them. Keys are read on a US keyboard layout: the target's layout may differ. Enter ends a line.]";

/** A typed line this long is cut, so a long text typed without Enter stays readable and searchable. */
const MAX_LINE_CHARS = 500;
/** Wheel turns this close together, in one direction, are one line. */
const WHEEL_RUN_MS = 1000;
/** Lines handed out per batch. */
const BATCH_LINES = 2000;
/** Events read between two turns of the event loop. */
const EVENTS_PER_TURN = 5000;

const BUTTONS = ['', 'left', 'right', 'middle'] as const;
const SPACE = 0x39;
const KEYPAD_SLASH = 'e035';
const KEYPAD_SLASH_CHARACTERS = ['/', '/'] as const;

/** Set-1 scancodes of the keys that type a character on a US layout: [plain, with Shift]. */
const CHARACTERS: ReadonlyMap<number, readonly [string, string]> = (() => {
  const keys = new Map<number, [string, string]>();
  for (let code = 0x20; code < 0x7f; code++) {
    const ch = String.fromCharCode(code);
    const strokes = typeText(ch).filter((e) => e.down);
    const key = strokes[strokes.length - 1]!;
    const shifted = strokes.length > 1;
    const entry = keys.get(key.code) ?? ['', ''];
    entry[shifted ? 1 : 0] = ch;
    keys.set(key.code, entry);
  }
  // The keypad, read with Num Lock on (the gateway cannot see the target's lock state).
  const keypad: [number, string][] = [
    [0x47, '7'],
    [0x48, '8'],
    [0x49, '9'],
    [0x4a, '-'],
    [0x4b, '4'],
    [0x4c, '5'],
    [0x4d, '6'],
    [0x4e, '+'],
    [0x4f, '1'],
    [0x50, '2'],
    [0x51, '3'],
    [0x52, '0'],
    [0x53, '.'],
    [0x37, '*'],
  ];
  for (const [code, ch] of keypad) keys.set(code, [ch, ch]);
  return keys;
})();

/** Keys shown by name. Extended ones are keyed `e0xx`. */
const NAMED: ReadonlyMap<string, string> = new Map([
  ['01', 'Esc'],
  ['0f', 'Tab'],
  ['0e', 'Backspace'],
  ['e048', 'Up'],
  ['e050', 'Down'],
  ['e04b', 'Left'],
  ['e04d', 'Right'],
  ['e047', 'Home'],
  ['e04f', 'End'],
  ['e049', 'PageUp'],
  ['e051', 'PageDown'],
  ['e052', 'Insert'],
  ['e053', 'Delete'],
  ['e037', 'PrintScreen'],
  ['e05d', 'Menu'],
  ['e05b', 'Win'],
  ['e05c', 'Win'],
  ['3b', 'F1'],
  ['3c', 'F2'],
  ['3d', 'F3'],
  ['3e', 'F4'],
  ['3f', 'F5'],
  ['40', 'F6'],
  ['41', 'F7'],
  ['42', 'F8'],
  ['43', 'F9'],
  ['44', 'F10'],
  ['57', 'F11'],
  ['58', 'F12'],
]);

/** Lock keys change how later keys read, and are not shown themselves. */
const LOCKS: ReadonlySet<string> = new Set(['3a', '45', '46']);

const MODIFIERS: ReadonlyMap<string, Modifier> = new Map([
  ['2a', 'Shift'],
  ['36', 'Shift'],
  ['1d', 'Ctrl'],
  ['e01d', 'Ctrl'],
  ['38', 'Alt'],
  ['e038', 'AltGr'],
  ['e05b', 'Win'],
  ['e05c', 'Win'],
]);
type Modifier = 'Shift' | 'Ctrl' | 'Alt' | 'AltGr' | 'Win';
const MODIFIER_ORDER: readonly Modifier[] = ['Ctrl', 'Alt', 'AltGr', 'Win', 'Shift'];

const keyName = (code: number, extended: boolean) =>
  `${extended ? 'e0' : ''}${code.toString(16).padStart(2, '0')}`;

/**
 * Turns a remote desktop's recorded input into text lines an auditor can read and search: typed
 * text reconstructed from the key events (Enter ends a line; Backspace takes back the character
 * before it; other keys and shortcuts appear as `<Name>`), and clicks, wheel turns and screen size
 * changes as bracketed lines with their screen position. Pointer moves are left out.
 */
export class ActivityText {
  private readonly held = new Map<string, Modifier>();
  private capsLock = false;
  private line: { startMs: number; pieces: { text: string; typed: boolean }[] } | null = null;
  private wheel: {
    startMs: number;
    t: number;
    x: number;
    y: number;
    turns: number;
    direction: string;
  } | null = null;
  private lines: TextLine[] = [{ offsetMs: 0, text: ACTIVITY_TEXT_HEADING }];

  add(event: RasterEvent): void {
    if (event.type === 'resize') return this.note(event.t, `[screen size ${event.width}x${event.height}]`);
    if (event.type !== 'input') return;
    this.input(event.t, event.input);
  }

  /** The lines finished so far (each is handed out once). */
  take(): TextLine[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  /** Ends the text: the line being typed and a wheel run are finished. */
  finish(): TextLine[] {
    this.endWheel();
    this.endLine();
    return this.take();
  }

  private input(t: number, input: RasterInput): void {
    if (input.kind === 'key') return this.key(t, input.code, input.down, input.extended);
    if (input.kind === 'wheel') return this.turn(t, input);
    if (input.button === 0 || !input.down) return;
    this.note(t, `[${BUTTONS[input.button]} click at ${input.x},${input.y}]`);
  }

  private key(t: number, code: number, down: boolean, extended: boolean): void {
    const name = keyName(code, extended);
    const modifier = MODIFIERS.get(name);
    if (modifier !== undefined) {
      if (down) this.held.set(name, modifier);
      else this.held.delete(name);
      return;
    }
    if (!down) return;
    this.endWheel();
    if (code === 0x1c) return this.endLine();
    if (name === '3a') this.capsLock = !this.capsLock;
    if (LOCKS.has(name)) return;
    const modifiers = new Set(this.held.values());
    const chord = MODIFIER_ORDER.filter((m) => m !== 'Shift' && modifiers.has(m));
    const shift = modifiers.has('Shift');
    const character = extended
      ? name === KEYPAD_SLASH
        ? KEYPAD_SLASH_CHARACTERS
        : undefined
      : CHARACTERS.get(code);
    if (character !== undefined && chord.length === 0) {
      const [plain, shifted] = character;
      const letter = /[a-z]/.test(plain);
      const useShifted = (letter ? shift !== this.capsLock : shift) && shifted !== '';
      return this.type(t, useShifted ? shifted : plain, true);
    }
    if (name === '0e' && chord.length === 0 && this.takeBack()) return;
    const label =
      code === SPACE
        ? 'Space'
        : character !== undefined
          ? character[0].toUpperCase()
          : (NAMED.get(name) ?? `key ${name}`);
    const parts = [...chord, ...(shift ? ['Shift'] : []), label];
    this.type(t, `<${parts.join('+')}>`, false);
  }

  private type(t: number, text: string, typed: boolean): void {
    this.line ??= { startMs: t, pieces: [] };
    this.line.pieces.push({ text, typed });
    if (this.line.pieces.length >= MAX_LINE_CHARS) this.endLine();
  }

  /** Backspace right after typed characters removes the last one; true when it did. */
  private takeBack(): boolean {
    const last = this.line?.pieces.at(-1);
    if (last === undefined || !last.typed) return false;
    this.line!.pieces.pop();
    return true;
  }

  private turn(t: number, input: Extract<RasterInput, { kind: 'wheel' }>): void {
    const direction = input.horizontal ? (input.negative ? 'left' : 'right') : input.negative ? 'down' : 'up';
    const run = this.wheel;
    if (run !== null && run.direction === direction && t - run.t <= WHEEL_RUN_MS) {
      run.turns++;
      run.t = t;
      return;
    }
    this.endWheel();
    this.endLine();
    this.wheel = { startMs: t, t, x: input.x, y: input.y, turns: 1, direction };
  }

  private endWheel(): void {
    const run = this.wheel;
    if (run === null) return;
    this.wheel = null;
    const times = run.turns > 1 ? ` x${run.turns}` : '';
    this.lines.push({ offsetMs: run.startMs, text: `[wheel ${run.direction}${times} at ${run.x},${run.y}]` });
  }

  /** A line of its own: the typed line before it is ended first. */
  private note(t: number, text: string): void {
    this.endWheel();
    this.endLine();
    this.lines.push({ offsetMs: t, text });
  }

  private endLine(): void {
    const line = this.line;
    this.line = null;
    if (line === null || line.pieces.length === 0) return;
    this.lines.push({ offsetMs: line.startMs, text: line.pieces.map((p) => p.text).join('') });
  }
}

/**
 * The activity text of a raster recording's events, in batches of lines, oldest first; `cancelled`
 * is checked between batches (ExtractionCancelled), as the terminal text's extractor does.
 */
export async function* activityText(
  events: AsyncIterable<RasterEvent>,
  cancelled: () => boolean = () => false,
): AsyncGenerator<TextLine[]> {
  const text = new ActivityText();
  let pending: TextLine[] = [];
  let sinceTurn = 0;
  for await (const event of events) {
    // Events come from decoded segments as microtasks: give I/O its turn now and then.
    if (++sinceTurn === EVENTS_PER_TURN) {
      sinceTurn = 0;
      await yieldToLoop();
      if (cancelled()) throw new ExtractionCancelled();
    }
    text.add(event);
    if (event.type !== 'input' && event.type !== 'resize') continue;
    pending.push(...text.take());
    if (pending.length >= BATCH_LINES) {
      yield pending;
      pending = [];
    }
  }
  pending.push(...text.finish());
  if (pending.length > 0) yield pending;
}
