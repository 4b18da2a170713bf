import type { PlayerScreen, PlayerSearchResult } from '../shared/ipc';
import { FormatError } from './format';
import { OverviewBuilder, overviewFromIndex, type OverviewOptions, type RecordingOverview } from './overview';
import { RecordingReader, type EventPosition } from './reader';
import { ExtractionCancelled, extractText, type TextLine } from './sessionText/extractor';

export type { PlayerScreen, PlayerSearchResult };

export type PlayerEvent =
  | { atMs: number; type: 'output'; data: Buffer }
  | { atMs: number; type: 'resize'; cols: number; rows: number };

export interface PlayerEventsPage {
  events: PlayerEvent[];
  /** Pass back as `cursor` for the rest of the window; null when the window is exhausted. */
  next: string | null;
}

/** Output bytes per events page: bounded so one answer never carries a bulk dump whole. */
export const EVENTS_PAGE_BYTES = 256 * 1024;
export const EVENTS_PAGE_COUNT = 5_000;
export const SEARCH_LIMIT = 200;

/** A cursor names the next event (and the byte inside it) the page stopped at. */
const CURSOR_PATTERN = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/;

export class PlayerCursorError extends Error {
  override name = 'PlayerCursorError';
}

/**
 * Playback of one recording file: its overview (markers, activity, idle gaps) on open, the screen
 * at any time (nearest checkpoint + replay), the output from a time on in bounded pages, and
 * search over its rendered text (built on first search, then kept).
 */
export class RecordingPlayer {
  private text: Promise<{ lines: TextLine[]; folded: string[] }> | null = null;
  private closed = false;
  /** Awaited between batches of the session text while it is read ahead of any search. */
  private betweenBatches: (() => Promise<void>) | null = null;

  private constructor(
    private readonly reader: RecordingReader,
    readonly overview: RecordingOverview,
  ) {}

  static async open(
    path: string,
    options: Omit<OverviewOptions, 'durationMs'> = {},
  ): Promise<RecordingPlayer> {
    const reader = await RecordingReader.open(path);
    try {
      const overviewOptions = { ...options, durationMs: reader.durationMs };
      const { timeline } = reader;
      const indexed = timeline && overviewFromIndex(timeline, await reader.markers(), overviewOptions);
      if (indexed) return new RecordingPlayer(reader, indexed);
      // Unfinished, older or very short recordings: one pass over the events.
      const builder = new OverviewBuilder(overviewOptions);
      for await (const { tMs, plain } of reader.segmentPlaintexts()) builder.add(plain, tMs);
      return new RecordingPlayer(reader, builder.finish());
    } catch (err) {
      await reader.close();
      throw err;
    }
  }

  get cols(): number {
    return this.reader.header.cols;
  }
  get rows(): number {
    return this.reader.header.rows;
  }
  get durationMs(): number {
    return this.reader.durationMs;
  }
  get startedAt(): string {
    return this.reader.header.startedAt;
  }

  /** The screen after every event with t <= atMs (clamped to the recording). */
  async screenAt(atMs: number): Promise<PlayerScreen> {
    const ms = Math.min(Math.max(0, atMs), this.durationMs);
    const state = await this.reader.stateAt(ms);
    const { cols, rows, screen, cursor, resume } = state;
    const eventsCursor = resume && formatCursor(resume.segment, resume.event, resume.offset);
    return { atMs: ms, cols, rows, screen, cursor, eventsCursor };
  }

  /**
   * Output and resizes with fromMs < t <= toMs (screenAt(fromMs) already holds those at fromMs), at
   * most `maxBytes` of output per page; an output event larger than what is left is split.
   */
  async events(
    fromMs: number,
    toMs: number,
    cursor: string | null = null,
    maxBytes = EVENTS_PAGE_BYTES,
  ): Promise<PlayerEventsPage> {
    const start = cursor === null ? null : parseCursor(cursor);
    const position: EventPosition = start ?? { segment: this.reader.segmentAfter(fromMs), event: 0 };
    let skip = start?.offset ?? 0;
    const events: PlayerEvent[] = [];
    let bytes = 0;
    for await (const { segment, event, e } of this.reader.eventsFrom(position, toMs)) {
      if (e.t <= fromMs || (e.type !== 'o' && e.type !== 'r')) continue;
      if (events.length >= EVENTS_PAGE_COUNT || (bytes >= maxBytes && e.type === 'o'))
        return { events, next: formatCursor(segment, event, 0) };
      if (e.type === 'r') {
        events.push({ atMs: e.t, type: 'resize', cols: e.cols, rows: e.rows });
        continue;
      }
      const data = e.data.subarray(skip, skip + (maxBytes - bytes));
      events.push({ atMs: e.t, type: 'output', data });
      bytes += data.length;
      const end = skip + data.length;
      skip = 0;
      if (end < e.data.length) return { events, next: formatCursor(segment, event, end) };
    }
    return { events, next: null };
  }

  /** Case-insensitive search of the rendered session text; hits in session order. */
  async search(q: string, limit = SEARCH_LIMIT): Promise<PlayerSearchResult> {
    const { lines, folded } = await this.sessionText();
    const needle = q.toLowerCase();
    const hits: PlayerSearchResult['hits'] = [];
    let total = 0;
    for (let i = 0; i < folded.length; i++) {
      if (!folded[i]!.includes(needle)) continue;
      total++;
      if (hits.length < limit) hits.push({ atMs: lines[i]!.offsetMs, text: lines[i]!.text });
    }
    return { hits, total };
  }

  /**
   * Reads the session text for search now, so the first search does not wait for it; `between`
   * is awaited between batches, so work the user is waiting for can go first.
   */
  async prepareSearch(between: () => Promise<void>): Promise<void> {
    if (this.text === null) this.betweenBatches = between;
    await this.sessionText();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.text?.catch(() => undefined);
    await this.reader.close();
  }

  private sessionText(): Promise<{ lines: TextLine[]; folded: string[] }> {
    this.text ??= this.extract();
    return this.text;
  }

  private async extract(): Promise<{ lines: TextLine[]; folded: string[] }> {
    const { cols, rows, pty } = this.reader.header;
    const lines: TextLine[] = [];
    try {
      const batches = extractText(this.reader.records(), { cols, rows, pty, cancelled: () => this.closed });
      for await (const batch of batches) {
        lines.push(...batch);
        await this.betweenBatches?.();
      }
    } catch (err) {
      if (err instanceof ExtractionCancelled) throw new FormatError('player closed');
      throw err;
    }
    return { lines, folded: lines.map((line) => line.text.toLowerCase()) };
  }
}

function formatCursor(segment: number, event: number, offset: number): string {
  return `${segment}.${event}.${offset}`;
}

function parseCursor(cursor: string): EventPosition & { offset: number } {
  const match = CURSOR_PATTERN.exec(cursor);
  if (!match) throw new PlayerCursorError(`Not a player events cursor: ${cursor}`);
  return { segment: Number(match[1]), event: Number(match[2]), offset: Number(match[3]) };
}
