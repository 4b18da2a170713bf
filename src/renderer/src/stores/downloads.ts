import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { DownloadStatus } from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api, onEvent } from '../api';
import { useAuthStore } from './auth';

/** Downloads the user still has something to do with or to watch: not finished, not cancelled. */
const OPEN_STATES: ReadonlySet<DownloadStatus['state']> = new Set([
  'queued',
  'running',
  'failed',
  'interrupted',
]);

/**
 * The download queue as main runs it: every recording on its way into the library, with its
 * progress, whichever screen started it. Finished ones leave the queue and appear in the library.
 */
export const useDownloadsStore = defineStore('downloads', () => {
  const auth = useAuthStore();
  const all = shallowRef<DownloadStatus[]>([]);
  const error = ref<AppError | null>(null);
  /** Bumped when a download completes, so the library reloads its list. */
  const completed = ref(0);
  let unsubscribe: (() => void) | null = null;

  const queue = computed(() => all.value.filter((d) => OPEN_STATES.has(d.state)));

  function update(status: DownloadStatus): void {
    const before = all.value.find((d) => d.downloadId === status.downloadId);
    all.value = before
      ? all.value.map((d) => (d.downloadId === status.downloadId ? status : d))
      : [...all.value, status];
    if (status.state === 'done' && before?.state !== 'done') completed.value += 1;
  }

  /** Follows the queue: the list main has now, then every change it reports. */
  async function watch(): Promise<void> {
    unsubscribe ??= onEvent('downloads:progress', update);
    const listed = await api.listDownloads();
    if (!listed.ok) {
      error.value = listed.error;
      return;
    }
    error.value = null;
    all.value = listed.value;
  }

  function stop(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  async function cancel(downloadId: string): Promise<void> {
    const result = await api.cancelDownload(downloadId);
    error.value = result.ok ? null : result.error;
  }

  /** Starts a failed or interrupted download again: it resumes from its partial file (needs a login). */
  async function retry(sessionId: number): Promise<void> {
    const result = await auth.run(() => api.startDownload(sessionId));
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    update(result.value);
  }

  return { all, queue, error, completed, watch, stop, cancel, retry };
});
