import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LibraryImportInput, LibraryItem, LibraryItemDetails, VerificationStatus } from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api } from '../api';
import { selectImportFiles, type ImportPart } from '../lib/importFiles';

export type StatusFilter = 'all' | VerificationStatus;

/** Why an import did not start or did not finish. */
export type ImportProblem =
  { kind: 'parts'; missing: ImportPart[]; twice: ImportPart[] } | { kind: 'failed'; error: AppError };

/** Case-insensitive match on who, where, which session and which gateway. */
export function itemMatches(item: LibraryItem, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  return [
    item.operator,
    item.account,
    item.target,
    String(item.sessionId),
    `#${item.sessionId}`,
    item.gatewayUrl ?? '',
    item.itemId,
  ].some((field) => field.toLowerCase().includes(q));
}

/**
 * The Library: recordings on this computer, their verification (checked again on demand), the
 * details kept with each, imports of recordings someone sent, and the folder they live in. Every
 * call here is answered by main from local files: it works signed out and with no gateway.
 */
export const useLibraryStore = defineStore('library', () => {
  const items = shallowRef<LibraryItem[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  const query = ref('');
  const status = ref<StatusFilter>('all');
  /** Items being checked, deleted or revealed right now. */
  const busy = ref<ReadonlySet<string>>(new Set());
  const checkingAll = ref(false);
  /** The last failure of an action on one item, shown above the table. */
  const actionError = ref<AppError | null>(null);

  const details = shallowRef<LibraryItemDetails | null>(null);
  const detailsLoading = ref(false);
  const detailsError = ref<AppError | null>(null);

  const importing = ref(false);
  const importProblem = shallowRef<ImportProblem | null>(null);
  const imported = shallowRef<LibraryItem | null>(null);

  const revealed = ref<{ itemId: string; path: string } | null>(null);

  const folder = ref<string | null>(null);
  const folderError = ref<AppError | null>(null);
  const savingFolder = ref(false);

  const filtered = computed(() =>
    items.value.filter(
      (item) =>
        (status.value === 'all' || item.verification.status === status.value) &&
        itemMatches(item, query.value),
    ),
  );

  function setBusy(itemId: string, on: boolean): void {
    const next = new Set(busy.value);
    if (on) next.add(itemId);
    else next.delete(itemId);
    busy.value = next;
  }

  /** Puts a changed item in its place (or first, when new). */
  function replace(item: LibraryItem): void {
    const at = items.value.findIndex((i) => i.itemId === item.itemId);
    items.value =
      at === -1 ? [item, ...items.value] : items.value.map((i) => (i.itemId === item.itemId ? item : i));
    if (details.value?.item.itemId === item.itemId) details.value = { ...details.value, item };
  }

  async function load(): Promise<void> {
    loading.value = true;
    const result = await api.listLibrary();
    loading.value = false;
    loaded.value = true;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    items.value = result.value;
  }

  async function verify(itemId: string): Promise<void> {
    setBusy(itemId, true);
    const result = await api.verifyLibraryItem(itemId);
    setBusy(itemId, false);
    if (!result.ok) {
      actionError.value = result.error;
      return;
    }
    replace(result.value);
  }

  /** Checks every item again, one after the other (each reads its whole file). */
  async function verifyAll(): Promise<void> {
    checkingAll.value = true;
    for (const item of items.value) await verify(item.itemId);
    checkingAll.value = false;
  }

  async function remove(itemId: string): Promise<boolean> {
    setBusy(itemId, true);
    const result = await api.deleteLibraryItem(itemId);
    setBusy(itemId, false);
    if (!result.ok) {
      actionError.value = result.error;
      return false;
    }
    items.value = items.value.filter((i) => i.itemId !== itemId);
    if (details.value?.item.itemId === itemId) closeDetails();
    if (revealed.value?.itemId === itemId) revealed.value = null;
    return true;
  }

  /** Shows the file in the system's file manager (the desktop app) and keeps its path to show. */
  async function reveal(itemId: string): Promise<string | null> {
    const result = await api.revealLibraryItem(itemId);
    if (!result.ok) {
      actionError.value = result.error;
      return null;
    }
    revealed.value = { itemId, path: result.value.path };
    return result.value.path;
  }

  async function openDetails(itemId: string): Promise<void> {
    const known = items.value.find((i) => i.itemId === itemId);
    details.value = null;
    detailsError.value = null;
    detailsLoading.value = true;
    const result = await api.libraryDetails(itemId);
    detailsLoading.value = false;
    if (!result.ok) {
      detailsError.value = result.error;
      // The drawer still shows what the list knows about the item.
      if (known) details.value = { item: known, manifest: null, snapshot: null };
      return;
    }
    details.value = result.value;
  }

  function closeDetails(): void {
    details.value = null;
    detailsError.value = null;
  }

  /** Imports the files picked or dropped: which is which comes from their names. */
  async function importFiles(files: readonly File[]): Promise<LibraryItem | null> {
    imported.value = null;
    const selection = selectImportFiles(files);
    if (!selection.ok) {
      importProblem.value = { kind: 'parts', missing: selection.missing, twice: selection.twice };
      return null;
    }
    importProblem.value = null;
    importing.value = true;
    const item = await importSelected(selection.files);
    importing.value = false;
    if (item) {
      imported.value = item;
      replace(item);
    }
    return item;
  }

  async function importSelected(files: {
    recording: File;
    manifest: File;
    signature: File;
    publicKey?: File;
  }): Promise<LibraryItem | null> {
    const input: Partial<LibraryImportInput> = {};
    for (const [part, file] of Object.entries(files) as [keyof LibraryImportInput, File][]) {
      const path = await api.filePath(file);
      if (!path.ok) {
        importProblem.value = { kind: 'failed', error: path.error };
        return null;
      }
      input[part] = path.value;
    }
    const result = await api.importRecording(input as LibraryImportInput);
    if (!result.ok) {
      importProblem.value = { kind: 'failed', error: result.error };
      return null;
    }
    return result.value;
  }

  function dismissImport(): void {
    importProblem.value = null;
    imported.value = null;
  }

  async function loadFolder(): Promise<void> {
    const result = await api.libraryFolder();
    if (result.ok) folder.value = result.value.folder;
    else folderError.value = result.error;
  }

  /** New downloads go to `path`; the list shows what is there. */
  async function setFolder(path: string): Promise<boolean> {
    savingFolder.value = true;
    const result = await api.setLibraryFolder(path.trim());
    savingFolder.value = false;
    if (!result.ok) {
      folderError.value = result.error;
      return false;
    }
    folderError.value = null;
    folder.value = result.value.folder;
    await load();
    return true;
  }

  return {
    items,
    loaded,
    loading,
    error,
    query,
    status,
    busy,
    checkingAll,
    actionError,
    details,
    detailsLoading,
    detailsError,
    importing,
    importProblem,
    imported,
    revealed,
    folder,
    folderError,
    savingFolder,
    filtered,
    load,
    verify,
    verifyAll,
    remove,
    reveal,
    openDetails,
    closeDetails,
    importFiles,
    dismissImport,
    loadFolder,
    setFolder,
  };
});
