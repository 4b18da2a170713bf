import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Block, BlockQuery } from '@shared/api';
import { maySeeBlockedUsers } from '@shared/policy';
import type { AppError, Result } from '@shared/result';
import { api } from '../api';
import { useAuthStore } from './auth';

export type BlockFilter = NonNullable<BlockQuery['status']> | 'all';

/** The Blocked users report: blocks filtered by state, and releasing one. */
export const useBlocksStore = defineStore('blocks', () => {
  const auth = useAuthStore();

  const filter = ref<BlockFilter>('active');
  const items = ref<Block[]>([]);
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  const releasing = ref<number | null>(null);
  /** Only the newest request may write the list, whatever order the answers arrive in. */
  let latest = 0;

  /** Whoever may see the report may release its blocks (the gateway asks the same policy). */
  const canRelease = computed(() => (auth.user ? maySeeBlockedUsers(auth.user) : false));

  async function load(): Promise<void> {
    const ticket = ++latest;
    loading.value = true;
    const query: BlockQuery = filter.value === 'all' ? {} : { status: filter.value };
    const result = await auth.run(() => api.listBlocks(query));
    if (ticket !== latest) return;
    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    items.value = result.value;
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
    latest += 1;
    filter.value = 'active';
    items.value = [];
    loading.value = false;
    error.value = null;
    releasing.value = null;
  }

  return { filter, items, loading, error, releasing, canRelease, load, setFilter, release, clear };
});
