import { ref, type Ref } from 'vue';
import type { AppError, Result } from '@shared/result';

export interface LatestAnswer {
  loading: Ref<boolean>;
  error: Ref<AppError | null>;
  /**
   * Runs `call` with `loading` on; its answer sets `error` and comes back, unless a newer call or
   * `forget` came meanwhile: then it is dropped and null comes back.
   */
  take: <T>(call: () => Promise<Result<T>>) => Promise<Result<T> | null>;
  /** Drops any answer still on its way and shows nothing loading and no error. */
  forget: () => void;
}

/**
 * Loading and its error for a store that loads what it shows: only the newest request may write
 * it, whatever order the answers arrive in.
 */
export function useLatestAnswer(): LatestAnswer {
  const loading = ref(false);
  const error = ref<AppError | null>(null);
  let latest = 0;

  async function take<T>(call: () => Promise<Result<T>>): Promise<Result<T> | null> {
    const ticket = ++latest;
    loading.value = true;
    const result = await call();
    if (ticket !== latest) return null;
    loading.value = false;
    error.value = result.ok ? null : result.error;
    return result;
  }

  function forget(): void {
    latest += 1;
    loading.value = false;
    error.value = null;
  }

  return { loading, error, take, forget };
}
