import { randomUUID } from 'node:crypto';
import {
  FormatError,
  isRasterHeader,
  PlayerCursorError,
  readRecordingHeader,
  RecordingPlayer,
  TerminalEmulationError,
  type RecordingOverview,
} from '../../recording';
import {
  IPC_ERROR,
  type PlayerDesktopFramesInput,
  type PlayerDesktopFramesPage,
  type PlayerDesktopScreen,
  type PlayerEventsInput,
  type PlayerEventsPage,
  type PlayerInfo,
  type PlayerOpenInput,
  type PlayerScreen,
  type PlayerScreenInput,
  type PlayerSearchInput,
  type PlayerSearchResult,
} from '../../shared/ipc';
import { AppFailure, ValidationError, describe } from './errors';
import { DesktopPlayer } from './player/desktop-player';

type OpenPlayer = RecordingPlayer | DesktopPlayer;

export interface PlayerServiceOptions {
  /** The recording file of a library item; throws an AppFailure (e.g. item not found) when there is none. */
  recordingPath: (itemId: string) => Promise<string>;
  /** Players open at once; opening one more closes the least recently used. */
  maxPlayers?: number;
}

export class PlayerNotFoundError extends AppFailure {
  constructor(playerId: string) {
    super(IPC_ERROR.playerNotFound, `No open player ${playerId}: open the recording again`);
  }
}

export class RecordingUnreadableError extends AppFailure {
  constructor(reason: string) {
    super(IPC_ERROR.recordingUnreadable, `The recording cannot be played: ${reason}`);
  }
}

/** A terminal request for a desktop player, or the other way round: the renderer chose wrong. */
export class PlayerKindError extends ValidationError {
  constructor(wanted: 'terminal' | 'desktop') {
    super(
      wanted === 'terminal'
        ? 'This recording is a remote desktop: it has no terminal screen nor text to search'
        : 'This recording is a terminal session, not a remote desktop',
    );
  }
}

const DEFAULT_MAX_PLAYERS = 8;

/**
 * Playback of recordings on this computer. The renderer never reads files: it opens a library item
 * and gets a player id, then asks for screens at times, pages of output to stream from there, and
 * text searches; a desktop (RDP) recording answers screens and frames of the remote-desktop wire
 * instead, and has no text. Each player keeps its file open (and the session text in memory) until closed; a
 * renderer that forgets to close is bounded by `maxPlayers`. Reading the session text of a long
 * recording takes seconds, so it starts in the background once the first screen is out: by the time
 * the user types a search it is usually ready. It gives way to the requests a screen waits for
 * (open, screen at a time, output pages): between its batches it waits until none is running.
 */
export class PlayerService {
  private readonly players = new Map<string, OpenPlayer>();
  private readonly searchStarted = new WeakSet<RecordingPlayer>();
  /** Requests a screen is waiting for, running now; background reading pauses meanwhile. */
  private foreground = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly maxPlayers: number;

  constructor(private readonly options: PlayerServiceOptions) {
    this.maxPlayers = options.maxPlayers ?? DEFAULT_MAX_PLAYERS;
  }

  open(input: PlayerOpenInput): Promise<PlayerInfo> {
    return this.inForeground(() => this.openPlayer(input));
  }

  private async openPlayer({ itemId }: PlayerOpenInput): Promise<PlayerInfo> {
    const path = await this.options.recordingPath(itemId);
    let player: OpenPlayer;
    try {
      const desktop = isRasterHeader(await readRecordingHeader(path));
      player = desktop ? await DesktopPlayer.open(path) : await RecordingPlayer.open(path);
    } catch (error) {
      throw unreadable(error);
    }
    const playerId = randomUUID();
    this.players.set(playerId, player);
    this.evictBeyondLimit();
    const timeline = {
      playerId,
      durationMs: player.durationMs,
      startedAt: player.startedAt,
      ...overviewInfo(player.overview),
    };
    if (player instanceof DesktopPlayer)
      return { ...timeline, kind: 'desktop', cols: 0, rows: 0, width: player.width, height: player.height };
    return { ...timeline, kind: 'terminal', cols: player.cols, rows: player.rows };
  }

  screenAt({ playerId, atMs }: PlayerScreenInput): Promise<PlayerScreen> {
    return this.inForeground(() =>
      this.use(playerId, async (player) => {
        const text = terminal(player);
        const screen = await text.screenAt(atMs);
        this.prepareSearch(text);
        return screen;
      }),
    );
  }

