import type {
  AssignedAuditList,
  AssignedAuditQuery,
  AuditEventList,
  AuditEventQuery,
  AuditMark,
  Auditors,
  Block,
  BlockQuery,
  ChainStatus,
  Me,
  RecordingManifest,
  Session,
  SessionEvent,
  SessionList,
  SessionLogSearch,
  SessionLogs,
  SessionQuery,
  SessionTextPage,
  UserSummary,
} from './api';
import type { EvidenceBundle, EvidenceExportInput, EvidenceJob } from './evidenceIpc';
import type { AlertEntry, AlertNotification, AlertPreferences, AlertPushed } from './alertCentre';
import type { LiveServerMessage, SessionUpdate } from './live';
import type { SearchQuery, SearchResult } from './search';
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
  /** The gateway's recording signing key the user trusted; absent until then. */
  signingKey?: PinnedSigningKey;
}

/** A gateway's Ed25519 key that signs recording manifests, as a profile pins it. */
export interface PinnedSigningKey {
  /** Hex SHA-256 of the key's DER SubjectPublicKeyInfo. */
  keyId: string;
  publicKey: string;
  trustedAt: string;
}

/** The signing key the logged-in gateway uses now, and whether this profile trusts it. */
export interface SigningKeyStatus {
  profileId: string;
  keyId: string;
  publicKey: string;
  trusted: boolean;
}

export type DownloadState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A recording download into the library, as `downloads:progress` reports it. */
export interface DownloadStatus {
  downloadId: string;
  profileId: string;
  sessionId: number;
  state: DownloadState;
  bytes: number;
  /** The file's size; null until the gateway said it. */
  total: number | null;
  /** Bytes a second over the last moments; 0 when idle. */
  rate: number;
  /** Seconds left at the current rate; null when unknown. */
  etaSeconds: number | null;
  /** Where this run started: above 0 when it resumed a partial file. */
  resumedFrom: number;
  /** The library item, once done. */
  itemId: string | null;
  /** Why it failed; a failed download with a partial file resumes on the next start. */
  error: { code: string; message: string } | null;
}

export type VerificationStatus = 'verified' | 'altered' | 'unknown-key';

export interface Verification {
  status: VerificationStatus;
  /** What was checked or what failed, for the user. */
  reason: string;
  checkedAt: string;
  /** The key id the manifest names. */
  keyId: string;
}

/** A recording kept in the offline library. */
export interface LibraryItem {
  itemId: string;
  sessionId: number;
  /** The profile it was downloaded with; null when imported. */
  profileId: string | null;
  gatewayUrl: string | null;
  operator: string;
  account: string;
  target: string;
  protocol: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  size: number;
  sha256: string;
  addedAt: string;
  imported: boolean;
  /** The session's info, events and logs were saved with it (false for imports). */
  hasSnapshot: boolean;
  verification: Verification;
}

/** What was saved with a downloaded recording, so it can be reviewed offline. */
export interface LibrarySnapshot {
  savedAt: string;
  session: Session;
  /** Null when the user could not read them when it was downloaded. */
  events: SessionEvent[] | null;
  logs: SessionLogs | null;
}

/** An item with its manifest and, for downloads, the session's saved info, events and logs. */
export interface LibraryItemDetails {
  item: LibraryItem;
  /** Null when manifest.json is missing or unreadable (the item is then Altered). */
  manifest: RecordingManifest | null;
  /** Null for imports (only the recording, manifest and signature were sent). */
  snapshot: LibrarySnapshot | null;
}

