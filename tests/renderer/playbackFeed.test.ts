import { beforeEach, describe, expect, it } from 'vitest';
import type { PlayerEvent, PlayerEventsInput, PlayerEventsPage, PlayerInfo } from '../../src/shared/ipc';
import { ok, type Result } from '../../src/shared/result';
import { LOOKAHEAD_MS, PlaybackFeed, type PlaybackState } from '../../src/renderer/src/lib/playbackFeed';

const info: PlayerInfo = {
  playerId: 'pl-1',
  cols: 80,
  rows: 24,
  durationMs: 60_000,
  startedAt: '2025-01-01T08:00:00.000Z',
  markers: [],
  activity: [],
  idleGaps: [],
};

/** One line of output every second of the minute-long recording. */
const recording: PlayerEvent[] = Array.from({ length: 59 }, (_, i) => ({
  atMs: (i + 1) * 1000,
  type: 'output' as const,
  data: btoa(`line ${i + 1}\r\n`),
}));

/** What main answers for a request: the window's events, two to a page as main pages them. */
function pageFor({ fromMs, toMs, cursor }: PlayerEventsInput): PlayerEventsPage {
  const inWindow = recording.filter((e) => e.atMs > fromMs && e.atMs <= toMs);
  const start = cursor === undefined ? 0 : Number(cursor);
  const next = start + 2 < inWindow.length ? String(start + 2) : null;
  return { events: inWindow.slice(start, start + 2), next };
}

/** Lets every answer already given run through the feed. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The state as the store moves it: playing, speed and skip idle too. */
type StoreState = { -readonly [K in keyof PlaybackState]: PlaybackState[K] };

describe('the playback feed', () => {
  let state: StoreState;
  let asked: PlayerEventsInput[];
  let held: { input: PlayerEventsInput; answer: (page: Result<PlayerEventsPage>) => void }[];
  let holding: boolean;
  let shown: number[];
  let feed: PlaybackFeed;

  beforeEach(() => {
    state = {
      player: info,
      playing: true,
      speed: 1,
      skipIdle: false,
      currentMs: 0,
      seeking: false,
      error: null,
    };
    asked = [];
    held = [];
    holding = false;
    shown = [];
    feed = new PlaybackFeed(
      state,
      {
        screenAt: (_playerId, atMs) =>
          Promise.resolve(
            ok({ atMs, cols: 80, rows: 24, screen: '', cursor: { x: 0, y: 0 }, eventsCursor: null }),
          ),
        events: (input) => {
          asked.push(input);
          if (!holding) return Promise.resolve(ok(pageFor(input)));
          return new Promise((answer) => held.push({ input, answer }));
        },
      },
      {
        screen: () => undefined,
        event: (event) => shown.push(event.atMs),
        pause: () => (state.playing = false),
      },
    );
  });

  /** Main answers the oldest request still waiting. */
  async function answerOldest(): Promise<void> {
    const request = held.shift()!;
    request.answer(ok(pageFor(request.input)));
    await flush();
  }

  async function answerAll(): Promise<void> {
    while (held.length > 0) await answerOldest();
  }

  const furthestAsked = () => Math.max(...asked.map((input) => input.toMs));

  it('fetches only the look-ahead in front of the clock, and more only as the clock moves', async () => {
    await feed.seek(0);
    await flush();
    expect(furthestAsked()).toBe(LOOKAHEAD_MS);

    // Once the clock moves the look-ahead is no longer covered: the next stretch is fetched.
    feed.tick(1000);
    await flush();
    expect(furthestAsked()).toBe(2 * LOOKAHEAD_MS);
    const askedSoFar = asked.length;

    feed.tick(3000);
    await flush();
    expect(state.currentMs).toBe(4000);
    expect(asked).toHaveLength(askedSoFar);
    expect(shown).toEqual([1000, 2000, 3000, 4000]);
  });

  it('plays the whole recording in order, never fetching far ahead of the clock', async () => {
    await feed.seek(0);
    await flush();
    while (state.playing) {
      feed.tick(700);
      await flush();
      expect(furthestAsked()).toBeLessThanOrEqual(state.currentMs + 2 * LOOKAHEAD_MS);
    }
    expect(state.currentMs).toBe(info.durationMs);
    expect(shown).toEqual(recording.map((event) => event.atMs));
  });

  it('at a faster speed the look-ahead covers as much more of the recording', async () => {
    state.speed = 4;
    await feed.seek(0);
    await flush();
    expect(furthestAsked()).toBe(4 * LOOKAHEAD_MS);
  });

  it('the clock waits for a page instead of running past what was fetched', async () => {
    holding = true;
    await feed.seek(0);
    feed.tick(5000);
    expect(state.currentMs).toBe(0);
    expect(shown).toEqual([]);

    // The first page of the window is in, the next one is still on its way: only what comes
    // before the last event fetched is known to be complete.
    await answerOldest();
    expect(held).toHaveLength(1);
    feed.tick(5000);
    expect(state.currentMs).toBe(1999);
    expect(shown).toEqual([1000]);

    await answerAll();
    feed.tick(3000);
    expect(state.currentMs).toBe(4999);
    expect(shown).toEqual([1000, 2000, 3000, 4000]);
  });

  it('a page asked for before a seek is not played after it', async () => {
    holding = true;
    await feed.seek(0);
    const before = held.shift()!;
    await feed.seek(30_000);
    before.answer(ok(pageFor(before.input)));
    await flush();
    await answerAll();

    expect(asked.slice(1).every((input) => input.fromMs >= 30_000)).toBe(true);
    feed.tick(3000);
    expect(state.currentMs).toBe(33_000);
    expect(shown).toEqual([31_000, 32_000, 33_000]);
  });

  it('the end of the recording stops playing', async () => {
    await feed.seek(55_000);
    await flush();
    feed.tick(10_000);
    expect(state.currentMs).toBe(60_000);
    expect(state.playing).toBe(false);
    expect(shown.at(-1)).toBe(59_000);
  });
});
