import type { AsyncStore } from './asyncStore';
import { openPostgresStore } from './postgres/store';
import { openSqliteAsyncStore } from './sqliteAsyncStore';

/** Where the gateway keeps its state: a PostgreSQL URL, or the SQLite file of the data folder. */
export interface DatabaseChoice {
  /** `postgres://…` or `postgresql://…`; absent: SQLite at `sqlitePath`. */
  url?: string;
  sqlitePath: string;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** Refuses anything but a PostgreSQL URL, so a typo never silently falls back to SQLite. */
export function checkDatabaseUrl(url: string, option: string): string {
  if (!POSTGRES_URL.test(url)) {
    throw new Error(`${option} must be a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE), got "${url}"`);
  }
  try {
    new URL(url);
  } catch {
    throw new Error(`${option} is not a valid URL: "${url}"`);
  }
  return url;
}

/** Opens (and migrates) the store the gateway and its CLI work on. */
export async function openGatewayStore(choice: DatabaseChoice): Promise<AsyncStore> {
  if (choice.url !== undefined) return openPostgresStore(choice.url);
  return openSqliteAsyncStore(choice.sqlitePath);
}
