import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { auditCommentError, justificationError } from '../../shared/api';
import { IPC_ERROR, type AppInfo, type IpcArgs, type IpcChannel, type IpcValue } from '../../shared/ipc';
import { PAYLOAD_SCHEMAS } from '../../shared/ipcPayloads';
import { fail, ok, type Result } from '../../shared/result';
import type { AlertsService } from './alerts-service';
import type { AuditTrailService } from './audit-service';
import type { AuthService } from './auth-service';
import type { BlocksService } from './blocks-service';
import { AppFailure, ValidationError, toAppError } from './errors';
import type { ProfileStore } from './profile-store';
import type { DownloadManager } from './downloads/download-manager';
import { itemDetails } from './library/details';
import type { LibraryFolder } from './library/folder';
import type { Library } from './library/library';
import type { LibraryPlays } from './library/offline-library';
import type { LiveService } from './live-service';
import type { ExportService } from './exports/export-service';
import type { EvidenceExportService } from './evidence/evidence-export-service';
import type { PlayerService } from './player-service';
import type { SearchService } from './search-service';
import type { SessionLogsService } from './session-logs-service';
import type { SessionsService } from './sessions-service';
import type { SigningKeyService } from './signing-key-service';

/** A channel's handler as the transports call it: arguments unchecked, never throws. */
export type IpcHandler<C extends IpcChannel> = (...args: unknown[]) => Promise<Result<IpcValue<C>>>;
export type IpcHandlers = { readonly [C in IpcChannel]: IpcHandler<C> };

type Implementation<C extends IpcChannel> = (...args: IpcArgs<C>) => Promise<IpcValue<C>> | IpcValue<C>;
type Implementations = { readonly [C in IpcChannel]: Implementation<C> };

export interface HandlerDeps {
  profiles: ProfileStore;
  auth: AuthService;
  sessions: SessionsService;
  blocks: BlocksService;
  live: LiveService;
  logs: SessionLogsService;
  /** Downloads, the offline library and the signing-key pins (absent where a test leaves them out). */
  offline?: OfflineServices;
  /** Playback of library recordings (absent where a test leaves it out). */
  player?: PlayerService;
  /** asciicast and MP4 exports of library recordings (absent where a test leaves them out). */
  exports?: ExportService;
  /** Evidence bundles and the library's Bundles list (absent where a test leaves them out). */
  evidence?: EvidenceExportService;
  /** Search across sessions (absent where a test leaves it out). */
  search?: SearchService;
  /** The alert centre (absent where a test leaves it out). */
  alerts?: AlertsService;
  /** The Audit trail screen (absent where a test leaves it out). */
  auditTrail?: AuditTrailService;
  appInfo: AppInfo;
  /** Where unexpected (INTERNAL) errors are reported; the renderer gets only their message. */
  logError?: (channel: IpcChannel, error: unknown) => void;
}

export interface OfflineServices {
  library: Library;
  libraryFolder: LibraryFolder;
  downloads: DownloadManager;
  plays: LibraryPlays;
  signingKeys: SigningKeyService;
  /** Shows a file in the system's file manager (a no-op where there is none, as in the bridge). */
  reveal: (path: string) => Promise<void> | void;
}

