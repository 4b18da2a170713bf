import type { Db } from './database';
import {
  REPOSITORY_NAMES,
  type AsyncRepositories,
  type AsyncRepository,
  type AsyncStore,
} from './asyncStore';
import { sqliteExportRows } from './sessionExport';
import { openStore, type Store } from './store';

type Call = () => unknown;
type Gate = (call: Call) => Promise<unknown>;

/**
 * Turns on the one SQLite connection. better-sqlite3 is synchronous and a connection has one
 * transaction at a time, while an async transaction lets other callbacks run between its
 * statements: without turns, their writes would land inside the open transaction (and be rolled
 * back with it). So a transaction holds the connection until it ends, and calls that arrive
 * meanwhile wait for it, in arrival order.
 */
class ConnectionTurns {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  get idle(): boolean {
    return this.waiting === 0;
  }

  take<T>(fn: () => T | Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(fn).finally(() => {
      this.waiting--;
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

const now: Gate = (call) => {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error as Error);
  }
};

/** The public methods of a repository class instance (its prototype's functions). */
function methodNames(repo: object): string[] {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(repo) as object).filter(
    (name) => name !== 'constructor' && typeof (repo as Record<string, unknown>)[name] === 'function',
  );
}

/**
 * Wraps each method once, when the store opens: a call is one closure and one promise around the
 * synchronous call, with no copying of arguments or results.
 */
function wrap<R extends object>(repo: R, gate: Gate): AsyncRepository<R> {
  const wrapped: Record<string, unknown> = {};
  for (const name of methodNames(repo)) {
    const method = ((repo as Record<string, unknown>)[name] as (...args: unknown[]) => unknown).bind(repo);
    wrapped[name] = (...args: unknown[]) => gate(() => method(...args));
  }
  return wrapped as AsyncRepository<R>;
}

function repositories(store: Store, gate: Gate): AsyncRepositories {
  const entries = REPOSITORY_NAMES.map((name) => [name, wrap(store[name], gate)] as const);
  const wrapped = Object.fromEntries(entries) as unknown as AsyncRepositories;
  const read = <T>(call: () => T) => gate(call) as Promise<T>;
  wrapped.sessions.exportRows = (filter, visibility, batchRows) =>
    sqliteExportRows(store, read, filter, visibility, batchRows);
  return wrapped;
}

async function inImmediateTransaction<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  // IMMEDIATE takes the write lock at BEGIN, so another process (the CLI) cannot make this
  // transaction fail half-way with SQLITE_BUSY on its first write.
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * The async store over an open SQLite store. The synchronous `store` must not be used while an
 * async transaction is open, since it shares the connection.
 */
export function sqliteAsyncStore(store: Store, ownsStore = true): AsyncStore {
  const turns = new ConnectionTurns();
  const direct: Gate = (call) => (turns.idle ? now(call) : turns.take(call));
  const inTransaction = repositories(store, now);
  return {
    dialect: 'sqlite',
    ...repositories(store, direct),
    transaction: <T>(fn: (tx: AsyncRepositories) => Promise<T>) =>
      turns.take(() => inImmediateTransaction(store.db, () => fn(inTransaction))),
    close: async () => {
      await turns.take(() => undefined);
      if (ownsStore) store.close();
    },
  };
}

/** Opens (and migrates) the SQLite database at `path` as an async store. */
export function openSqliteAsyncStore(path: string): AsyncStore {
  return sqliteAsyncStore(openStore(path));
}
