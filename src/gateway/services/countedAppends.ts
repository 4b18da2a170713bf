import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';

/**
 * The store with every event append, direct or in a transaction, also told to `appended` once it
 * succeeded. Nothing else changes: the other repositories and methods are the store's own.
 */
export function countedAppends(store: AsyncStore, appended: () => void): AsyncStore {
  const count = (events: AsyncRepositories['events']): AsyncRepositories['events'] =>
    new Proxy(events, {
      get(target, property) {
        if (property === 'append') {
          return async (...args: Parameters<typeof target.append>) => {
            const record = await target.append(...args);
            appended();
            return record;
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return {
    ...store,
    events: count(store.events),
    transaction: (fn) => store.transaction((tx) => fn({ ...tx, events: count(tx.events) })),
  };
}
