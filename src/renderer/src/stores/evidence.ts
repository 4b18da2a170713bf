import { computed, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type { EvidenceBundle, EvidenceFormat, EvidenceJob } from '@shared/evidenceIpc';
import type { AppError } from '@shared/result';
import { invoke, onEvent, saveDownload } from '../api';

/** What the export dialog bundles: sessions of the gateway, or recordings of the library. */
export type EvidenceSelection = { sessionIds: number[] } | { itemIds: string[] };

/**
 * Evidence bundles: the export dialog (one export shown at a time; it keeps running in main when
 * the dialog closes) and the library's Bundles list, re-verified offline on demand.
 */
export const useEvidenceStore = defineStore('evidence', () => {
  const dialogOpen = ref(false);
  const selection = shallowRef<EvidenceSelection | null>(null);
  const format = ref<EvidenceFormat>('zip');
  const jobs = ref<Record<string, EvidenceJob>>({});
  const currentId = ref<string | null>(null);
  const starting = ref(false);
  const error = ref<AppError | null>(null);
  /** The dialog was closed with "Cancel" on the save dialog. */
  const cancelledChoice = ref(false);

  const bundles = shallowRef<EvidenceBundle[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const listError = ref<AppError | null>(null);
  /** Bundles being checked or revealed right now. */
  const busy = ref<ReadonlySet<string>>(new Set());
  const actionError = ref<AppError | null>(null);
  const opening = ref(false);
  /** The bundle whose per-file result is shown. */
  const shownId = ref<string | null>(null);
  const revealed = ref<{ bundleId: string; path: string } | null>(null);
  let unsubscribe: (() => void) | null = null;

  const job = computed(() => (currentId.value === null ? null : (jobs.value[currentId.value] ?? null)));
  const running = computed(() => starting.value || job.value?.state === 'running');
  const shown = computed(() => bundles.value.find((b) => b.bundleId === shownId.value) ?? null);
  const selectedCount = computed(() => {
    const chosen = selection.value;
    if (chosen === null) return 0;
    return 'sessionIds' in chosen ? chosen.sessionIds.length : chosen.itemIds.length;
  });

  /** Progress may overtake the answer to start: an export that has ended never goes back to running. */
  function apply(update: EvidenceJob): void {
    const known = jobs.value[update.jobId];
    if (known && known.state !== 'running') return;
    jobs.value = { ...jobs.value, [update.jobId]: update };
    if (update.state === 'done') {
      if (update.download) saveDownload(update.download);
      if (update.bundle) replace(update.bundle);
    }
  }

  function listen(): void {
    unsubscribe ??= onEvent('evidence:progress', apply);
  }

  /** Opens the export dialog for these sessions or recordings (a running export stays shown). */
  function choose(chosen: EvidenceSelection): void {
    if (!running.value) {
      currentId.value = null;
      selection.value = chosen;
    }
    error.value = null;
    cancelledChoice.value = false;
    dialogOpen.value = true;
  }

  async function start(): Promise<void> {
    const chosen = selection.value;
    if (running.value || chosen === null || selectedCount.value === 0) return;
    listen();
    starting.value = true;
    error.value = null;
    cancelledChoice.value = false;
    currentId.value = null;
    const result = await invoke('evidence:export', { format: format.value, ...chosen });
    starting.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    if (result.value.state === 'cancelled') {
      cancelledChoice.value = true;
      return;
    }
    apply(result.value);
    currentId.value = result.value.jobId;
  }

  async function cancel(): Promise<void> {
    const current = job.value;
    if (current?.state !== 'running') return;
    const result = await invoke('evidence:cancel', current.jobId);
    if (!result.ok) error.value = result.error;
  }

  /** The dialog closed: an ended export is forgotten so the next opening starts fresh. */
  function dismiss(): void {
    dialogOpen.value = false;
    if (!running.value) currentId.value = null;
    error.value = null;
  }

  function replace(bundle: EvidenceBundle): void {
    const at = bundles.value.findIndex((b) => b.bundleId === bundle.bundleId);
    bundles.value =
      at === -1
        ? [bundle, ...bundles.value]
        : bundles.value.map((b) => (b.bundleId === bundle.bundleId ? bundle : b));
  }

  function setBusy(bundleId: string, on: boolean): void {
    const next = new Set(busy.value);
    if (on) next.add(bundleId);
    else next.delete(bundleId);
    busy.value = next;
  }

  async function load(): Promise<void> {
    listen();
    loading.value = true;
    const result = await invoke('evidence:list');
    loading.value = false;
    loaded.value = true;
    listError.value = result.ok ? null : result.error;
    if (result.ok) bundles.value = result.value;
  }

  async function verify(bundleId: string): Promise<void> {
    setBusy(bundleId, true);
    actionError.value = null;
    const result = await invoke('evidence:verify', bundleId);
    setBusy(bundleId, false);
    if (result.ok) replace(result.value);
    else actionError.value = result.error;
  }

  /** "Open bundle…": a folder or zip on this computer joins the list, verified, and is shown. */
  async function open(path: string): Promise<boolean> {
    opening.value = true;
    actionError.value = null;
    const result = await invoke('evidence:open', path);
    opening.value = false;
    if (!result.ok) {
      actionError.value = result.error;
      return false;
    }
    replace(result.value);
    shownId.value = result.value.bundleId;
    return true;
  }

  async function reveal(bundleId: string, report: boolean): Promise<void> {
    setBusy(bundleId, true);
    actionError.value = null;
    const result = await invoke('evidence:reveal', { bundleId, report });
    setBusy(bundleId, false);
    if (result.ok) revealed.value = { bundleId, path: result.value.path };
    else actionError.value = result.error;
  }

  async function forget(bundleId: string): Promise<void> {
    setBusy(bundleId, true);
    actionError.value = null;
    const result = await invoke('evidence:forget', bundleId);
    setBusy(bundleId, false);
    if (!result.ok) {
      actionError.value = result.error;
      return;
    }
    bundles.value = bundles.value.filter((b) => b.bundleId !== bundleId);
    if (shownId.value === bundleId) shownId.value = null;
  }

  function show(bundleId: string | null): void {
    shownId.value = bundleId;
  }

  function stopListening(): void {
    unsubscribe?.();
    unsubscribe = null;
  }

  return {
    dialogOpen,
    selection,
    selectedCount,
    format,
    jobs,
    job,
    running,
    starting,
    error,
    cancelledChoice,
    bundles,
    loaded,
    loading,
    listError,
    busy,
    actionError,
    opening,
    shownId,
    shown,
    revealed,
    choose,
    start,
    cancel,
    dismiss,
    load,
    verify,
    open,
    reveal,
    forget,
    show,
    stopListening,
  };
});
