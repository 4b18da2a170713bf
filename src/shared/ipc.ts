import type {
  Auditors,
  Block,
  BlockQuery,
  Me,
  Session,
  SessionList,
  SessionLogSearch,
  SessionLogs,
  SessionQuery,
  SessionTextPage,
  UserSummary,
} from './api';
import type { LiveServerMessage, SessionUpdate } from './live';
import type { Result } from './result';

/**
 * The one IPC contract between the renderer and the main process. Main registers a handler for
 * every channel, preload exposes exactly these as `window.vigil`, and the browser bridge serves
 * the same map over a WebSocket. Channels are `domain:verb`; every handler resolves to a Result.
 */

export interface GatewayProfile {
  id: string;
  name: string;
  /** Base URL of the gateway, e.g. https://127.0.0.1:8443 */
  url: string;
  /** SHA-256 fingerprint of the gateway certificate the user trusted (AA:BB:… uppercase). */
  fingerprint: string | null;
  /** Login last used with this profile, prefilled in the login form. */
  lastLogin: string | null;
}

export interface ProfileInput {
  id?: string;
  name: string;
  url: string;
}

export interface LoginInput {
  profileId: string;
  username: string;
  password: string;
  /** Keep the session token in the OS keychain so the app can resume after a restart. */
  remember: boolean;
}

export interface AuthState {
  profileId: string;
  user: Me;
  expiresAt: string;
}

/** Shown when the gateway presents a certificate other than the pinned one. */
export interface CertificateAlarm {
  profileId: string;
  expected: string;
  actual: string;
}

export interface ExportResult {
  /** Where the file went (its name only, for a browser download); null when the user cancelled. */
  path: string | null;
  bytes: number;
  /** Outside Electron: the file waits at this one-time address for the page to hand to the browser. */
  download?: ExportDownload;
}

export interface ExportDownload {
  /** Same-origin path on the bridge host, valid for one fetch. */
  url: string;
  fileName: string;
}

export interface AppInfo {
  version: string;
  platform: string;
  /** 'electron' in the desktop app, 'bridge' when the renderer runs in a browser for tests. */
  host: 'electron' | 'bridge';
}

export interface IpcContract {
  'app:info': () => AppInfo;
  'profiles:list': () => GatewayProfile[];
  'profiles:save': (input: ProfileInput) => GatewayProfile;
  'profiles:remove': (profileId: string) => null;
  /** Forget the pinned certificate after the user acknowledged a certificate alarm. */
  'profiles:forgetCertificate': (profileId: string) => GatewayProfile;
  /**
   * Pins the certificate a first connection presented, once the user compared its fingerprint
   * (the CERTIFICATE_NOT_TRUSTED error carries it): nothing is ever trusted without being asked.
   */
  'profiles:trustCertificate': (input: { profileId: string; fingerprint: string }) => GatewayProfile;
  'auth:login': (input: LoginInput) => AuthState;
  /** Resume with a token kept in the keychain; null when there is none or it expired. */
  'auth:resume': (profileId: string) => AuthState | null;
  'auth:logout': () => null;
  'auth:state': () => AuthState | null;
  'sessions:list': (query: SessionQuery) => SessionList;
  'sessions:get': (sessionId: number) => Session;
  'sessions:exportCsv': (query: SessionQuery) => ExportResult;
  'sessions:setPreventPurge': (input: { sessionId: number; justification: string }) => Session;
  'sessions:clearPreventPurge': (input: { sessionId: number; justification: string }) => Session;
  'sessions:getAuditors': (sessionId: number) => Auditors;
  'sessions:setAuditors': (input: { sessionId: number; userIds: number[] }) => Auditors;
  'users:list': () => UserSummary[];
  /** Drop: ends both legs of a live session. */
  'sessions:drop': (sessionId: number) => Session;
  /** "Hold on!": block (true) or release (false) the operator's input. */
  'sessions:setInteractivity': (input: { sessionId: number; blocked: boolean }) => Session;
  'blocks:list': (query: BlockQuery) => Block[];
  'blocks:release': (blockId: number) => Block;
  /**
   * Opens a Live Stream: the main process takes a single-use ticket and holds the WebSocket to the
   * gateway (pinned TLS); frames reach the renderer as 'live:message' and 'live:output' events.
   */
  'live:open': (sessionId: number) => LiveStreamHandle;
  'live:close': (streamId: string) => null;
  /** Session Logs of a finished session, with the first page of its terminal text. */
  'logs:get': (sessionId: number) => SessionLogs;
  /** Another page of the session text (`limit` defaults to the gateway's page size). */
  'logs:text': (input: SessionTextInput) => SessionTextPage;
  /** Case-insensitive search over the session text and the typed commands, in session order. */
  'logs:search': (input: SessionLogSearchInput) => SessionLogSearch;
}

