import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type Auditors, type Session, type UserSummary } from '@shared/api';
import type { ExportResult } from '@shared/ipc';
import type { Result } from '@shared/result';
import { api } from '../api';
import { usePagedList } from '../composables/usePagedList';
import { copyFilters, emptyFilters, toSessionQuery, type SessionFilters } from '../lib/sessionFilters';
import { useAuthStore } from './auth';

/** Paper is not a database: beyond this many rows a printout is cut (and says so). */
const PRINT_MAX_ROWS = 2_000;

/** The Remote sessions list: the filters being edited, the ones applied, and the page shown. */
export const useSessionsStore = defineStore('sessions', () => {
  const auth = useAuthStore();

  const draft = reactive<SessionFilters>(emptyFilters());
  const applied = ref<SessionFilters>(emptyFilters());
  const list = usePagedList<Session>((page, pageSize) => {
    const query = { ...toSessionQuery(applied.value), page, pageSize };
    return auth.run(() => api.listSessions(query));
  });
  const { page, pageSize, items, total, loading, error, load, setPage, setPageSize } = list;
  /** Every row the applied filters match (up to PRINT_MAX_ROWS), while a printout is made. */
  const printRows = ref<Session[] | null>(null);

  function apply(): Promise<void> {
    applied.value = copyFilters(draft);
    return list.loadFirstPage();
  }

  function reset(): Promise<void> {
    Object.assign(draft, emptyFilters());
    return apply();
  }

  function replaceRow(session: Session): void {
    const index = items.value.findIndex((s) => s.id === session.id);
    if (index !== -1) items.value.splice(index, 1, session);
  }

  async function refreshRow(sessionId: number): Promise<void> {
    const result = await auth.run(() => api.getSession(sessionId));
    if (result.ok) replaceRow(result.value);
  }

  async function setPreventPurge(sessionId: number, justification: string): Promise<Result<Session>> {
    const text = justification.trim();
    const result = await auth.run(() => api.setPreventPurge(sessionId, text));
    if (result.ok) replaceRow(result.value);
    return result;
  }

  async function clearPreventPurge(sessionId: number, justification: string): Promise<Result<Session>> {
    const text = justification.trim();
    const result = await auth.run(() => api.clearPreventPurge(sessionId, text));
    if (result.ok) replaceRow(result.value);
    return result;
  }

  /** Drop Session from the list (the caller asked for confirmation); the row shows how it ended. */
  async function drop(sessionId: number): Promise<Result<Session>> {
    const result = await auth.run(() => api.dropSession(sessionId));
    if (result.ok) replaceRow(result.value);
    return result;
  }

  function getAuditors(sessionId: number): Promise<Result<Auditors>> {
    return auth.run(() => api.getAuditors(sessionId));
  }

  function listUsers(): Promise<Result<UserSummary[]>> {
    return auth.run(() => api.listUsers());
  }

  async function setAuditors(sessionId: number, userIds: number[]): Promise<Result<Auditors>> {
    const result = await auth.run(() => api.setAuditors(sessionId, userIds));
    // Being listed can change what someone may do with the row (scoped access), so reload it.
    if (result.ok) await refreshRow(sessionId);
    return result;
  }

  /**
   * Fetches every row the applied filters match, page after page, for a printout that lists what
   * the filters found rather than the page on screen. `total` says how many there were in all.
   */
  async function loadForPrint(): Promise<Result<{ rows: number; total: number }>> {
    const filters = toSessionQuery(applied.value);
    const rows: Session[] = [];
    for (let next = 1; ; next += 1) {
      const query = { ...filters, page: next, pageSize: PAGE_SIZE_MAX };
      const result = await auth.run(() => api.listSessions(query));
      if (!result.ok) return result;
      rows.push(...result.value.items);
      const { total: all, items: got } = result.value;
      if (got.length === 0 || rows.length >= Math.min(all, PRINT_MAX_ROWS)) {
        printRows.value = rows.slice(0, PRINT_MAX_ROWS);
        return { ok: true, value: { rows: printRows.value.length, total: all } };
      }
    }
  }

  function endPrint(): void {
    printRows.value = null;
  }

  /** Forgets rows and filters when the user signs out, so the next person starts clean. */
  function clear(): void {
    list.clear();
    Object.assign(draft, emptyFilters());
    applied.value = emptyFilters();
    pageSize.value = PAGE_SIZE_DEFAULT;
    printRows.value = null;
  }

  /** Exports what the table shows (the applied filters, every page); main asks where to save. */
  function exportCsv(): Promise<Result<ExportResult>> {
    const query = toSessionQuery(applied.value);
    return auth.run(() => api.exportCsv(query));
  }

  return {
    draft,
    applied,
    page,
    pageSize,
    items,
    total,
    loading,
    error,
    printRows,
    load,
    loadForPrint,
    endPrint,
    apply,
    reset,
    setPage,
    setPageSize,
    replaceRow,
    refreshRow,
    exportCsv,
    setPreventPurge,
    clearPreventPurge,
    drop,
    getAuditors,
    listUsers,
    setAuditors,
    clear,
  };
});
