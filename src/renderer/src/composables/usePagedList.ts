import { ref, type Ref } from 'vue';
import { PAGE_SIZE_DEFAULT } from '@shared/api';
import type { AppError, Result } from '@shared/result';
import { useLatestAnswer } from './useLatestAnswer';

/** One page of a list, as the gateway answers it. */
export interface PageOf<T> {
  items: T[];
  total: number;
}

/** Asks for one page; the caller builds its query (filters included) when this is called. */
export type FetchPage<T> = (page: number, pageSize: number) => Promise<Result<PageOf<T>>>;

export interface PagedList<T> {
  page: Ref<number>;
  pageSize: Ref<number>;
  items: Ref<T[]>;
  total: Ref<number>;
  loading: Ref<boolean>;
  error: Ref<AppError | null>;
  load: () => Promise<void>;
  /** New filters or a new page size start again from the first page. */
  loadFirstPage: () => Promise<void>;
  setPage: (next: number) => Promise<void>;
  setPageSize: (next: number) => Promise<void>;
  /** Forgets the rows and any answer still on its way; the page size is the user's and stays. */
  clear: () => void;
}

/**
 * A list shown one page at a time, for a Pinia store to build on: the store says how to fetch a
 * page, this keeps the page on screen, the rows and how loading went.
 */
export function usePagedList<T>(fetchPage: FetchPage<T>, initialPageSize = PAGE_SIZE_DEFAULT): PagedList<T> {
  const page = ref(1);
  const pageSize = ref(initialPageSize);
  // Deep, like the stores' own lists: they edit rows in place (a saved mark, a refreshed session).
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const { loading, error, take, forget } = useLatestAnswer();

  async function load(): Promise<void> {
    const result = await take(() => fetchPage(page.value, pageSize.value));
    if (!result?.ok) return;
    items.value = result.value.items;
    total.value = result.value.total;
    const lastPage = Math.max(1, Math.ceil(result.value.total / pageSize.value));
    // The list can shrink under the page we were on: new filters, other people's changes, or a
    // mark that moved a row out of the filter and emptied the last page.
    if (page.value > lastPage) {
      page.value = lastPage;
      await load();
    }
  }

  function loadFirstPage(): Promise<void> {
    page.value = 1;
    return load();
  }

  function setPage(next: number): Promise<void> {
    page.value = next;
    return load();
  }

  function setPageSize(next: number): Promise<void> {
    pageSize.value = next;
    return loadFirstPage();
  }

  function clear(): void {
    forget();
    page.value = 1;
    items.value = [];
    total.value = 0;
  }

  return { page, pageSize, items, total, loading, error, load, loadFirstPage, setPage, setPageSize, clear };
}
