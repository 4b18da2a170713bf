import { defineStore } from 'pinia';
import { computed } from 'vue';
import { api } from '../api';
import { useNavigationStore } from './navigation';
import { usePlayerOpening } from './playerOpening';
import { usePlayerPlayback } from './playerPlayback';
import { usePlayerSearch } from './playerSearch';

export type { PlayerOrigin, PlayerPhase } from './playerOpening';
export { TICK_MS } from './playerPlayback';

/** A seek moves by this much with the arrow keys. */
export const STEP_MS = 5000;

/**
 * Video of session: plays a recording of the library, downloading it first when the library has no
 * copy (asking once to trust the gateway's signing key). A download outlives the screen: leaving
 * keeps it running and coming back joins it. The screen at a time comes from main; from there the
 * output (a remote desktop's frames, for RDP) is streamed page by page and handed to the view as the
 * clock reaches it. Opening, playback and search each live in their own part; this store puts them
 * together and forgets them together.
 */
export const usePlayerStore = defineStore('player', () => {
  const navigation = useNavigationStore();
  const opening = usePlayerOpening({ clear, showFirstScreen: () => playback.seek(0) });
  const playback = usePlayerPlayback({
    info: opening.info,
    error: opening.error,
    playedItemId: opening.itemId,
  });
  const search = usePlayerSearch(opening.info);
  const durationMs = computed(() => opening.info.value?.durationMs ?? 0);
  /** A remote desktop (RDP) recording: drawn on a canvas, with no text to search or copy. */
  const desktop = computed(() => opening.info.value?.kind === 'desktop');

  async function cancelDownload(): Promise<void> {
    const running = opening.download.value;
    if (running && (running.state === 'queued' || running.state === 'running'))
      await api.cancelDownload(running.downloadId);
    close();
  }

  /** Back to the screen the video was opened from; a download keeps running in the background. */
  function close(): void {
    navigation.show(opening.origin.value);
    clear();
  }

  /** Forgets the video shown (leaving the screen, signing out); the open player is released. */
  function clear(): void {
    opening.forget();
    playback.reset();
    search.reset();
  }

  return {
    session: opening.session,
    origin: opening.origin,
    phase: opening.phase,
    download: opening.download,
    error: opening.error,
    keyPrompt: opening.keyPrompt,
    keyError: opening.keyError,
    keyChanged: opening.keyChanged,
    item: opening.item,
    info: opening.info,
    currentMs: playback.currentMs,
    playing: playback.playing,
    speed: playback.speed,
    skipIdle: playback.skipIdle,
    seeking: playback.seeking,
    query: search.query,
    results: search.results,
    searching: search.searching,
    searchError: search.searchError,
    searchPreparing: search.searchPreparing,
    durationMs,
    desktop,
    markers: playback.markers,
    hits: search.hits,
    attach: playback.attach,
    attachDesktop: playback.attachDesktop,
    open: opening.open,
    openLibraryItem: opening.openLibraryItem,
    retry: opening.retry,
    trustKey: opening.trustKey,
    declineKey: opening.declineKey,
    cancelDownload,
    seek: playback.seek,
    seekBy: playback.seekBy,
    tick: playback.tick,
    play: playback.play,
    pause: playback.pause,
    togglePlay: playback.togglePlay,
    goToNextMarker: playback.goToNextMarker,
    goToPreviousMarker: playback.goToPreviousMarker,
    setSpeed: playback.setSpeed,
    faster: playback.faster,
    slower: playback.slower,
    search: search.search,
    close,
    clear,
  };
});