export interface LibraryImportInput {
  /** Paths of the files someone sent. */
  recording: string;
  manifest: string;
  signature: string;
  /** The signer's public key (PEM), when it came along; a key pinned in a profile is used first. */
  publicKey?: string;
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
  /** Sessions for audit: the sessions the logged-in user audits, with their own Audited? marks. */
  'audit:assigned': (query: AssignedAuditQuery) => AssignedAuditList;
  /** Sets the logged-in auditor's Audited? flag and comment (trimmed, ≤ 2000 characters) on a session. */
  'audit:setMark': (input: { sessionId: number; audited: boolean; comment: string }) => AuditMark;
  /** The audit trail, newest first, filtered and paged (PAM.SessionManagement.Logs). */
  'audit:events': (query: AuditEventQuery) => AuditEventList;
  /** Checks the trail's chain and signed checkpoints added since the last successful check. */
  'audit:verify': () => ChainStatus;
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
  /** One search over the commands and terminal text of every session the auditor may see. */
  'search:query': (query: SearchQuery) => SearchResult;
  /**
   * The logged-in gateway's recording signing key and whether the profile trusts it; a key other
   * than the pinned one is the SIGNING_KEY_CHANGED alarm.
   */
  'profiles:signingKey': (profileId: string) => SigningKeyStatus;
  /** Pins the signing key the user compared (its id, as `profiles:signingKey` showed it). */
  'profiles:trustSigningKey': (input: { profileId: string; keyId: string }) => GatewayProfile;
  /** Forgets the pinned signing key after the user acknowledged a SIGNING_KEY_CHANGED alarm. */
  'profiles:forgetSigningKey': (profileId: string) => GatewayProfile;
  /** Queues a recording download into the library (resumes a partial one); progress comes as events. */
  'downloads:start': (sessionId: number) => DownloadStatus;
  'downloads:cancel': (downloadId: string) => null;
  'downloads:list': () => DownloadStatus[];
  /** The recordings on this computer: works offline and without login. */
  'library:list': () => LibraryItem[];
  /** One item with its manifest and the snapshot saved with it (null for imports). */
  'library:details': (itemId: string) => LibraryItemDetails;
  /** Checks an item again: size, SHA-256 and the manifest's signature. */
  'library:verify': (itemId: string) => LibraryItem;
  'library:delete': (itemId: string) => null;
  /** Shows the recording file in the system's file manager (where there is one) and returns its path. */
  'library:reveal': (itemId: string) => { path: string };
  'library:import': (input: LibraryImportInput) => LibraryItem;
  'library:folder': () => { folder: string };
  /** Library folder for new downloads (items already in the old one stay there). */
  'library:setFolder': (folder: string) => { folder: string };
  /** Reports a play of an item to its gateway now, or when next reachable (`pending` still queued). */
  'library:reportPlay': (itemId: string) => { pending: number };
  /** Opens a library item's recording for playback: its timeline comes back at once. */
  'player:open': (input: PlayerOpenInput) => PlayerInfo;
  /** The screen at a time, ready to write into a fresh terminal of its size. */
  'player:screenAt': (input: PlayerScreenInput) => PlayerScreen;
  /** Output and resizes after `fromMs` up to `toMs`, a bounded page at a time (pass `next` back as `cursor`). */
  'player:events': (input: PlayerEventsInput) => PlayerEventsPage;
  /** Case-insensitive search of the rendered session text; each hit is when its line was shown. */
  'player:search': (input: PlayerSearchInput) => PlayerSearchResult;
  /** A desktop (RDP) recording's screen at a time, as one wire `screen` frame (deflated RGBA). */
  'player:desktopAt': (input: PlayerScreenInput) => PlayerDesktopScreen;
  /**
   * A desktop recording's screen updates after `fromMs` up to `toMs` as wire frames (`rect`, or a
   * `screen` where its size changed), a bounded page at a time (pass `next` back as `cursor`).
   */
  'player:desktopFrames': (input: PlayerDesktopFramesInput) => PlayerDesktopFramesPage;
  'player:close': (playerId: string) => null;
  /**
   * Exports a library item's recording (asks where to save first): asciicast at once, MP4 in the
   * background with `exports:progress` events. A cancelled save dialog is state 'cancelled'.
   */
  'exports:start': (input: ExportInput) => ExportJob;
  'exports:cancel': (exportId: string) => null;
  /** Which ffmpeg MP4 export would use, and why the other places were passed over. */
  'exports:ffmpeg': () => FfmpegStatus;
  /** The app's own ffmpeg setting, tried first; null clears it. */
  'exports:setFfmpegPath': (path: string | null) => FfmpegStatus;
  /** The logged-in profile's alert centre, newest first. */
  'alerts:list': () => AlertEntry[];
  /** Marks these alerts read (every one when null); answers how many stay unread. */
  'alerts:markRead': (ids: number[] | null) => { unread: number };
  /** What this user wants to hear about from the logged-in gateway (kept per profile). */
  'alerts:preferences': () => AlertPreferences;
  'alerts:setPreferences': (preferences: AlertPreferences) => AlertPreferences;
  /**
   * Exports one evidence bundle of sessions or library items (asks where to save first); the
   * rest runs in the background with `evidence:progress` events. A cancelled dialog is 'cancelled'.
   */
  'evidence:export': (input: EvidenceExportInput) => EvidenceJob;
  'evidence:cancel': (jobId: string) => null;
  /** The library's Bundles list: works offline. */
  'evidence:list': () => EvidenceBundle[];
  /** Adds an existing bundle folder or zip to the list and verifies it. */
  'evidence:open': (path: string) => EvidenceBundle;
  /** Checks a bundle again, offline: every changed, missing or added file is named. */
  'evidence:verify': (bundleId: string) => EvidenceBundle;
  /** Shows the bundle, or its report.html, in the file manager (where there is one); returns the path. */
  'evidence:reveal': (input: { bundleId: string; report: boolean }) => { path: string };
  /** Takes a bundle off the list; its files stay where they are. */
  'evidence:forget': (bundleId: string) => null;
}

