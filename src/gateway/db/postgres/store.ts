import type pg from 'pg';
import type { AsyncRepositories, AsyncStoreOf } from '../asyncStore';
import { PgAlertEventsRepository } from './alertEvents';
import { PgAuditorsRepository } from './auditors';
import { PgBlocksRepository } from './blocks';
import { PgCommandRulesRepository } from './commandRules';
import { inTransaction, openPool, poolExecutor, type Executor } from './connection';
import { PgEventsRepository } from './events';
import { PgIdentityRepository } from './identity';
import { PgMetaRepository } from './meta';
import { migratePostgres } from './migrations';
import { PgNodeSessionsRepository } from './nodeSessions';
import { PgRecordingSealsRepository } from './recordingSeals';
import { PgSearchIndexRepository } from './searchIndex';
import { PgSessionCommandsRepository } from './sessionCommands';
import { PgSessionsRepository, type PgSessionsContract } from './sessions';
import { PgSessionTextRepository } from './sessionText';
import { PgTargetsRepository } from './targets';
import { PgUserKeysRepository } from './userKeys';
import { PgUsersRepository } from './users';

/** Repositories complete on PostgreSQL (sessions is there too, but for its export plan). */
export type PostgresRepositoryName =
  | 'events'
  | 'meta'
  | 'users'
  | 'identity'
  | 'targets'
  | 'userKeys'
  | 'auditors'
  | 'blocks'
  | 'sessionCommands'
  | 'commandRules'
  | 'sessionText'
  | 'recordingSeals'
  | 'nodeSessions'
  | 'searchIndex'
  | 'alertEvents';

/** Every repository but the sessions export plan (see PgSessionsContract). */
export type PostgresRepositories = Pick<AsyncRepositories, PostgresRepositoryName> & {
  sessions: PgSessionsContract;
};

export type PostgresStore = Omit<AsyncStoreOf<PostgresRepositoryName>, 'transaction'> &
  PostgresRepositories & {
    transaction<T>(fn: (tx: PostgresRepositories) => Promise<T>): Promise<T>;
    readonly pool: pg.Pool;
  };

function repositories(sql: Executor): PostgresRepositories {
  return {
    sessions: new PgSessionsRepository(sql),
    events: new PgEventsRepository(sql),
    meta: new PgMetaRepository(sql),
    users: new PgUsersRepository(sql),
    identity: new PgIdentityRepository(sql),
    targets: new PgTargetsRepository(sql),
    userKeys: new PgUserKeysRepository(sql),
    auditors: new PgAuditorsRepository(sql),
    blocks: new PgBlocksRepository(sql),
    sessionCommands: new PgSessionCommandsRepository(sql),
    commandRules: new PgCommandRulesRepository(sql),
    sessionText: new PgSessionTextRepository(sql),
    recordingSeals: new PgRecordingSealsRepository(sql),
    nodeSessions: new PgNodeSessionsRepository(sql),
    searchIndex: new PgSearchIndexRepository(sql),
    alertEvents: new PgAlertEventsRepository(sql),
  };
}

/** Connects a pool to `url` (postgres://…), brings the schema up to date and opens the store. */
export async function openPostgresStore(
  url: string,
  options: { poolSize?: number } = {},
): Promise<PostgresStore> {
  const pool = openPool(url, options.poolSize);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    dialect: 'postgres',
    pool,
    ...repositories(poolExecutor(pool)),
    transaction: (fn) => inTransaction(pool, (sql) => fn(repositories(sql))),
    close: () => pool.end(),
  };
}
