import { access, rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { SessionLogHit, SessionLogSearch, SessionTextPage } from '../../shared/api';
import type { SessionUpdate } from '../../shared/live';
import type { AsyncStore } from '../db/asyncStore';
import type { SessionTextState, StoredTextLine } from '../db/sessionText';
import { RecordingReader } from '../../recording';
import { readRecordingHeader } from '../../recording/raster/openRecording';
import { isRasterHeader } from '../../recording/raster/rasterFormat';
import { RasterRecordingReader } from '../../recording/raster/reader';
import { ExtractionCancelled, extractText, type TextLine } from '../../recording/sessionText/extractor';
import { activityText } from '../rdp/activityText';
import type { Clock } from '../time';

/** Bump when the extractor renders differently: texts built by an older version are rebuilt. */
export const SESSION_TEXT_VERSION = 1;
/**
 * The same for remote desktops' activity text (keys and clicks), numbered apart from the terminal
 * text's versions so either can change without rebuilding the other's texts.
 */
export const ACTIVITY_TEXT_VERSION = 1001;
const CURRENT_VERSIONS: ReadonlySet<number> = new Set([SESSION_TEXT_VERSION, ACTIVITY_TEXT_VERSION]);

/** A recording opened for its text, whatever its kind. */
interface TextSource {
  version: number;
  lines(): AsyncIterable<TextLine[]>;
  close(): Promise<void>;
}

/** Where finished sessions are announced (the live hub). */
export interface SessionFinishes {
  on(event: 'update', listener: (update: SessionUpdate) => void): unknown;
  off(event: 'update', listener: (update: SessionUpdate) => void): unknown;
}

const MINUTE_MS = 60_000;
const INSERT_CHUNK = 2_000;

/**
 * The text of finished sessions as auditors read it: built once from the recording (right after
 * the session ends, or on first request), then paged and searched from the database. A terminal
 * session's text is its screen text; a remote desktop's is what the gateway saw the operator do
 * (keys read as typed text, clicks), since its screen is pixels.
 */
export class SessionTextService {
  private readonly builds = new Map<number, Promise<SessionTextState>>();
  private closed = false;
  private unwatch: (() => void) | null = null;
  private readonly builtListeners: ((sessionId: number) => void)[] = [];

  constructor(
    private readonly store: AsyncStore,
    /** The data folder: recording paths are relative to it. */
    private readonly dataDir: string,
    private readonly clock: Clock,
    /** Brings a recording another node ran from the shared store (several nodes). */
    private readonly fetchShared: (hash: string, file: string) => Promise<boolean> = () =>
      Promise.resolve(false),
  ) {}

  /** Builds each session's text as soon as it finishes, so auditors rarely wait. */
  watch(finishes: SessionFinishes): void {
    const onUpdate = (update: SessionUpdate) => {
      if (update.change === 'finished' && !this.closed) this.ensure(update.sessionId).catch(() => undefined);
    };
    finishes.on('update', onUpdate);
    this.unwatch = () => finishes.off('update', onUpdate);
  }

  /** Tells `listener` of each text built (or found unavailable), once its state is saved. */
  onBuilt(listener: (sessionId: number) => void): void {
    this.builtListeners.push(listener);
  }

  /** The session's text state, building it first when missing or built by an older extractor. */
  async ensure(sessionId: number): Promise<SessionTextState> {
    const state = await this.store.sessionText.state(sessionId);
    if (state !== null && CURRENT_VERSIONS.has(state.version)) return state;
    let build = this.builds.get(sessionId);
    if (build === undefined) {
      build = this.build(sessionId).finally(() => this.builds.delete(sessionId));
      this.builds.set(sessionId, build);
    }
    return build;
  }

  async page(sessionId: number, offset: number, limit: number): Promise<SessionTextPage> {
    const state = await this.ensure(sessionId);
    if (state.status !== 'ready')
      return { status: state.status, message: state.message, total: 0, offset, items: [] };
    const items = (await this.store.sessionText.page(sessionId, offset, limit)).map((l) => ({
      ...l,
      minute: minuteOf(l.offsetMs),
    }));
    return { status: 'ready', message: null, total: state.lines, offset, items };
  }

  /**
   * Case-insensitive, literal substring search over the text lines and the typed commands, hits in
   * session order: lines in the order of the text, commands among them by time (a command before
   * the lines of the same moment).
   */
  async search(sessionId: number, query: string, limit: number): Promise<SessionLogSearch> {
    const state = await this.ensure(sessionId);
    const lines =
      state.status === 'ready'
        ? await this.store.sessionText.search(sessionId, query, limit)
        : { total: 0, items: [] as StoredTextLine[] };
    const needle = query.toLowerCase();
    const commands = (await this.store.sessionCommands.list(sessionId))
      .map((c, n): SessionLogHit => ({
        kind: 'command',
        n,
        offsetMs: c.offsetMs,
        minute: c.minute,
        text: c.command,
      }))
      .filter((c) => c.text.toLowerCase().includes(needle));
    const items: SessionLogHit[] = [];
    let line = 0;
    let command = 0;
    while (items.length < limit && (line < lines.items.length || command < commands.length)) {
      const next = lines.items[line];
      if (command < commands.length && (next === undefined || commands[command]!.offsetMs <= next.offsetMs)) {
        items.push(commands[command++]!);
      } else if (next !== undefined) {
        items.push({ kind: 'line', ...next, minute: minuteOf(next.offsetMs) });
        line++;
      }
    }
    return { q: query, total: lines.total + commands.length, items };
  }

  /** Stops building (what was half built is removed) and waits for the builds to end. */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatch?.();
    await Promise.allSettled([...this.builds.values()]);
  }

  /**
   * A copy brought back from the shared store only to be read is removed afterwards: the node's
   * recordings folder keeps only recordings not yet moved, as the move left it.
   */
  private async build(sessionId: number): Promise<SessionTextState> {
    const fetched = new Set<string>();
    try {
      return await this.buildFrom(sessionId, async (hash, file) => {
        const ok = await this.fetchShared(hash, file).catch(() => false);
        if (ok) fetched.add(file);
        return ok;
      });
    } finally {
      await Promise.all([...fetched].map((file) => rm(file, { force: true })));
    }
  }

  private async buildFrom(
    sessionId: number,
    fetchShared: (hash: string, file: string) => Promise<boolean>,
  ): Promise<SessionTextState> {
    const unavailable = (message: string) =>
      this.save(sessionId, { status: 'unavailable', lines: 0, message });
    const session = await this.store.sessions.get(sessionId, 0);
    if (session === null) throw new Error(`Session ${sessionId} not found`);
    // Only a finished session has its whole recording; the routes refuse live ones before this.
    if (session.status !== 'finished') throw new Error(`Session ${sessionId} is live`);
    await this.remove(sessionId);
    const path = session.recording?.path ?? null;
    if (path === null) return unavailable('This session has no recording');
    const file = isAbsolute(path) ? path : resolve(this.dataDir, path);
    try {
      await access(file);
    } catch {
      if (!(await fetchShared(session.hash, file))) return unavailable('The recording file is missing');
    }
    let source: TextSource;
    try {
      source = await this.openSource(file);
    } catch (err) {
      // Moved to the shared store between the check above and now: read it from there.
      const moved =
        (err as NodeJS.ErrnoException).code === 'ENOENT' && (await fetchShared(session.hash, file));
      if (!moved) return unavailable(`The recording could not be read: ${(err as Error).message}`);
      try {
        source = await this.openSource(file);
      } catch (again) {
        return unavailable(`The recording could not be read: ${(again as Error).message}`);
      }
    }
    let n = 0;
    try {
      for await (const batch of source.lines()) {
        // Small transactions with a turn of the event loop between them: requests keep flowing.
        for (let at = 0; at < batch.length; at += INSERT_CHUNK) {
          await this.store.sessionText.appendLines(sessionId, n, batch.slice(at, at + INSERT_CHUNK));
          n += Math.min(INSERT_CHUNK, batch.length - at);
          await yieldToLoop();
        }
      }
    } catch (err) {
      await this.remove(sessionId);
      if (err instanceof ExtractionCancelled) throw err;
      return unavailable(`The recording could not be read: ${(err as Error).message}`);
    } finally {
      await source.close();
    }
    return this.save(sessionId, { status: 'ready', lines: n, message: null }, source.version);
  }

  /** The recording's reader of its kind, and the text built from it. */
  private async openSource(file: string): Promise<TextSource> {
    const cancelled = () => this.closed;
    if (isRasterHeader(await readRecordingHeader(file))) {
      const reader = await RasterRecordingReader.open(file);
      return {
        version: ACTIVITY_TEXT_VERSION,
        lines: () => activityText(reader.events(), cancelled),
        close: () => reader.close(),
      };
    }
    const reader = await RecordingReader.open(file);
    const { cols, rows, pty } = reader.header;
    return {
      version: SESSION_TEXT_VERSION,
      lines: () => extractText(reader.records(), { cols, rows, pty, cancelled }),
      close: () => reader.close(),
    };
  }

  private async save(
    sessionId: number,
    state: Omit<SessionTextState, 'version'>,
    version = SESSION_TEXT_VERSION,
  ): Promise<SessionTextState> {
    const built = { ...state, version };
    await this.store.sessionText.markBuilt(sessionId, built, this.clock());
    for (const listener of this.builtListeners) listener(sessionId);
    return built;
  }

  private async remove(sessionId: number): Promise<void> {
    while (await this.store.sessionText.removeSome(sessionId)) await yieldToLoop();
  }
}

function minuteOf(offsetMs: number): number {
  return Math.floor(offsetMs / MINUTE_MS);
}
