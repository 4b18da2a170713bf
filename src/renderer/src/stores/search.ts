import { defineStore } from 'pinia';
import { reactive, ref, shallowRef, watch } from 'vue';
import type { Session } from '@shared/api';
import type { SessionAction } from '@shared/policy';
import type { SearchHit, SearchQuery, SearchResult } from '@shared/search';
import type { AppError } from '@shared/result';
import { api } from '../api';
import { emptySearchFilters, toSearchQuery } from '../components/search/searchQuery';
import { PAGE_SIZES } from '../lib/sessionFilters';
import { useAuthStore } from './auth';
import { usePlayerStore } from './player';
import { useSessionLogsStore } from './sessionLogs';

/** Why a hit could not be opened: the session's own answer failed, or the action is not allowed. */
export type OpenProblem = { kind: 'error'; error: AppError } | { kind: 'denied'; action: SessionAction };

/**
 * Search across sessions: words and the list's filters, run on Enter; the page of hits shown;
 * and a hit opened in the player at its moment or in Session Logs at its line.
 */
export const useSearchStore = defineStore('search', () => {
  const auth = useAuthStore();
  const player = usePlayerStore();
  const sessionLogs = useSessionLogsStore();

  /** The words typed in the box; `result` belongs to the last search run. */
  const text = ref('');
  const filters = reactive(emptySearchFilters());
  const pageSize = ref<number>(PAGE_SIZES[1]);
  /** The query of the hits shown, so paging keeps the words and filters that found them. */
  const applied = shallowRef<SearchQuery | null>(null);
  const result = shallowRef<SearchResult | null>(null);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  /** The session being fetched to open a hit, and what went wrong with the last one. */
  const opening = ref<number | null>(null);
  const openProblem = shallowRef<OpenProblem | null>(null);

  /** Answers of an older search or opening must not overwrite a newer one. */
  let searchTicket = 0;
  let openTicket = 0;
  /** The moment to show once the player has opened this session. */
  let pendingSeek: { sessionId: number; atMs: number } | null = null;

  watch(
    () => [player.phase, player.session?.id ?? null] as const,
    ([phase, sessionId]) => {
      if (pendingSeek === null) return;
      // Another video, a failed opening or a closed player: the moment is no longer wanted.
      if (sessionId !== pendingSeek.sessionId || phase === 'failed' || phase === 'idle') {
        pendingSeek = null;
        return;
      }
      if (phase !== 'ready') return;
      const { atMs } = pendingSeek;
      pendingSeek = null;
      void player.seek(atMs);
    },
  );

  /** Runs the typed words with the filters, from the first page. Blank words clear the results. */
  function search(): Promise<void> {
    const query = toSearchQuery(text.value, filters, 1, pageSize.value);
    if (query === null) {
      clearResults();
      return Promise.resolve();
    }
    return run(query);
  }

  function goToPage(page: number): Promise<void> {
    const query = applied.value;
    return query ? run({ ...query, page }) : Promise.resolve();
  }

  function setPageSize(size: number): Promise<void> {
    pageSize.value = size;
    const query = applied.value;
    return query ? run({ ...query, page: 1, pageSize: size }) : Promise.resolve();
  }

  async function run(query: SearchQuery): Promise<void> {
    const ticket = ++searchTicket;
    applied.value = query;
    loading.value = true;
    error.value = null;
    openProblem.value = null;
    const answer = await auth.run(() => api.searchSessions(query));
    if (ticket !== searchTicket) return;
    loading.value = false;
    if (!answer.ok) {
      error.value = answer.error;
      return;
    }
    result.value = answer.value;
  }

  function resetFilters(): void {
    Object.assign(filters, emptySearchFilters());
  }

  /** The player at the hit's moment (the recording is downloaded first when the library has none). */
  async function openVideo(hit: SearchHit): Promise<void> {
    const session = await sessionFor(hit, 'video');
    if (!session) return;
    const opened = player.open(session, 'search');
    // Set once the player holds this session, so the screen it drew first is replaced by the hit's.
    pendingSeek = { sessionId: session.id, atMs: hit.atMs };
    await opened;
  }

  /** Session Logs on the hit's line of text, or on the command it matched. */
  async function openLogs(hit: SearchHit): Promise<void> {
    const session = await sessionFor(hit, 'logs');
    if (!session) return;
    const target =
      hit.line !== null
        ? { kind: 'line' as const, n: hit.line }
        : { kind: 'command' as const, atMs: hit.atMs };
    await sessionLogs.openAt(session, target, 'search');
  }

  /** The hit's full session, for the screens that open it; null (with the reason kept) if it cannot. */
  async function sessionFor(hit: SearchHit, action: SessionAction): Promise<Session | null> {
    const ticket = ++openTicket;
    opening.value = hit.sessionId;
    openProblem.value = null;
    const answer = await auth.run(() => api.getSession(hit.sessionId));
    if (ticket !== openTicket) return null;
    opening.value = null;
    if (!answer.ok) {
      openProblem.value = { kind: 'error', error: answer.error };
      return null;
    }
    if (!answer.value.allowedActions.includes(action)) {
      openProblem.value = { kind: 'denied', action };
      return null;
    }
    return answer.value;
  }

  function clearResults(): void {
    searchTicket += 1;
    applied.value = null;
    result.value = null;
    loading.value = false;
    error.value = null;
    openProblem.value = null;
  }

  /** Forgets the words, filters and hits (signing out). */
  function clear(): void {
    openTicket += 1;
    opening.value = null;
    pendingSeek = null;
    text.value = '';
    resetFilters();
    pageSize.value = PAGE_SIZES[1];
    clearResults();
  }

  return {
    text,
    filters,
    pageSize,
    applied,
    result,
    loading,
    error,
    opening,
    openProblem,
    search,
    goToPage,
    setPageSize,
    resetFilters,
    openVideo,
    openLogs,
    clear,
  };
});
