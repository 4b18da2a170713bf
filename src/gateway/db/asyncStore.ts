import type { ExportRows } from './sessionExport';
import type { Store } from './store';

/**
 * The repositories of `Store` with every method returning a promise of what the synchronous one
 * returns. Derived from the repository classes themselves, so a method added to a SQLite
 * repository shows up here (and must be written for every other engine) without a second list.
 */
export type AsyncRepository<R> = {
  [K in keyof R as R[K] extends (...args: never[]) => unknown ? K : never]: R[K] extends (
    ...args: infer A
  ) => infer T
    ? (...args: A) => Promise<Awaited<T>>
    : never;
};

export const REPOSITORY_NAMES = [
  'users',
  'identity',
  'targets',
  'sessions',
  'auditors',
  'blocks',
  'events',
  'meta',
  'userKeys',
  'sessionCommands',
  'commandRules',
  'sessionText',
  'recordingSeals',
  'nodeSessions',
  'searchIndex',
  'alertEvents',
] as const satisfies readonly (keyof Store)[];

export type RepositoryName = (typeof REPOSITORY_NAMES)[number];

/** Plus the engine-neutral export of the sessions list, which each engine reads its own way. */
export type AsyncRepositories = {
  [K in RepositoryName]: K extends 'sessions'
    ? Omit<AsyncRepository<Store[K]>, 'exportPlan'> & { exportRows: ExportRows }
    : AsyncRepository<Store[K]>;
};

/** The storage an engine provides for some repositories (all of them once the engine is complete). */
export type AsyncStoreOf<K extends RepositoryName> = Pick<AsyncRepositories, K> & {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: every call on `tx` commits together or not at all. Calls on the
   * store itself (not on `tx`) are not part of it.
   */
  transaction<T>(fn: (tx: Pick<AsyncRepositories, K>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

export type AsyncStore = AsyncStoreOf<RepositoryName>;

/**
 * The repositories of an open transaction as a store whose own transactions join it: services
 * built on it run several use cases as one commit (the CLI adds a target with its host key).
 */
export function joinedStore(tx: AsyncRepositories, dialect: AsyncStore['dialect']): AsyncStore {
  return {
    ...tx,
    dialect,
    transaction: (fn) => fn(tx),
    close: () => Promise.resolve(),
  };
}