export interface SessionTextInput {
  sessionId: number;
  offset: number;
  limit?: number;
}

export interface SessionLogSearchInput {
  sessionId: number;
  q: string;
  limit?: number;
}

export interface LiveStreamHandle {
  streamId: string;
  sessionId: number;
}

export type IpcChannel = keyof IpcContract;
export type IpcArgs<C extends IpcChannel> = Parameters<IpcContract[C]>;
export type IpcValue<C extends IpcChannel> = ReturnType<IpcContract[C]>;

/** Pushed from main to the renderer. */
export interface IpcEvents {
  /** The token expired or was revoked: the renderer shows login and keeps its screen state. */
  'auth:expired': { profileId: string };
  'cert:alarm': CertificateAlarm;
  'live:message': { streamId: string; message: LiveServerMessage };
  /** Terminal output bytes, base64 (the same encoding over Electron IPC and the browser bridge). */
  'live:output': { streamId: string; data: string };
  /** The socket to the gateway closed (after 'ended', or on a network failure). */
  'live:closed': { streamId: string; code: number; reason: string };
  /** A session row changed on the gateway: lists refresh it in place without a reload. */
  'sessions:changed': SessionUpdate;
}
export type IpcEventName = keyof IpcEvents;

/** The API preload exposes as `window.vigil` (and the bridge transport imitates). */
export interface VigilApi {
  invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<Result<IpcValue<C>>>;
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void;
}

/** Every channel name, for registering handlers and for the preload allow-list. */
export const IPC_CHANNELS = [
  'app:info',
  'profiles:list',
  'profiles:save',
  'profiles:remove',
  'profiles:forgetCertificate',
  'profiles:trustCertificate',
  'auth:login',
  'auth:resume',
  'auth:logout',
  'auth:state',
  'sessions:list',
  'sessions:get',
  'sessions:exportCsv',
  'sessions:setPreventPurge',
  'sessions:clearPreventPurge',
  'sessions:getAuditors',
  'sessions:setAuditors',
  'users:list',
  'sessions:drop',
  'sessions:setInteractivity',
  'blocks:list',
  'blocks:release',
  'live:open',
  'live:close',
  'logs:get',
  'logs:text',
  'logs:search',
] as const satisfies readonly IpcChannel[];

export const IPC_EVENTS = [
  'auth:expired',
  'cert:alarm',
  'live:message',
  'live:output',
  'live:closed',
  'sessions:changed',
] as const satisfies readonly IpcEventName[];

/** Error codes handlers return besides the gateway's own. */
export const IPC_ERROR = {
  validation: 'VALIDATION',
  unknownChannel: 'UNKNOWN_CHANNEL',
  notLoggedIn: 'NOT_LOGGED_IN',
  certificateChanged: 'CERTIFICATE_CHANGED',
  /** A first connection: the gateway's certificate is not pinned yet; the error names its fingerprint. */
  certificateNotTrusted: 'CERTIFICATE_NOT_TRUSTED',
  network: 'NETWORK',
  internal: 'INTERNAL',
  /** `remember` was asked but the OS keychain cannot be used; logging in without it still works. */
  keychainUnavailable: 'KEYCHAIN_UNAVAILABLE',
  profileNotFound: 'PROFILE_NOT_FOUND',
} as const;
