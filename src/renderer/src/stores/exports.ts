import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { ExportInput, ExportJob, FfmpegStatus } from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api } from '../api';

/**
 * Exports of library recordings (asciicast, MP4) and the ffmpeg MP4 needs. One export is shown at
 * a time (the dialog's); MP4s keep running in main when the dialog closes, and their end still
 * reaches the user (the browser bridge hands the file to the browser then).
 */
export const useExportsStore = defineStore('exports', () => {
  const jobs = ref<Record<string, ExportJob>>({});
  const currentId = ref<string | null>(null);
  const starting = ref(false);
  const error = ref<AppError | null>(null);
  const ffmpeg = ref<FfmpegStatus | null>(null);
  const ffmpegLoading = ref(false);
  const ffmpegError = ref<AppError | null>(null);
  let unsubscribe: (() => void) | null = null;

  const job = computed(() => (currentId.value === null ? null : (jobs.value[currentId.value] ?? null)));
  const running = computed(() => starting.value || job.value?.state === 'running');

  /** Progress may overtake the answer to start: an export that has ended never goes back to running. */
  function apply(update: ExportJob): void {
    const known = jobs.value[update.exportId];
    if (known && known.state !== 'running') return;
    jobs.value = { ...jobs.value, [update.exportId]: update };
  }

  function listen(): void {
    unsubscribe ??= api.onExportProgress(apply);
  }

  async function start(input: ExportInput): Promise<void> {
    if (running.value) return;
    listen();
    starting.value = true;
    error.value = null;
    currentId.value = null;
    const result = await api.startExport(input);
    starting.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    apply(result.value);
    currentId.value = result.value.exportId;
  }

  async function cancel(): Promise<void> {
    const current = job.value;
    if (current?.state !== 'running') return;
    const result = await api.cancelExport(current.exportId);
    if (!result.ok) error.value = result.error;
  }

  async function loadFfmpeg(): Promise<void> {
    ffmpegLoading.value = true;
    const result = await api.ffmpegStatus();
    ffmpegLoading.value = false;
    ffmpegError.value = result.ok ? null : result.error;
    if (result.ok) ffmpeg.value = result.value;
  }

  async function setFfmpegPath(path: string | null): Promise<void> {
    ffmpegLoading.value = true;
    const result = await api.setFfmpegPath(path);
    ffmpegLoading.value = false;
    ffmpegError.value = result.ok ? null : result.error;
    if (result.ok) ffmpeg.value = result.value;
  }

  /**
   * The dialog closed: an ended export is forgotten so the next opening starts fresh; a running
   * MP4 goes on in the background and is shown again when the dialog reopens.
   */
  function dismiss(): void {
    if (!running.value) currentId.value = null;
    error.value = null;
  }

  function stopListening(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    jobs,
    job,
    running,
    starting,
    error,
    ffmpeg,
    ffmpegLoading,
    ffmpegError,
    start,
    cancel,
    loadFfmpeg,
    setFfmpegPath,
    dismiss,
    stopListening,
  };
});
