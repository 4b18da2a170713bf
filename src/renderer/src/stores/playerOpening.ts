import { computed, ref, shallowRef } from 'vue';
import type { Session } from '@shared/api';
import {
  IPC_ERROR,
  type DownloadStatus,
  type LibraryItem,
  type PlayerInfo,
  type SigningKeyStatus,
} from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api, onEvent } from '../api';
import { useAuthStore } from './auth';
import { useNavigationStore } from './navigation';

export type PlayerPhase = 'idle' | 'downloading' | 'opening' | 'ready' | 'failed';
/** The screen the player was opened from, where Back returns. */
export type PlayerOrigin = 'sessions' | 'library' | 'search' | 'sessionsForAudit';

/**
 * The player store's way to a video: the library's copy from this gateway when there is one, else
 * the session's download, joined when already running (asking once to trust the gateway's signing
 * key), then the recording opened in main and verified.
 */
export function usePlayerOpening(deps: {
  /** Forgets the video shown, before another is opened. */
  clear: () => void;
  /** Draws the first screen of the video just opened. */
  showFirstScreen: () => Promise<void>;
}) {
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

  const profileId = computed(() => auth.state?.profileId ?? null);
  const itemId = computed(() => item.value?.itemId ?? download.value?.itemId ?? null);

  /** Answers for an older screen must not land in the newer one. */
  let openTicket = 0;
  let keyChecked = false;
  let unsubscribe: (() => void) | null = null;

  /**
   * Shows the screen for a session of the Remote sessions list: plays the library's copy from this
   * gateway when there is one, else joins its download or starts it.
   */
  async function open(next: Session, from: PlayerOrigin = 'sessions'): Promise<void> {
    deps.clear();
    const ticket = openTicket;
    session.value = next;
    origin.value = from;
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
    deps.clear();
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
    await deps.showFirstScreen();
    if (!verifyFirst) await verify(ticket, id);
    return null;
  }

  async function verify(ticket: number, id: string): Promise<void> {
    const verified = await api.verifyLibraryItem(id);
    if (ticket === openTicket && verified.ok) item.value = verified.value;
  }

  /** Drops the video being opened or shown: the open player is released, the origin is kept. */
  function forget(): void {
    openTicket += 1;
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
    item.value = null;
    info.value = null;
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
    itemId,
    open,
    openLibraryItem,
    retry,
    trustKey,
    declineKey,
    forget,
  };
}

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

/** The download of a session from this gateway profile still queued or running, to join. */
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
