import { AlertEventsRepository } from './alertEvents';
import { AuditorsRepository } from './auditors';
import { BlocksRepository } from './blocks';
import { CommandRulesRepository } from './commandRules';
import { openDatabase, type Db, type OpenOptions } from './database';
import { EventsRepository } from './events';
import { IdentityRepository } from './identity';
import { MetaRepository } from './meta';
import { NodeSessionsRepository } from './nodeSessions';
import { RecordingSealsRepository } from './recordingSeals';
import { SearchIndexRepository } from './searchIndex';
import { SessionCommandsRepository } from './sessionCommands';
import { SessionsRepository } from './sessions';
import { SessionTextRepository } from './sessionText';
import { TargetsRepository } from './targets';
import { UserKeysRepository } from './userKeys';
import { UsersRepository } from './users';

/** One connection and every repository on it. */
export interface Store {
  path: string;
  db: Db;
  users: UsersRepository;
  identity: IdentityRepository;
  targets: TargetsRepository;
  sessions: SessionsRepository;
  auditors: AuditorsRepository;
  blocks: BlocksRepository;
  events: EventsRepository;
  meta: MetaRepository;
  userKeys: UserKeysRepository;
  sessionCommands: SessionCommandsRepository;
  commandRules: CommandRulesRepository;
  sessionText: SessionTextRepository;
  recordingSeals: RecordingSealsRepository;
  nodeSessions: NodeSessionsRepository;
  searchIndex: SearchIndexRepository;
  alertEvents: AlertEventsRepository;
  /** Runs `fn` in one IMMEDIATE transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export function openStore(path: string, options: OpenOptions = {}): Store {
  const db = openDatabase(path, options);
  return {
    path,
    db,
    users: new UsersRepository(db),
    identity: new IdentityRepository(db),
    targets: new TargetsRepository(db),
    sessions: new SessionsRepository(db),
    auditors: new AuditorsRepository(db),
    blocks: new BlocksRepository(db),
    events: new EventsRepository(db),
    meta: new MetaRepository(db),
    userKeys: new UserKeysRepository(db),
    sessionCommands: new SessionCommandsRepository(db),
    commandRules: new CommandRulesRepository(db),
    sessionText: new SessionTextRepository(db),
    recordingSeals: new RecordingSealsRepository(db),
    nodeSessions: new NodeSessionsRepository(db),
    searchIndex: new SearchIndexRepository(db),
    alertEvents: new AlertEventsRepository(db),
    transaction: <T>(fn: () => T) => db.transaction(fn).immediate(),
    close: () => db.close(),
  };
}
