import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Session } from '@shared/api';
import {
  IPC_ERROR,
  type DownloadStatus,
  type LibraryItem,
  type PlayerEvent,
  type PlayerInfo,
  type PlayerSearchResult,
  type SigningKeyStatus,
} from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api, onEvent } from '../api';
import {
  advance,
  clampTime,
  fasterSpeed,
  nextMarker,
  previousMarker,
  skipIdleTarget,
  slowerSpeed,
  type Speed,
} from '../lib/playback';
import { useAuthStore } from './auth';
import type { TerminalFrame } from './live';
import { useNavigationStore } from './navigation';

export type PlayerPhase = 'idle' | 'downloading' | 'opening' | 'ready' | 'failed';
/** The screen the player was opened from, where Back returns. */
export type PlayerOrigin = 'sessions' | 'library';

/** How often the clock moves while playing. */
export const TICK_MS = 50;
/** Recording time fetched ahead of the clock, so playing never waits on a page. */
const LOOKAHEAD_MS = 10_000;
/** A seek moves by this much with the arrow keys. */
export const STEP_MS = 5000;

function decode(data: string): Uint8Array {
  const raw = atob(data);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * Video of session: plays a recording of the library, downloading it first when the library has no
 * copy (asking once to trust the gateway's signing key). A download outlives the screen: leaving
 * keeps it running and coming back joins it. The screen at a time comes from main; from there the output
 * is streamed page by page and handed to the terminal as the clock reaches it.
 */
export const usePlayerStore = defineStore('player', () => {
  const auth = useAuthStore();
  const navigation = useNavigationStore();

  const session = shallowRef<Session | null>(null);
  const origin = ref<PlayerOrigin>('sessions');
  const phase = ref<PlayerPhase>('idle');
  const download = shallowRef<DownloadStatus | null>(null);
  const error = ref<AppError | null>(null);
  /** The gateway's signing key while the user has not decided whether to trust it. */
  const keyPrompt = shallowRef<SigningKeyStatus | null>(null);
  const keyError = ref<AppError | null>(null);
  /** The gateway now signs with another key than the one trusted: recordings cannot be verified. */
  const keyChanged = ref(false);
  const item = shallowRef<LibraryItem | null>(null);
  const info = shallowRef<PlayerInfo | null>(null);

  const currentMs = ref(0);
  const playing = ref(false);
  const speed = ref<Speed>(1);
  const skipIdle = ref(false);
  const seeking = ref(false);

  const query = ref('');
  const results = shallowRef<PlayerSearchResult | null>(null);
  const searching = ref(false);
  const searchError = ref<AppError | null>(null);
  /** No search has answered yet: the first one waits while main reads the session text. */
  const searchPrepared = ref(false);

  /** Answers for an older screen or position must not land in the newer one. */
  let openTicket = 0;
  let positionTicket = 0;
  let keyChecked = false;
  let reported = false;
  let unsubscribe: (() => void) | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let lastWall = 0;

  /** Events fetched and not yet shown, in time order; everything up to `fetchedTo` is in. */
  let buffer: PlayerEvent[] = [];
  let fetchedTo = 0;
  /** The window being paged through, and where its next page starts. */
  let windowTo = 0;
  let cursor: string | undefined;
  let fetching = false;

  const sink = shallowRef<((frame: TerminalFrame) => void) | null>(null);
  let waiting: TerminalFrame[] = [];

  const durationMs = computed(() => info.value?.durationMs ?? 0);
  const markers = computed(() => info.value?.markers ?? []);
  const hits = computed(() => results.value?.hits ?? []);
  const profileId = computed(() => auth.state?.profileId ?? null);
  const searchPreparing = computed(() => searching.value && !searchPrepared.value);
  const itemId = computed(() => item.value?.itemId ?? download.value?.itemId ?? null);

  function emit(frame: TerminalFrame): void {
    if (frame.kind === 'snapshot') waiting = [];
    if (sink.value) sink.value(frame);
    else waiting.push(frame);
  }

  /** The terminal registers here; frames drawn before it mounted are replayed into it. */
  function attach(next: (frame: TerminalFrame) => void): () => void {
    sink.value = next;
    for (const frame of waiting) next(frame);
    waiting = [];
    return () => {
      if (sink.value === next) sink.value = null;
    };
  }

  function resetPlayback(): void {
    stopTimer();
    positionTicket += 1;
    playing.value = false;
    currentMs.value = 0;
    buffer = [];
    fetchedTo = 0;
    windowTo = 0;
    cursor = undefined;
    fetching = false;
    waiting = [];
    seeking.value = false;
  }

  /**
   * Shows the screen for a session of the Remote sessions list: plays the library's copy from this
   * gateway when there is one, else joins its download or starts it.
   */
  async function open(next: Session): Promise<void> {
    clear();
    const ticket = openTicket;
    session.value = next;
    origin.value = 'sessions';
    phase.value = 'opening';
    navigation.show('video');
    const profile = profileId.value;
    const kept = await api.listLibrary();
    if (ticket !== openTicket) return;
    const copy = kept.ok ? newestCopy(kept.value, next.id, profile) : undefined;
    if (copy) {
      item.value = copy;
      const failure = await openItem(ticket, copy.itemId, false);
      // A copy whose file went missing or unreadable is replaced by a fresh download.
      if (failure !== IPC_ERROR.recordingUnreadable && failure !== IPC_ERROR.libraryItemNotFound) return;
      item.value = null;
      error.value = null;
    }
    phase.value = 'downloading';
    // Listening before asking what runs, so an end reported in between is not missed.
    unsubscribe = onEvent('downloads:progress', (status) => {
      if (ticket === openTicket) onProgress(status);
    });
    void checkKey(ticket);
    const running = await api.listDownloads();
    if (ticket !== openTicket) return;
    const joined = running.ok ? runningDownload(running.value, next.id, profile) : undefined;
    if (joined) return onProgress(joined);
    const started = await auth.run(() => api.startDownload(next.id));
    if (ticket !== openTicket) return;
    if (!started.ok) return failWith(started.error);
    onProgress(started.value);
  }

  /** Plays a recording already in the library: nothing is downloaded and no login is needed. */
  async function openLibraryItem(next: LibraryItem): Promise<void> {
    clear();
    const ticket = openTicket;
    origin.value = 'library';
    item.value = next;
    phase.value = 'opening';
    navigation.show('video');
    await openItem(ticket, next.itemId, false);
  }

  /** Starts the download again (a failed one resumes from its partial file), or reopens the item. */
  function retry(): Promise<void> {
    if (session.value) return open(session.value);
    return item.value ? openLibraryItem(item.value) : Promise.resolve();
  }

  async function checkKey(ticket: number): Promise<void> {
    const id = profileId.value;
    const status = id ? await auth.run(() => api.signingKey(id)) : null;
    if (ticket !== openTicket) return;
    // Without an answer the recording still plays; its verification then says the key is unknown.
    if (status?.ok && !status.value.trusted) keyPrompt.value = status.value;
    if (status && !status.ok && status.error.code === IPC_ERROR.signingKeyChanged) keyChanged.value = true;
    keyChecked = true;
    void openWhenReady(ticket);
  }

  function onProgress(status: DownloadStatus): void {
    if (status.sessionId !== session.value?.id) return;
    const current = download.value;
    if (current && current.downloadId !== status.downloadId) return;
    // An answer sent before the end was reported must not take the player back to downloading.
    if (current?.state === 'done') return;
    download.value = status;
    if (status.state === 'failed' || status.state === 'interrupted')
      failWith(status.error ?? { code: 'DOWNLOAD_FAILED', message: '' });
    else if (status.state === 'done') void openWhenReady(openTicket);
  }

  function failWith(problem: AppError): void {
    error.value = problem;
    phase.value = 'failed';
  }

  async function trustKey(): Promise<void> {
    const prompt = keyPrompt.value;
    const id = profileId.value;
    if (!prompt || !id) return;
    keyError.value = null;
    const result = await api.trustSigningKey(id, prompt.keyId);
    if (!result.ok) {
      keyError.value = result.error;
      return;
    }
    keyPrompt.value = null;
    await openWhenReady(openTicket);
  }

  /** Plays without trusting the key: the recording is shown as not verified. */
  function declineKey(): Promise<void> {
    keyPrompt.value = null;
    return openWhenReady(openTicket);
  }

  /** Opens the player once the file is in and the signing key was decided on. */
  async function openWhenReady(ticket: number): Promise<void> {
    const downloaded = download.value?.itemId;
    if (!keyChecked || keyPrompt.value || download.value?.state !== 'done' || !downloaded) return;
    if (phase.value !== 'downloading') return;
    phase.value = 'opening';
    // Checked again now that the key may have been trusted: the verdict is shown with the video.
    await openItem(ticket, downloaded, true);
  }

  /**
   * Opens a library item in main and draws its first screen. A copy kept from earlier is re-checked
   * behind the first screen, so a tampered file still shows as Altered without delaying it.
   */
  async function openItem(ticket: number, id: string, verifyFirst: boolean): Promise<string | null> {
    if (verifyFirst) await verify(ticket, id);
    if (ticket !== openTicket) return null;
    const opened = await api.openPlayer(id);
    if (ticket !== openTicket) {
      if (opened.ok) void api.closePlayer(opened.value.playerId);
      return null;
    }
    if (!opened.ok) {
      failWith(opened.error);
      return opened.error.code;
    }
    info.value = opened.value;
    phase.value = 'ready';
    await seek(0);
    if (!verifyFirst) await verify(ticket, id);
    return null;
  }

  async function verify(ticket: number, id: string): Promise<void> {
    const verified = await api.verifyLibraryItem(id);
    if (ticket === openTicket && verified.ok) item.value = verified.value;
  }

  async function cancelDownload(): Promise<void> {
    const running = download.value;
    if (running && (running.state === 'queued' || running.state === 'running'))
      await api.cancelDownload(running.downloadId);
    close();
  }

  /** Draws the screen at `atMs` and plays on from there (when playing). */
  async function seek(atMs: number): Promise<void> {
    const player = info.value;
    if (!player) return;
    const ticket = ++positionTicket;
    seeking.value = true;
    const result = await api.screenAt(player.playerId, clampTime(atMs, player.durationMs));
    if (ticket !== positionTicket) return;
    seeking.value = false;
    if (!result.ok) {
      error.value = result.error;
      playing.value = false;
      stopTimer();
      return;
    }
    const screen = result.value;
    emit({ kind: 'snapshot', cols: screen.cols, rows: screen.rows, screen: screen.screen });
    currentMs.value = screen.atMs;
    buffer = [];
    fetchedTo = screen.atMs;
    windowTo = screen.atMs;
    cursor = screen.eventsCursor ?? undefined;
    fetching = false;
    error.value = null;
    void fill();
  }

  /** Fetches the next page of events while less than the look-ahead is buffered. */
  async function fill(): Promise<void> {
    const player = info.value;
    if (!player || fetching) return;
    if (cursor === undefined) {
      const ahead = currentMs.value + LOOKAHEAD_MS * speed.value;
      // Skipping idle time must find the far side of a gap already fetched, or the clock would wait.
      const horizon = skipIdle.value ? skipIdleTarget(ahead, player.idleGaps) : ahead;
      if (fetchedTo >= player.durationMs || fetchedTo >= horizon) return;
      windowTo = Math.min(player.durationMs, Math.max(horizon, fetchedTo + LOOKAHEAD_MS * speed.value));
    }
    const ticket = positionTicket;
    fetching = true;
    const page = await api.playerEvents({
      playerId: player.playerId,
      fromMs: fetchedTo,
      toMs: Math.max(windowTo, fetchedTo),
      ...(cursor === undefined ? {} : { cursor }),
    });
    if (ticket !== positionTicket) return;
    fetching = false;
    if (!page.ok) {
      error.value = page.error;
      pause();
      return;
    }
    buffer.push(...page.value.events);
    cursor = page.value.next ?? undefined;
    if (cursor === undefined) fetchedTo = Math.max(windowTo, fetchedTo);
    void fill();
  }

  /** Moves the clock by `wallMs` of real time: what falls due is written, then more is fetched. */
  function tick(wallMs: number): void {
    const player = info.value;
    if (!player || !playing.value || seeking.value) return;
    const target = advance(currentMs.value, wallMs, {
      speed: speed.value,
      durationMs: player.durationMs,
      skipIdle: skipIdle.value,
      gaps: player.idleGaps,
    });
    // Never past what has been fetched: the clock waits for the page instead of skipping output.
    // Inside a window still being paged, what comes before the last event fetched is complete.
    const lastFetched = buffer.at(-1)?.atMs ?? fetchedTo;
    const reachable = cursor === undefined ? fetchedTo : Math.max(fetchedTo, lastFetched - 1);
    const next = Math.max(currentMs.value, Math.min(target, reachable));
    let shown = 0;
    while (shown < buffer.length && buffer[shown]!.atMs <= next) {
      const event = buffer[shown]!;
      if (event.type === 'output') emit({ kind: 'output', bytes: decode(event.data) });
      else emit({ kind: 'resize', cols: event.cols, rows: event.rows });
      shown += 1;
    }
    buffer = buffer.slice(shown);
    currentMs.value = next;
    if (next >= player.durationMs) pause();
    else void fill();
  }

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
    const played = itemId.value;
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

  async function search(): Promise<void> {
    const player = info.value;
    const q = query.value.trim();
    if (!player) return;
    if (q === '') {
      results.value = null;
      searchError.value = null;
      return;
    }
    searching.value = true;
    searchError.value = null;
    const result = await api.searchPlayer(player.playerId, q);
    if (player !== info.value) return;
    searching.value = false;
    searchPrepared.value = true;
    if (!result.ok) {
      searchError.value = result.error;
      return;
    }
    results.value = result.value;
  }

  /** Back to the screen the video was opened from; a download keeps running in the background. */
  function close(): void {
    navigation.show(origin.value);
    clear();
  }

  /** Forgets the video shown (leaving the screen, signing out); the open player is released. */
  function clear(): void {
    openTicket += 1;
    resetPlayback();
    unsubscribe?.();
    unsubscribe = null;
    const player = info.value;
    if (player) void api.closePlayer(player.playerId);
    session.value = null;
    phase.value = 'idle';
    download.value = null;
    error.value = null;
    keyPrompt.value = null;
    keyError.value = null;
    keyChanged.value = false;
    keyChecked = false;
    reported = false;
    item.value = null;
    info.value = null;
    query.value = '';
    results.value = null;
    searching.value = false;
    searchError.value = null;
    searchPrepared.value = false;
  }

  return {
    session,
    origin,
    phase,
    download,
    error,
    keyPrompt,
    keyError,
    keyChanged,
    item,
    info,
    currentMs,
    playing,
    speed,
    skipIdle,
    seeking,
    query,
    results,
    searching,
    searchError,
    searchPreparing,
    durationMs,
    markers,
    hits,
    attach,
    open,
    openLibraryItem,
    retry,
    trustKey,
    declineKey,
    cancelDownload,
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
    search,
    close,
    clear,
  };
});

/** The newest copy of a session downloaded from this gateway profile. */
function newestCopy(
  items: LibraryItem[],
  sessionId: number,
  profileId: string | null,
): LibraryItem | undefined {
  if (profileId === null) return undefined;
  return items
    .filter((i) => i.sessionId === sessionId && i.profileId === profileId)
    .reduce<LibraryItem | undefined>((best, i) => (best && best.addedAt >= i.addedAt ? best : i), undefined);
}

function runningDownload(
  downloads: DownloadStatus[],
  sessionId: number,
  profileId: string | null,
): DownloadStatus | undefined {
  return downloads.find(
    (d) =>
      d.sessionId === sessionId &&
      d.profileId === profileId &&
      (d.state === 'queued' || d.state === 'running'),
  );
}