  events({ playerId, fromMs, toMs, cursor }: PlayerEventsInput): Promise<PlayerEventsPage> {
    return this.inForeground(() =>
      this.use(playerId, async (player) => {
        const page = await terminal(player).events(fromMs, toMs, cursor ?? null);
        return {
          next: page.next,
          events: page.events.map((e) =>
            e.type === 'output' ? { atMs: e.atMs, type: 'output', data: e.data.toString('base64') } : e,
          ),
        };
      }),
    );
  }

  search({ playerId, q, limit }: PlayerSearchInput): Promise<PlayerSearchResult> {
    return this.use(playerId, (player) => terminal(player).search(q, limit));
  }

  desktopAt({ playerId, atMs }: PlayerScreenInput): Promise<PlayerDesktopScreen> {
    return this.inForeground(() => this.use(playerId, (player) => desktop(player).screenAt(atMs)));
  }

  desktopFrames({
    playerId,
    fromMs,
    toMs,
    cursor,
  }: PlayerDesktopFramesInput): Promise<PlayerDesktopFramesPage> {
    return this.inForeground(() =>
      this.use(playerId, (player) => desktop(player).frames(fromMs, toMs, cursor ?? null)),
    );
  }

  async close(playerId: string): Promise<void> {
    const player = this.players.get(playerId);
    if (!player) throw new PlayerNotFoundError(playerId);
    this.players.delete(playerId);
    await player.close();
  }

  async closeAll(): Promise<void> {
    const players = [...this.players.values()];
    this.players.clear();
    await Promise.all(players.map((player) => player.close()));
  }

  get openPlayers(): number {
    return this.players.size;
  }

  /** Runs `work` on an open player; one closed meanwhile reads as not found, not as a file error. */
  private async use<T>(playerId: string, work: (player: OpenPlayer) => Promise<T>): Promise<T> {
    const player = this.players.get(playerId);
    if (!player) throw new PlayerNotFoundError(playerId);
    // Most recently used last: eviction takes the first.
    this.players.delete(playerId);
    this.players.set(playerId, player);
    try {
      return await work(player);
    } catch (error) {
      if (this.players.get(playerId) !== player) throw new PlayerNotFoundError(playerId);
      if (error instanceof PlayerCursorError) throw new ValidationError(error.message);
      if (error instanceof FormatError) throw unreadable(error);
      if (error instanceof TerminalEmulationError)
        throw new RecordingUnreadableError(`its terminal output cannot be replayed here (${error.message})`);
      throw error;
    }
  }

  private prepareSearch(player: RecordingPlayer): void {
    if (this.searchStarted.has(player)) return;
    this.searchStarted.add(player);
    // After this answer is sent; a failure here is reported by the search that meets it.
    setImmediate(() => void player.prepareSearch(() => this.backgroundTurn()).catch(() => undefined));
  }

  private async inForeground<T>(work: () => Promise<T>): Promise<T> {
    this.foreground += 1;
    try {
      return await work();
    } finally {
      this.foreground -= 1;
      if (this.foreground === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** Lets requests already waiting in the event loop start, then waits until none is running. */
  private async backgroundTurn(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.foreground === 0) return;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private evictBeyondLimit(): void {
    for (const [playerId, player] of this.players) {
      if (this.players.size <= this.maxPlayers) return;
      this.players.delete(playerId);
      void player.close().catch(() => undefined);
    }
  }
}

function terminal(player: OpenPlayer): RecordingPlayer {
  if (player instanceof DesktopPlayer) throw new PlayerKindError('terminal');
  return player;
}

function desktop(player: OpenPlayer): DesktopPlayer {
  if (!(player instanceof DesktopPlayer)) throw new PlayerKindError('desktop');
  return player;
}

function overviewInfo({ markers, activity, idleGaps }: RecordingOverview) {
  return { markers: markers.map((m) => ({ atMs: m.tMs, kind: m.kind, note: m.note })), activity, idleGaps };
}

function unreadable(error: unknown): AppFailure {
  if (error instanceof AppFailure) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return new RecordingUnreadableError('the file is missing from the library');
  if (code === 'EACCES' || code === 'EPERM')
    return new RecordingUnreadableError('the file cannot be read (permission)');
  if (error instanceof FormatError) return new RecordingUnreadableError(error.message);
  return new RecordingUnreadableError(describe(error));
}