export type ExportFormat = 'asciicast' | 'mp4';

export interface ExportInput {
  itemId: string;
  format: ExportFormat;
  /** MP4 frame size in pixels (even numbers); the terminal is scaled to fit, letterboxed. */
  width?: number;
  height?: number;
}

export type ExportState = 'running' | 'done' | 'failed' | 'cancelled';

export interface ExportJob {
  exportId: string;
  itemId: string;
  format: ExportFormat;
  state: ExportState;
  /** 0..1 of the recording's duration written so far. */
  progress: number;
  /** Once done: where the file went. */
  result: ExportResult | null;
  error: { code: string; message: string } | null;
}

export type FfmpegSource = 'setting' | 'env' | 'package' | 'path';

export interface FfmpegStatus {
  /** The ffmpeg that works, or null when none does. */
  path: string | null;
  source: FfmpegSource | null;
  /** First line of `ffmpeg -version`. */
  version: string | null;
  /** The app's own setting, when the user gave one. */
  setting: string | null;
  /** Every place looked at, in order, with why it was not used. */
  tried: { source: FfmpegSource; path: string | null; problem: string | null }[];
}

export interface PlayerOpenInput {
  /** A library item (its recording file is read on this computer). */
  itemId: string;
}

/** What a recording shows: a terminal (SSH) or a remote desktop's screen (RDP). */
export type PlayerKind = 'terminal' | 'desktop';

export type PlayerMarkerKind = 'block' | 'release' | 'drop' | 'notice' | 'command' | 'error' | 'policy';

export interface PlayerInfo {
  playerId: string;
  /** Absent means terminal. A desktop is played with player:desktopAt and player:desktopFrames. */
  kind?: PlayerKind;
  /** Terminal size at the start (0 for a desktop). */
  cols: number;
  rows: number;
  /** A desktop's screen size in pixels at the start. */
  width?: number;
  height?: number;
  durationMs: number;
  /** ISO-8601 wall time of atMs = 0. */
  startedAt: string;
  markers: { atMs: number; kind: PlayerMarkerKind; note: string }[];
  /** Output bytes per equal slice of the duration, for the timeline strip. */
  activity: number[];
  /** Silences of the screen (no output, no resize) longer than 5 s, for "skip idle". */
  idleGaps: { fromMs: number; toMs: number }[];
}

export interface PlayerScreenInput {
  playerId: string;
  atMs: number;
}

export interface PlayerScreen {
  /** The time shown (the asked one, kept within the recording). */
  atMs: number;
  cols: number;
  rows: number;
  /** Escape sequences (text, colours, modes, cursor) that draw the screen in a fresh terminal of cols x rows. */
  screen: string;
  cursor: { x: number; y: number };
  /**
   * Usually null. When atMs falls inside an escape sequence that the output cut in two, the screen
   * already holds its end: play on with player:events {fromMs: atMs, cursor: eventsCursor}.
   */
  eventsCursor: string | null;
}

export interface PlayerEventsInput {
  playerId: string;
  fromMs: number;
  toMs: number;
  cursor?: string;
}

export type PlayerEvent =
  /** Terminal output bytes, base64. */
  | { atMs: number; type: 'output'; data: string }
  | { atMs: number; type: 'resize'; cols: number; rows: number };

export interface PlayerEventsPage {
  events: PlayerEvent[];
  /** The rest of the window: pass it back as `cursor`; null when the window is done. */
  next: string | null;
}

export interface PlayerDesktopScreen {
  /** The time shown (the asked one, kept within the recording). */
  atMs: number;
  width: number;
  height: number;
  /** A wire `screen` frame (src/shared/rdpWire.ts), base64: what `RemoteScreen.push` takes. */
  frame: string;
  /** The operator's input was blocked at that time. */
  blocked: boolean;
}

export interface PlayerDesktopFramesInput {
  playerId: string;
  fromMs: number;
  toMs: number;
  cursor?: string;
}