export function createHandlers(deps: HandlerDeps): IpcHandlers {
  const { profiles, auth, sessions, blocks, live, logs } = deps;
  const offline = (): OfflineServices => {
    if (deps.offline === undefined) throw new Error('The offline library is not set up in this process');
    return deps.offline;
  };
  const player = (): PlayerService => {
    if (deps.player === undefined) throw new Error('The player is not set up in this process');
    return deps.player;
  };
  const auditTrail = (): AuditTrailService => {
    if (deps.auditTrail === undefined) throw new Error('The audit trail is not set up in this process');
    return deps.auditTrail;
  };
  const exports = (): ExportService => {
    if (deps.exports === undefined) throw new Error('Exports are not set up in this process');
    return deps.exports;
  };
  const search = (): SearchService => {
    if (deps.search === undefined) throw new Error('Search is not set up in this process');
    return deps.search;
  };
  const alerts = (): AlertsService => {
    if (deps.alerts === undefined) throw new Error('Alerts are not set up in this process');
    return deps.alerts;
  };
  const evidence = (): EvidenceExportService => {
    if (deps.evidence === undefined) throw new Error('Evidence bundles are not set up in this process');
    return deps.evidence;
  };
  const implementations: Implementations = {
    'app:info': () => deps.appInfo,
    'profiles:list': () => profiles.list(),
    'profiles:save': (input) => auth.saveProfile(input),
    'profiles:remove': async (profileId) => {
      profiles.get(profileId);
      if (auth.state()?.profileId === profileId) await auth.logout();
      await auth.forget(profileId);
      profiles.remove(profileId);
      deps.alerts?.forgetProfile(profileId);
      return null;
    },
    'profiles:forgetCertificate': async (profileId) => {
      profiles.get(profileId);
      await auth.forget(profileId);
      return profiles.forgetCertificate(profileId);
    },
    'profiles:trustCertificate': ({ profileId, fingerprint }) => profiles.trust(profileId, fingerprint),
    'auth:login': (input) => auth.login(input),
    'auth:resume': (profileId) => auth.resume(profileId),
    'auth:logout': async () => {
      await auth.logout();
      return null;
    },
    'auth:state': () => auth.state(),
    'sessions:list': (query) => sessions.list(query),
    'sessions:get': (sessionId) => sessions.get(sessionId),
    'sessions:exportCsv': (query) => sessions.exportCsv(query),
    'sessions:setPreventPurge': ({ sessionId, justification }) =>
      sessions.setPreventPurge(sessionId, checkedJustification(justification)),
    'sessions:clearPreventPurge': ({ sessionId, justification }) =>
      sessions.clearPreventPurge(sessionId, checkedJustification(justification)),
    'sessions:getAuditors': (sessionId) => sessions.getAuditors(sessionId),
    'sessions:setAuditors': ({ sessionId, userIds }) => sessions.setAuditors(sessionId, userIds),
    'users:list': () => sessions.users(),
    'sessions:drop': (sessionId) => sessions.drop(sessionId),
    'sessions:setInteractivity': ({ sessionId, blocked }) => sessions.setInteractivity(sessionId, blocked),
    'audit:assigned': (query) => sessions.assignedForAudit(query),
    'audit:setMark': ({ sessionId, audited, comment }) =>
      sessions.setAuditMark(sessionId, audited, checkedAuditComment(comment)),
    'audit:events': (query) => auditTrail().events(query),
    'audit:verify': () => auditTrail().verify(),
    'blocks:list': (query) => blocks.list(query),
    'blocks:release': (blockId) => blocks.release(blockId),
    'live:open': (sessionId) => live.open(sessionId),
    'live:close': (streamId) => {
      live.close(streamId);
      return null;
    },
    'logs:get': (sessionId) => logs.get(sessionId),
    'logs:text': (input) => logs.text(input),
    'logs:search': (input) => logs.search(input),
    'search:query': (query) => search().search(query),
    'profiles:signingKey': (profileId) => offline().signingKeys.status(profileId),
    'profiles:trustSigningKey': ({ profileId, keyId }) => offline().signingKeys.trust(profileId, keyId),
    'profiles:forgetSigningKey': (profileId) => offline().signingKeys.forget(profileId),
    'downloads:start': (sessionId) => offline().downloads.start(sessionId),
    'downloads:cancel': async (downloadId) => {
      await offline().downloads.cancel(downloadId);
      return null;
    },
    'downloads:list': () => offline().downloads.list(),
    'library:list': () => offline().library.list(),
    'library:details': (itemId) => itemDetails(offline().library, itemId),
    'library:verify': (itemId) => offline().library.verify(itemId),
    'library:delete': async (itemId) => {
      await offline().library.delete(itemId);
      return null;
    },
    'library:reveal': async (itemId) => {
      const shown = await offline().library.reveal(itemId);
      await offline().reveal(shown.path);
      return shown;
    },
    'library:import': (input) => offline().library.import(input),
    'library:folder': () => ({ folder: offline().libraryFolder.get() }),
    'library:setFolder': (folder) => ({ folder: offline().libraryFolder.set(folder) }),
    'library:reportPlay': (itemId) => offline().plays.report(itemId),
    'player:open': (input) => player().open(input),
    'player:screenAt': (input) => player().screenAt(input),
    'player:events': (input) => player().events(input),
    'player:search': (input) => player().search(input),
    'player:desktopAt': (input) => player().desktopAt(input),
    'player:desktopFrames': (input) => player().desktopFrames(input),
    'player:close': async (playerId) => {
      await player().close(playerId);
      return null;
    },
    'exports:start': (input) => exports().start(input),
    'exports:cancel': (exportId) => {
      exports().cancel(exportId);
      return null;
    },
    'exports:ffmpeg': () => exports().ffmpeg(),
    'exports:setFfmpegPath': (path) => exports().setFfmpegPath(path),
    'evidence:export': (input) => evidence().start(input),
    'evidence:cancel': (jobId) => {
      evidence().cancel(jobId);
      return null;
    },
    'evidence:list': () => evidence().list(),
    'evidence:open': (path) => evidence().open(path),
    'evidence:verify': (bundleId) => evidence().verify(bundleId),
    'evidence:reveal': (input) => evidence().reveal(input),
    'evidence:forget': async (bundleId) => {
      await evidence().forget(bundleId);
      return null;
    },
    'alerts:list': () => alerts().list(),
    'alerts:markRead': (ids) => alerts().markRead(ids),
    'alerts:preferences': () => alerts().preferences(),
    'alerts:setPreferences': (preferences) => alerts().setPreferences(preferences),
  };
  const logError = deps.logError ?? ((channel, error) => console.error(`IPC ${channel} failed`, error));
  const handlers = {} as Record<IpcChannel, IpcHandler<IpcChannel>>;
  for (const channel of Object.keys(implementations) as IpcChannel[]) {
    handlers[channel] = wrap(channel, implementations[channel] as Implementation<IpcChannel>, logError);
  }
  return handlers as IpcHandlers;
}

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(PAYLOAD_SCHEMAS, value);
}

