import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import {
  SESSION_TEXT_PAGE_SIZE,
  type Session,
  type SessionLogHit,
  type SessionLogSearch,
  type SessionLogs,
  type SessionTextPage,
} from '@shared/api';
import type { AppError } from '@shared/result';
import { api } from '../api';
import { useAuthStore } from './auth';
import { useNavigationStore, type View } from './navigation';

export const LOGS_TABS = ['session', 'user', 'risky', 'events', 'log'] as const;
export type LogsTab = (typeof LOGS_TABS)[number];

/** What the Session log tab brings into view: a line of the text or one of the typed commands. */
export interface LogFocus {
  kind: SessionLogHit['kind'];
  n: number;
}

/** Where the Session log tab opens: a line of the text, or the command typed at a moment. */
export type LogTarget = { kind: 'line'; n: number } | { kind: 'command'; atMs: number };

/** The offset of the text page that holds line `n`. */
export const pageOffsetOf = (n: number): number =>
  Math.floor(n / SESSION_TEXT_PAGE_SIZE) * SESSION_TEXT_PAGE_SIZE;

/**
 * The Session Logs screen: the logs of one finished session as GET …/logs returned them (the first
 * text page included), further text pages fetched on demand and kept, and a search whose hits
 * can be visited one after the other, across pages.
 */
