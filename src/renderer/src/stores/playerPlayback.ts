import { computed, reactive, ref, type Ref } from 'vue';
import type { PlayerEvent, PlayerInfo } from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api } from '../api';
import { PlaybackFeed } from '../lib/playbackFeed';
import { fasterSpeed, nextMarker, previousMarker, slowerSpeed, type Speed } from '../lib/playback';
import type { TerminalFrame } from './live';
import { base64Bytes, desktopCalls, useDesktopSink } from './playerDesktop';

/** How often the clock moves while playing. */
export const TICK_MS = 50;

function toFrame(event: PlayerEvent): TerminalFrame {
  return event.type === 'output'
    ? { kind: 'output', bytes: base64Bytes(event.data) }
    : { kind: 'resize', cols: event.cols, rows: event.rows };
}

/**
 * The player store's playback: the clock, play/pause, speed, skip idle and markers, drawn into the
 * terminal, or the remote desktop, through the feed of the recording's kind. Terminal bytes and
 * desktop frames bypass reactivity: they go straight to the view's sink.
 */
export function usePlayerPlayback(deps: {
  info: Readonly<Ref<PlayerInfo | null>>;
  error: Ref<AppError | null>;
  /** The library item a first play is reported for. */
  playedItemId: Readonly<Ref<string | null>>;
}) {
  const { info, error, playedItemId } = deps;
  const currentMs = ref(0);
  const playing = ref(false);
  const speed = ref<Speed>(1);
  const skipIdle = ref(false);
  const seeking = ref(false);
  const markers = computed(() => info.value?.markers ?? []);

  let reported = false;
  let timer: ReturnType<typeof setInterval> | null = null;
  let lastWall = 0;
  let sink: ((frame: TerminalFrame) => void) | null = null;
  let waiting: TerminalFrame[] = [];

  // Reads and writes on this object go through to the refs above (reactive() unwraps them).
  const state = reactive({ player: info, playing, speed, skipIdle, currentMs, seeking, error });
  const terminalFeed = new PlaybackFeed(
    state,
    { screenAt: api.screenAt, events: api.playerEvents },
    {
      screen: (screen) =>
        emit({ kind: 'snapshot', cols: screen.cols, rows: screen.rows, screen: screen.screen }),
      event: (event) => emit(toFrame(event)),
      pause,
    },
  );
  const desktop = useDesktopSink();
  const desktopFeed = new PlaybackFeed(state, desktopCalls, {
    screen: (screen) => desktop.emit({ kind: 'screen', bytes: base64Bytes(screen.frame) }),
    event: (frame) => desktop.emit({ kind: 'update', bytes: base64Bytes(frame.frame) }),
    pause,
  });
  const feed = () => (info.value?.kind === 'desktop' ? desktopFeed : terminalFeed);

  function emit(frame: TerminalFrame): void {
    if (frame.kind === 'snapshot') waiting = [];
    if (sink) sink(frame);
    else waiting.push(frame);
  }

  /** The terminal registers here; frames drawn before it mounted are replayed into it. */
  function attach(next: (frame: TerminalFrame) => void): () => void {
    sink = next;
    for (const frame of waiting) next(frame);
    waiting = [];
    return () => {
      if (sink === next) sink = null;
    };
  }

  /** Draws the screen at `atMs` and plays on from there (when playing). */
  const seek = (atMs: number): Promise<void> => feed().seek(atMs);
  /** Moves the clock by `wallMs` of real time (the timer calls this while playing). */
  const tick = (wallMs: number): void => feed().tick(wallMs);

  function startTimer(): void {
    stopTimer();
    lastWall = performance.now();
    timer = setInterval(() => {
      const now = performance.now();
      tick(now - lastWall);
      lastWall = now;
    }, TICK_MS);
  }

  function stopTimer(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  async function play(): Promise<void> {
    const player = info.value;
    if (!player || playing.value) return;
    const played = playedItemId.value;
    if (!reported && played) {
      reported = true;
      void api.reportPlay(played);
    }
    if (currentMs.value >= player.durationMs) await seek(0);
    playing.value = true;
    startTimer();
  }

  function pause(): void {
    playing.value = false;
    stopTimer();
  }

  function togglePlay(): Promise<void> {
    if (playing.value) {
      pause();
      return Promise.resolve();
    }
    return play();
  }

  const seekBy = (deltaMs: number): Promise<void> => seek(currentMs.value + deltaMs);

  function goToNextMarker(): Promise<void> {
    const marker = nextMarker(markers.value, currentMs.value);
    return marker ? seek(marker.atMs) : Promise.resolve();
  }

  function goToPreviousMarker(): Promise<void> {
    const marker = previousMarker(markers.value, currentMs.value);
    return marker ? seek(marker.atMs) : Promise.resolve();
  }

  function setSpeed(next: Speed): void {
    speed.value = next;
    lastWall = performance.now();
  }
  const faster = () => setSpeed(fasterSpeed(speed.value));
  const slower = () => setSpeed(slowerSpeed(speed.value));

  /** Back to the start, stopped, with nothing waiting to be drawn; speed and skip idle are kept. */
  function reset(): void {
    stopTimer();
    terminalFeed.reset();
    desktopFeed.reset();
    desktop.reset();
    playing.value = false;
    currentMs.value = 0;
    waiting = [];
    seeking.value = false;
    reported = false;
  }

  return {
    currentMs,
    playing,
    speed,
    skipIdle,
    seeking,
    markers,
    attach,
    attachDesktop: desktop.attach,
    seek,
    seekBy,
    tick,
    play,
    pause,
    togglePlay,
    goToNextMarker,
    goToPreviousMarker,
    setSpeed,
    faster,
    slower,
    reset,
  };
}
