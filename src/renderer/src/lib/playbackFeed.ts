import type { PlayerEvent, PlayerEventsInput, PlayerInfo, PlayerScreen } from '@shared/ipc';
import type { AppError, Result } from '@shared/result';
import { advance, clampTime, skipIdleTarget } from './playback';

/** Recording time fetched ahead of the clock, so playing never waits on a page. */
export const LOOKAHEAD_MS = 10_000;

/** The player state the feed reads and moves; the store backs it with its refs. */
export interface PlaybackState {
  readonly player: PlayerInfo | null;
  readonly playing: boolean;
  readonly speed: number;
  readonly skipIdle: boolean;
  currentMs: number;
  seeking: boolean;
  error: AppError | null;
}

/** A whole screen at a time, of any kind of recording. */
export interface FeedScreen {
  atMs: number;
  /** Where playing on starts inside the time's events, when not right after them. */
  eventsCursor?: string | null;
}

/** Something drawn at a time: terminal output, or a desktop's wire frame. */
export interface FeedEvent {
  atMs: number;
}

/** The calls to main the feed needs. */
export interface FeedCalls<S extends FeedScreen = PlayerScreen, E extends FeedEvent = PlayerEvent> {
  screenAt(playerId: string, atMs: number): Promise<Result<S>>;
  events(input: PlayerEventsInput): Promise<Result<{ events: E[]; next: string | null }>>;
}

/** Where what the clock reaches goes. */
export interface FeedOutput<S extends FeedScreen = PlayerScreen, E extends FeedEvent = PlayerEvent> {
  /** The whole screen at the time sought: what came before it is already drawn there. */
  screen(screen: S): void;
  /** An event the clock has reached. */
  event(event: E): void;
  /** Playing must stop: a call failed or the recording ended. */
  pause(): void;
}

/**
 * Streams a recording to the clock (a terminal's output, or a desktop's frames): the screen at a time, then the events after it page by page,
 * never more than the look-ahead in front of the clock, and the clock never ahead of what came in.
 * Kept apart from Vue and IPC so the paging can be tested on its own.
 */
export class PlaybackFeed<S extends FeedScreen = PlayerScreen, E extends FeedEvent = PlayerEvent> {
  /** Events fetched and not yet shown, in time order; everything up to `fetchedTo` is in. */
  private buffer: E[] = [];
  private fetchedTo = 0;
  /** The window being paged through, and where its next page starts. */
  private windowTo = 0;
  private cursor: string | undefined;
  private fetching = false;
  /** Answers for an older position must not land in the newer one. */
  private ticket = 0;

  constructor(
    private readonly state: PlaybackState,
    private readonly calls: FeedCalls<S, E>,
    private readonly output: FeedOutput<S, E>,
  ) {}

  /** Draws the screen at `atMs` and streams on from there. */
  async seek(atMs: number): Promise<void> {
    const player = this.state.player;
    if (!player) return;
    const ticket = ++this.ticket;
    this.state.seeking = true;
    const result = await this.calls.screenAt(player.playerId, clampTime(atMs, player.durationMs));
    if (ticket !== this.ticket) return;
    this.state.seeking = false;
    if (!result.ok) {
      this.state.error = result.error;
      this.output.pause();
      return;
    }
    const screen = result.value;
    this.output.screen(screen);
    this.state.currentMs = screen.atMs;
    this.startAt(screen.atMs, screen.eventsCursor ?? undefined);
    this.state.error = null;
    void this.fill();
  }

  /** Moves the clock by `wallMs` of real time: what falls due is handed out, then more is fetched. */
  tick(wallMs: number): void {
    const { player, currentMs } = this.state;
    if (!player || !this.state.playing || this.state.seeking) return;
    const target = advance(currentMs, wallMs, {
      speed: this.state.speed,
      durationMs: player.durationMs,
      skipIdle: this.state.skipIdle,
      gaps: player.idleGaps,
    });
    // Never past what has been fetched: the clock waits for the page instead of skipping output.
    // Inside a window still being paged, what comes before the last event fetched is complete.
    const lastFetched = this.buffer.at(-1)?.atMs ?? this.fetchedTo;
    const reachable = this.cursor === undefined ? this.fetchedTo : Math.max(this.fetchedTo, lastFetched - 1);
    const next = Math.max(currentMs, Math.min(target, reachable));
    let shown = 0;
    while (shown < this.buffer.length && this.buffer[shown]!.atMs <= next) {
      this.output.event(this.buffer[shown]!);
      shown += 1;
    }
    this.buffer = this.buffer.slice(shown);
    this.state.currentMs = next;
    if (next >= player.durationMs) this.output.pause();
    else void this.fill();
  }

  /** Forgets the position: answers still on their way are dropped. */
  reset(): void {
    this.ticket += 1;
    this.startAt(0, undefined);
  }

  private startAt(atMs: number, cursor: string | undefined): void {
    this.buffer = [];
    this.fetchedTo = atMs;
    this.windowTo = atMs;
    this.cursor = cursor;
    this.fetching = false;
  }

  /** Fetches the next page of events while less than the look-ahead is buffered. */
  private async fill(): Promise<void> {
    const player = this.state.player;
    if (!player || this.fetching) return;
    if (this.cursor === undefined) {
      const span = LOOKAHEAD_MS * this.state.speed;
      const ahead = this.state.currentMs + span;
      // Skipping idle time must find the far side of a gap already fetched, or the clock would wait.
      const horizon = this.state.skipIdle ? skipIdleTarget(ahead, player.idleGaps) : ahead;
      if (this.fetchedTo >= player.durationMs || this.fetchedTo >= horizon) return;
      this.windowTo = Math.min(player.durationMs, Math.max(horizon, this.fetchedTo + span));
    }
    const ticket = this.ticket;
    this.fetching = true;
    const page = await this.calls.events({
      playerId: player.playerId,
      fromMs: this.fetchedTo,
      toMs: Math.max(this.windowTo, this.fetchedTo),
      ...(this.cursor === undefined ? {} : { cursor: this.cursor }),
    });
    if (ticket !== this.ticket) return;
    this.fetching = false;
    if (!page.ok) {
      this.state.error = page.error;
      this.output.pause();
      return;
    }
    this.buffer.push(...page.value.events);
    this.cursor = page.value.next ?? undefined;
    if (this.cursor === undefined) this.fetchedTo = Math.max(this.windowTo, this.fetchedTo);
    void this.fill();
  }
}