function wrap<C extends IpcChannel>(
  channel: C,
  implementation: Implementation<C>,
  logError: (channel: IpcChannel, error: unknown) => void,
): IpcHandler<C> {
  const schemas = PAYLOAD_SCHEMAS[channel] as readonly TSchema[];
  return async (...args) => {
    const problem = payloadProblem(channel, schemas, args);
    if (problem !== null) return fail(IPC_ERROR.validation, problem);
    try {
      return ok(await implementation(...(args as IpcArgs<C>)));
    } catch (error) {
      if (!(error instanceof AppFailure)) logError(channel, error);
      return { ok: false, error: toAppError(error) };
    }
  };
}

function payloadProblem(channel: IpcChannel, schemas: readonly TSchema[], args: unknown[]): string | null {
  if (args.length > schemas.length) {
    return `${channel} takes ${schemas.length} argument(s), got ${args.length}`;
  }
  for (const [index, schema] of schemas.entries()) {
    const value = args[index];
    if (Value.Check(schema, value)) continue;
    const first = Value.Errors(schema, value)[0];
    const where = first?.instancePath ? `${first.instancePath.slice(1).replaceAll('/', '.')} ` : '';
    return `Invalid ${channel} payload: ${where}${first?.message ?? 'does not match the expected shape'}`;
  }
  return null;
}

function checkedAuditComment(raw: string): string {
  const problem = auditCommentError(raw);
  if (problem !== null) throw new ValidationError(problem);
  return raw.trim();
}

function checkedJustification(raw: string): string {
  const problem = justificationError(raw);
  if (problem !== null) throw new ValidationError(problem);
  return raw.trim();
}