export const useSessionLogsStore = defineStore('sessionLogs', () => {
  const auth = useAuthStore();
  const navigation = useNavigationStore();

  /** The list row the screen was opened from: the header shows it while the logs load. */
  const summary = ref<Session | null>(null);
  const logs = shallowRef<SessionLogs | null>(null);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  const tab = ref<LogsTab>('session');
  /** The screen Back returns to: the Remote sessions list, or Search when opened from a hit. */
  const origin = ref<View>('sessions');

  const page = shallowRef<SessionTextPage | null>(null);
  const pageLoading = ref(false);
  const pageError = ref<AppError | null>(null);
  /** Pages already fetched, by offset: going back to one costs no request. */
  let pages = new Map<number, SessionTextPage>();
  /** The page last asked for, so a failed one can be asked for again. */
  let wantedOffset = 0;

  /** The text typed in the search box; `results` belong to the last search run. */
  const query = ref('');
  const results = shallowRef<SessionLogSearch | null>(null);
  const searching = ref(false);
  const searchError = ref<AppError | null>(null);
  const hitIndex = ref(-1);
  const focus = ref<LogFocus | null>(null);

  /** Answers of an older screen or search must not overwrite a newer one. */
  let openTicket = 0;
  let pageTicket = 0;
  let searchTicket = 0;

  const sessionId = computed(() => summary.value?.id ?? null);
  const hits = computed(() => results.value?.items ?? []);
  const currentHit = computed(() => hits.value[hitIndex.value] ?? null);
  /** The searched words, for highlighting: what the shown hits match, not what is being typed. */
  const highlight = computed(() => (results.value && results.value.total > 0 ? results.value.q : ''));

  function resetText(): void {
    pageTicket += 1;
    pages = new Map();
    wantedOffset = 0;
    page.value = null;
    pageLoading.value = false;
    pageError.value = null;
  }

  function resetSearch(): void {
    searchTicket += 1;
    results.value = null;
    searching.value = false;
    searchError.value = null;
    hitIndex.value = -1;
    focus.value = null;
  }

  /** Shows the screen for a finished session and loads its logs. */
  function open(session: Session, from: View = 'sessions'): Promise<void> {
    summary.value = session;
    origin.value = from;
    tab.value = 'session';
    query.value = '';
    resetSearch();
    navigation.show('sessionLogs');
    return load();
  }

  async function load(): Promise<void> {
    const id = sessionId.value;
    if (id === null) return;
    const ticket = ++openTicket;
    resetText();
    logs.value = null;
    loading.value = true;
    error.value = null;
    const result = await auth.run(() => api.getSessionLogs(id));
    if (ticket !== openTicket) return;
    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    logs.value = result.value;
    summary.value = result.value.session;
    pages.set(result.value.text.offset, result.value.text);
    page.value = result.value.text;
  }

  /** Shows the text page starting at `offset`, fetching it unless it was fetched before. */
  async function showPage(offset: number): Promise<boolean> {
    const id = sessionId.value;
    if (id === null) return false;
    const cached = pages.get(offset);
    const ticket = ++pageTicket;
    wantedOffset = offset;
    pageError.value = null;
    if (cached) {
      pageLoading.value = false;
      page.value = cached;
      return true;
    }
    pageLoading.value = true;
    const result = await auth.run(() =>
      api.getSessionText({ sessionId: id, offset, limit: SESSION_TEXT_PAGE_SIZE }),
    );
    if (ticket !== pageTicket) return false;
    pageLoading.value = false;
    if (!result.ok) {
      pageError.value = result.error;
      return false;
    }
    pages.set(offset, result.value);
    page.value = result.value;
    return true;
  }

  /** Asks again for the page that failed; when it held the hit being moved to, that hit is shown. */
  async function retryPage(): Promise<void> {
    if (!(await showPage(wantedOffset))) return;
    const hit = currentHit.value;
    if (hit?.kind === 'line' && pageOffsetOf(hit.n) === page.value?.offset)
      focus.value = { kind: 'line', n: hit.n };
  }

  /**
   * Runs the search typed in the box and goes to its first hit. Searching again for the same words
   * (Enter once more) goes to the next hit instead, as in a browser's find bar.
   */
  async function search(): Promise<void> {
    const id = sessionId.value;
    const q = query.value.trim();
    if (id === null) return;
    if (q === '') {
      resetSearch();
      return;
    }
    if (results.value?.q === q && hits.value.length > 0 && !searching.value) return nextHit();
    const ticket = ++searchTicket;
    searching.value = true;
    searchError.value = null;
    const result = await auth.run(() => api.searchSessionLogs({ sessionId: id, q }));
    if (ticket !== searchTicket) return;
    searching.value = false;
    if (!result.ok) {
      searchError.value = result.error;
      return;
    }
    results.value = result.value;
    hitIndex.value = -1;
    focus.value = null;
    if (result.value.items.length > 0) await goToHit(0);
  }

  function clearSearch(): void {
    query.value = '';
    resetSearch();
  }

  /** Brings hit `index` into view: the page holding a text line is loaded first. */
  async function goToHit(index: number): Promise<void> {
    const hit = hits.value[index];
    if (!hit) return;
    hitIndex.value = index;
    if (hit.kind === 'line') {
      const offset = pageOffsetOf(hit.n);
      if (page.value?.offset !== offset && !(await showPage(offset))) return;
    }
    // A newer move may have happened while the page loaded.
    if (hitIndex.value === index) focus.value = { kind: hit.kind, n: hit.n };
  }

  /** The next hit; after the last one, the first again. */
  function nextHit(): Promise<void> {
    const count = hits.value.length;
    if (count === 0) return Promise.resolve();
    return goToHit((hitIndex.value + 1) % count);
  }

  function previousHit(): Promise<void> {
    const count = hits.value.length;
    if (count === 0) return Promise.resolve();
    return goToHit((hitIndex.value - 1 + count) % count);
  }

  /**
   * Opens on the Session log tab with a line of the text (its page loaded) or the command typed at
   * `atMs` brought into view and marked.
   */
  async function openAt(session: Session, target: LogTarget, from: View = 'sessions'): Promise<void> {
    await open(session, from);
    const loaded = logs.value;
    if (!loaded || summary.value?.id !== session.id) return;
    tab.value = 'log';
    if (target.kind === 'command') {
      const n = loaded.commands.findIndex((c) => c.offsetMs === target.atMs);
      if (n >= 0) focus.value = { kind: 'command', n };
      return;
    }
    const offset = pageOffsetOf(target.n);
    if (page.value?.offset === offset || (await showPage(offset)))
      focus.value = { kind: 'line', n: target.n };
  }

  /** Back to where the screen was opened from (the Remote sessions list kept its filters and page). */
  function close(): void {
    navigation.show(origin.value);
    clear();
  }

  /** Forgets the session shown (leaving the screen, signing out). */
  function clear(): void {
    openTicket += 1;
    summary.value = null;
    logs.value = null;
    loading.value = false;
    error.value = null;
    tab.value = 'session';
    origin.value = 'sessions';
    query.value = '';
    resetText();
    resetSearch();
  }

  return {
    summary,
    logs,
    loading,
    error,
    tab,
    page,
    pageLoading,
    pageError,
    query,
    results,
    searching,
    searchError,
    hitIndex,
    focus,
    sessionId,
    hits,
    currentHit,
    highlight,
    origin,
    open,
    openAt,
    load,
    showPage,
    retryPage,
    search,
    clearSearch,
    goToHit,
    nextHit,
    previousHit,
    close,
    clear,
  };
});
