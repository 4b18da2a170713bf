import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Opens the gateway database. The gateway and the CLI open the same file at the same time, so
 * WAL (readers never block the writer) and a busy timeout (writers queue instead of failing).
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const db = new Database(path, {
    readonly: options.readonly === true,
    fileMustExist: options.readonly === true,
  });
  db.pragma('busy_timeout = 5000');
  if (options.readonly !== true) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536');
  if (options.readonly !== true) migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies pending migrations; safe when two processes start at once (IMMEDIATE serialises them). */
export function migrate(db: Db): void {
  const apply = db.transaction(() => {
    for (let version = schemaVersion(db); version < MIGRATIONS.length; version++) {
      MIGRATIONS[version]!(db);
      db.pragma(`user_version = ${version + 1}`);
    }
  });
  if (schemaVersion(db) < MIGRATIONS.length) apply.immediate();
  if (schemaVersion(db) > MIGRATIONS.length) {
    throw new Error(
      `The database schema (version ${schemaVersion(db)}) is newer than this gateway (${MIGRATIONS.length})`,
    );
  }
}
