import pg from 'pg';

/** Runs SQL on the pool or, inside a transaction, on the transaction's one connection. */
export interface Executor {
  rows<R>(text: string, values?: readonly unknown[]): Promise<R[]>;
  /** The number of rows the statement changed. */
  run(text: string, values?: readonly unknown[]): Promise<number>;
  /** Runs `fn` in a transaction: a new one on the pool, the open one on a transaction. */
  atomic<T>(fn: (sql: Executor) => Promise<T>): Promise<T>;
}

const INT8_OID = 20;

/**
 * Counts and ids are BIGINT; pg returns them as strings by default. Every value the gateway keeps
 * (ms timestamps, ids, sizes) is far below 2^53, so numbers are exact and match the SQLite side.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A connection the server ends (restart, failover, an administrator) is dropped by the pool, and
 * the query running on it fails through its own promise. The 'error' event it also raises would
 * otherwise crash the whole gateway, since Node throws events nobody listens to.
 */
const ignoreLostConnection = () => undefined;

export function openPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, types });
  pool.on('error', ignoreLostConnection);
  pool.on('connect', (client) => client.on('error', ignoreLostConnection));
  return pool;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

async function rowsOf<R>(db: Queryable, text: string, values?: readonly unknown[]): Promise<R[]> {
  const result = await db.query(text, values as unknown[] | undefined);
  return result.rows as R[];
}

async function countOf(db: Queryable, text: string, values?: readonly unknown[]): Promise<number> {
  const result = await db.query(text, values as unknown[] | undefined);
  return result.rowCount ?? 0;
}

/** Runs `fn` on one connection between BEGIN and COMMIT (ROLLBACK when it throws). */
export async function inTransaction<T>(pool: pg.Pool, fn: (sql: Executor) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that could not even roll back is discarded rather than reused.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    try {
      const result = await fn(transactionExecutor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

export function poolExecutor(pool: pg.Pool): Executor {
  return {
    rows: (text, values) => rowsOf(pool, text, values),
    run: (text, values) => countOf(pool, text, values),
    atomic: (fn) => inTransaction(pool, fn),
  };
}

function transactionExecutor(client: pg.PoolClient): Executor {
  const sql: Executor = {
    rows: (text, values) => rowsOf(client, text, values),
    run: (text, values) => countOf(client, text, values),
    atomic: (fn) => fn(sql),
  };
  return sql;
}