export interface PlayerDesktopFrame {
  atMs: number;
  /** A wire `rect` or `screen` frame, base64. */
  frame: string;
}

export interface PlayerDesktopFramesPage {
  frames: PlayerDesktopFrame[];
  /** The rest of the window: pass it back as `cursor`; null when the window is done. */
  next: string | null;
}

export interface PlayerSearchInput {
  playerId: string;
  q: string;
  limit?: number;
}

export interface PlayerSearchResult {
  hits: { atMs: number; text: string }[];
  /** Every matching line, also those past `limit`. */
  total: number;
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
  /** A download's state or progress (at most a few times a second while running). */
  'downloads:progress': DownloadStatus;
  /** An export's state or progress (at most a few times a second while running). */
  'exports:progress': ExportJob;
  /** An alert entered the alert centre (with the OS notification the page shows, in a browser). */
  'alerts:alert': AlertPushed;
  /** Alerts replayed after a reconnect, summed up in one notification the page shows (in a browser). */
  'alerts:missed': { count: number; notification: AlertNotification };
  /** The user clicked an OS notification the shell showed: open that alert (null: the alert centre). */
  'alerts:open': { alertId: number | null };
  /** An evidence export's phase or progress (at most a few times a second while running). */
  'evidence:progress': EvidenceJob;
}
export type IpcEventName = keyof IpcEvents;

/** The API preload exposes as `window.vigil` (and the bridge transport imitates). */
export interface VigilApi {
  invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<Result<IpcValue<C>>>;
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEvents[E]) => void): () => void;
  /**
   * The path main can read a file the user picked or dropped at: the file's own path in Electron;
   * in a browser the bridge host receives a copy and answers where it keeps it.
   */
  filePath(file: Blob): Promise<Result<string>>;
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
  'audit:assigned',
  'audit:setMark',
  'audit:events',
  'audit:verify',
  'blocks:list',
  'blocks:release',
  'live:open',
  'live:close',
  'logs:get',
  'logs:text',
  'logs:search',
  'search:query',
  'profiles:signingKey',
  'profiles:trustSigningKey',
  'profiles:forgetSigningKey',
  'downloads:start',
  'downloads:cancel',
  'downloads:list',
  'library:list',
  'library:details',
  'library:verify',
  'library:delete',
  'library:reveal',
  'library:import',
  'library:folder',
  'library:setFolder',
  'library:reportPlay',
  'player:open',
  'player:screenAt',
  'player:events',
  'player:search',
  'player:desktopAt',
  'player:desktopFrames',
  'player:close',
  'exports:start',
  'exports:cancel',
  'exports:ffmpeg',
  'exports:setFfmpegPath',
  'alerts:list',
  'alerts:markRead',
  'alerts:preferences',
  'alerts:setPreferences',
  'evidence:export',
  'evidence:cancel',
  'evidence:list',
  'evidence:open',
  'evidence:verify',
  'evidence:reveal',
  'evidence:forget',
] as const satisfies readonly IpcChannel[];

export const IPC_EVENTS = [
  'auth:expired',
  'cert:alarm',
  'live:message',
  'live:output',
  'live:closed',
  'sessions:changed',
  'downloads:progress',
  'exports:progress',
  'alerts:alert',
  'alerts:missed',
  'alerts:open',
  'evidence:progress',
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
  /** A pinned profile's gateway signs with another key: nothing is accepted until the user acts. */
  signingKeyChanged: 'SIGNING_KEY_CHANGED',
  /** The disk holding the library is full. */
  diskFull: 'DISK_FULL',
  /** The library folder cannot be written (permission, or not a folder). */
  folderNotWritable: 'FOLDER_NOT_WRITABLE',
  libraryItemNotFound: 'LIBRARY_ITEM_NOT_FOUND',
  /** No open player with that id (never opened, closed, or closed to make room for newer ones). */
  playerNotFound: 'PLAYER_NOT_FOUND',
  /** The recording file is missing, cut short before its first frame, or not a Vigil recording. */
  recordingUnreadable: 'RECORDING_UNREADABLE',
  /** No working ffmpeg in any place looked at; the message lists them. */
  ffmpegNotFound: 'FFMPEG_NOT_FOUND',
  /** The recording's kind has no exporter for that format (e.g. asciicast of a graphical session). */
  exportNotSupported: 'EXPORT_NOT_SUPPORTED',
  exportNotFound: 'EXPORT_NOT_FOUND',
} as const;
