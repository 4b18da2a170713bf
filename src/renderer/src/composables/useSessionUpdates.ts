import { onBeforeUnmount, onMounted } from 'vue';
import type { SessionUpdate } from '@shared/live';
import { onEvent } from '../api';
import { useSessionsStore } from '../stores/sessions';

/** Many sessions starting together (a batch job) reload the page once, not once each. */
const RELOAD_DELAY_MS = 300;

/**
 * Keeps the Remote sessions list current from the gateway's pushed updates: a row
 * shown on the page is refreshed in place; a new session, or a change while filtering by status
 * (the row may enter or leave the filter), reloads the page. Main keeps the updates socket open
 * while someone is logged in; this only listens while the list is on screen.
 */
export function useSessionUpdates(): void {
  const sessions = useSessionsStore();
  let stop: (() => void) | null = null;
  let reload: ReturnType<typeof setTimeout> | null = null;

  function scheduleReload(): void {
    reload ??= setTimeout(() => {
      reload = null;
      void sessions.load();
    }, RELOAD_DELAY_MS);
  }

  function apply(update: SessionUpdate): void {
    const shown = sessions.items.some((s) => s.id === update.sessionId);
    if (update.change === 'started' || sessions.applied.status !== null) scheduleReload();
    else if (shown) void sessions.refreshRow(update.sessionId);
  }

  onMounted(() => {
    stop = onEvent('sessions:changed', apply);
  });
  onBeforeUnmount(() => {
    stop?.();
    if (reload !== null) clearTimeout(reload);
  });
}
