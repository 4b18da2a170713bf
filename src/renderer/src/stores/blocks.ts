import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Block, BlockQuery } from '@shared/api';
import { maySeeBlockedUsers } from '@shared/policy';
import type { Result } from '@shared/result';
import { api } from '../api';
import { useLatestAnswer } from '../composables/useLatestAnswer';
import { useAuthStore } from './auth';

export type BlockFilter = NonNullable<BlockQuery['status']> | 'all';

/** The Blocked users report: blocks filtered by state, and releasing one. */
export const useBlocksStore = defineStore('blocks', () => {
  const auth = useAuthStore();

  const filter = ref<BlockFilter>('active');
  const items = ref<Block[]>([]);
  const { loading, error, take, forget } = useLatestAnswer();
  const releasing = ref<number | null>(null);

  /** Whoever may see the report may release its blocks (the gateway asks the same policy). */
  const canRelease = computed(() => (auth.user ? maySeeBlockedUsers(auth.user) : false));

  async function load(): Promise<void> {
    const query: BlockQuery = filter.value === 'all' ? {} : { status: filter.value };
    const result = await take(() => auth.run(() => api.listBlocks(query)));
    if (result?.ok) items.value = result.value;
  }

  function setFilter(next: BlockFilter): Promise<void> {
    filter.value = next;
    return load();
  }

  async function release(blockId: number): Promise<Result<Block>> {
    releasing.value = blockId;
    const result = await auth.run(() => api.releaseBlock(blockId));
    releasing.value = null;
    if (result.ok) {
      const released = result.value;
      items.value =
        filter.value === 'active'
          ? items.value.filter((b) => b.id !== released.id)
          : items.value.map((b) => (b.id === released.id ? released : b));
    }
    return result;
  }

  function clear(): void {
    forget();
    filter.value = 'active';
    items.value = [];
    releasing.value = null;
  }

  return { filter, items, loading, error, releasing, canRelease, load, setFilter, release, clear };
});
