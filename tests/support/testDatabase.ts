import { join, resolve } from 'node:path';
import pg from 'pg';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import { openGatewayStore } from '../../src/gateway/db/openGatewayStore';
import { openStore } from '../../src/gateway/db/store';
import { createTestDatabase } from './postgres';

/**
 * The engine the gateway tests run on: SQLite by default, PostgreSQL when VIGIL_TEST_DATABASE is
 * `postgres` (the test run does both, see vitest.config.ts). Each test store gets a database of
 * its own: a file in the test's folder, or a fresh database on the machine's PostgreSQL.
 */
export type TestEngine = 'sqlite' | 'postgres';

export const TEST_ENGINE: TestEngine = process.env.VIGIL_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** Values a SQL statement takes; `?` placeholders, in order, on both engines. */
export type SqlValue = string | number | bigint | boolean | null | Buffer;
export type SqlRow = Record<string, unknown>;

/** SQL a test runs besides the repositories (inspection, or damage done on purpose). */
export interface SqlAccess {
  /**
   * Runs SQL with `?` placeholders on both engines. PostgreSQL's append-only triggers are off for
   * the statement, so a test can alter what the gateway itself never could.
   */
  sql(text: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** `SELECT count(*)` of a table (with an optional WHERE clause), as a number on both engines. */
  count(table: string, where?: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface TestStore extends SqlAccess {
  engine: TestEngine;
  store: AsyncStore;
  /** `--database` for the gateway and its CLI (PostgreSQL), or undefined (SQLite in the data folder). */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

const byDataDir = new Map<string, string>();

/** The PostgreSQL URL a test gave the data folder, for CLI runs on it (undefined on SQLite). */
export function databaseUrlOf(dataDir: string): string | undefined {
  return byDataDir.get(resolve(dataDir));
}

function toPostgresPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

const countSql = (table: string, where: string | undefined) =>
  `SELECT count(*) AS n FROM ${table}${where === undefined ? '' : ` WHERE ${where}`}`;

/** A fresh database on this run's engine for a data folder (SQLite: its file, made by whoever opens it). */
export async function createDatabaseFor(
  dataDir: string,
): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (TEST_ENGINE === 'sqlite') return { url: undefined, drop: () => Promise.resolve() };
  const database = await createTestDatabase();
  byDataDir.set(resolve(dataDir), database.url);
  return {
    url: database.url,
    drop: async () => {
      byDataDir.delete(resolve(dataDir));
      await database.drop();
    },
  };
}

/** A store on a database of its own for a test's data folder (its SQLite file lives there). */
export async function openTestStore(dataDir: string): Promise<TestStore> {
  const database = await createDatabaseFor(dataDir);
  const sqlitePath = join(dataDir, 'vigil.db');
  const store = await openGatewayStore({ url: database.url, sqlitePath });
  const access = await openSqlAccess({ url: database.url, sqlitePath });
  return {
    engine: TEST_ENGINE,
    store,
    databaseUrl: database.url,
    ...access,
    close: async () => {
      await access.close();
      await store.close();
      await database.drop();
    },
  };
}

/** SQL access to a database the gateway opened (a connection of the test's own, as the CLI has). */
export async function openSqlAccess(choice: {
  url: string | undefined;
  sqlitePath: string;
}): Promise<SqlAccess & { close(): Promise<void> }> {
  if (choice.url === undefined) {
    const inspect = openStore(choice.sqlitePath);
    return {
      sql: (text, params = []) => {
        const statement = inspect.db.prepare(text);
        if (statement.reader) return Promise.resolve(statement.all(...params) as SqlRow[]);
        statement.run(...params);
        return Promise.resolve([]);
      },
      count: (table, where, params = []) =>
        Promise.resolve((inspect.db.prepare(countSql(table, where)).get(...params) as { n: number }).n),
      close: () => {
        inspect.close();
        return Promise.resolve();
      },
    };
  }
  const pool = new pg.Pool({ connectionString: choice.url, max: 2 });
  // pool.end() resolves before its connections have finished closing, so dropping the database
  // right after can end one of them from the server side; that is expected, not a failure.
  const expectedWhenDropped = () => undefined;
  pool.on('error', expectedWhenDropped);
  pool.on('connect', (client) => client.on('error', expectedWhenDropped));
  const sql = async (text: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> => {
    const client = await pool.connect();
    try {
      await client.query("SET session_replication_role = 'replica'");
      return (await client.query(toPostgresPlaceholders(text), [...params])).rows as SqlRow[];
    } finally {
      await client.query("SET session_replication_role = 'origin'").catch(() => undefined);
      client.release();
    }
  };
  return {
    sql,
    count: async (table, where, params = []) => Number((await sql(countSql(table, where), params))[0]!.n),
    close: () => pool.end(),
  };
}
