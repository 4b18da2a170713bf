import { computed, ref, shallowRef, type Ref } from 'vue';
import type { PlayerInfo, PlayerSearchResult } from '@shared/ipc';
import type { AppError } from '@shared/result';
import { api } from '../api';

/** The player store's search through the text of the session open in the player. */
export function usePlayerSearch(info: Readonly<Ref<PlayerInfo | null>>) {
  const query = ref('');
  const results = shallowRef<PlayerSearchResult | null>(null);
  const searching = ref(false);
  const searchError = ref<AppError | null>(null);
  /** No search has answered yet: the first one waits while main reads the session text. */
  const searchPrepared = ref(false);

  const hits = computed(() => results.value?.hits ?? []);
  const searchPreparing = computed(() => searching.value && !searchPrepared.value);

  async function search(): Promise<void> {
    const player = info.value;
    const q = query.value.trim();
    if (!player) return;
    if (q === '') {
      results.value = null;
      searchError.value = null;
      return;
    }
    searching.value = true;
    searchError.value = null;
    const result = await api.searchPlayer(player.playerId, q);
    // An answer for a video no longer open must not land in the next one.
    if (player !== info.value) return;
    searching.value = false;
    searchPrepared.value = true;
    if (!result.ok) {
      searchError.value = result.error;
      return;
    }
    results.value = result.value;
  }

  function reset(): void {
    query.value = '';
    results.value = null;
    searching.value = false;
    searchError.value = null;
    searchPrepared.value = false;
  }

  return { query, results, searching, searchError, searchPreparing, hits, search, reset };
}
