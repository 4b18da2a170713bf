import type { RecordEvent } from '../format';
import { PIECE_BYTES, ScreenText, type ClearKind, type FeedItem, type TextLine } from './screenText';

export type { TextLine } from './screenText';

/** Output fed to the terminal per batch: between batches, reading and cancelling get their turn. */
const BATCH_BYTES = 256 * 1024;

/** ED 2 and ED 3 (clear the screen / the saved lines) and RIS (full reset) erase what was shown. */
const CLEARS: readonly { bytes: Buffer; kind: ClearKind }[] = [
  { bytes: Buffer.from('\x1b[2J'), kind: 'screen' },
  { bytes: Buffer.from('\x1b[3J'), kind: 'screen' },
  { bytes: Buffer.from('\x1bc'), kind: 'reset' },
];

export interface ExtractOptions {
  cols: number;
  rows: number;
  /** False for `ssh host command` without a terminal: its bare line feeds start new lines. */
  pty?: boolean;
  /** Checked between batches; a true stops the extraction with `ExtractionCancelled`. */
  cancelled?: () => boolean;
}

export class ExtractionCancelled extends Error {
  constructor() {
    super('Session text extraction cancelled');
    this.name = 'ExtractionCancelled';
  }
}

/**
 * The text of a recording as a person reads it: its output and resizes replayed through a headless
 * terminal; yields the lines as they become final, in batches, oldest first.
 */
export async function* extractText(
  events: AsyncIterable<RecordEvent> | Iterable<RecordEvent>,
  options: ExtractOptions,
): AsyncGenerator<TextLine[]> {
  const screen = new ScreenText(options.cols, options.rows, options.pty === false);
  try {
    let batch: FeedItem[] = [];
    let bytes = 0;
    const feed = async (): Promise<TextLine[]> => {
      if (options.cancelled?.() === true) throw new ExtractionCancelled();
      await screen.feed(batch);
      batch = [];
      bytes = 0;
      return screen.take();
    };
    for await (const e of events) {
      if (e.type === 'o') {
        pushOutput(batch, e.data, e.t);
        bytes += e.data.length;
      } else if (e.type === 'r') {
        batch.push({ kind: 'resize', cols: e.cols, rows: e.rows });
      }
      if (bytes >= BATCH_BYTES) {
        const lines = await feed();
        if (lines.length > 0) yield lines;
      }
    }
    const lines = await feed();
    lines.push(...screen.finish());
    if (lines.length > 0) yield lines;
  } finally {
    screen.dispose();
  }
}

/** Splits output around clear sequences (the screen is read before each) and into small pieces. */
function pushOutput(batch: FeedItem[], data: Buffer, t: number): void {
  let rest = data;
  for (let clear = findClear(rest); clear !== null; clear = findClear(rest)) {
    pushPieces(batch, rest.subarray(0, clear.at), t, true);
    batch.push({ kind: 'flush', clear: clear.kind });
    batch.push({
      kind: 'output',
      data: rest.subarray(clear.at, clear.at + clear.length),
      t,
      clearSequence: true,
    });
    rest = rest.subarray(clear.at + clear.length);
  }
  pushPieces(batch, rest, t, false);
}

function pushPieces(batch: FeedItem[], data: Buffer, t: number, beforeClear: boolean): void {
  for (let at = 0; at < data.length; at += PIECE_BYTES) {
    const end = Math.min(data.length, at + PIECE_BYTES);
    batch.push({
      kind: 'output',
      data: data.subarray(at, end),
      t,
      beforeClear: beforeClear && end === data.length,
    });
  }
}

function findClear(data: Buffer): { at: number; length: number; kind: ClearKind } | null {
  let found: { at: number; length: number; kind: ClearKind } | null = null;
  for (const c of CLEARS) {
    const at = data.indexOf(c.bytes);
    if (at >= 0 && (found === null || at < found.at)) found = { at, length: c.bytes.length, kind: c.kind };
  }
  return found;
}
