import type {
  ExportDownload,
  ExportInput,
  ExportJob,
  GatewayProfile,
  IpcArgs,
  IpcChannel,
  IpcEventName,
  IpcEvents,
  IpcValue,
  LibraryImportInput,
  LoginInput,
  PlayerDesktopFramesInput,
  PlayerEventsInput,
  ProfileInput,
  SessionLogSearchInput,
  SessionTextInput,
  VigilApi,
} from '@shared/ipc';
import { IPC_ERROR } from '@shared/ipc';
import type { BlockQuery, SessionQuery } from '@shared/api';
import type { SearchQuery } from '@shared/search';
import { fail, type Result } from '@shared/result';

/**
 * The only module that touches `window.vigil`. Inside Electron the preload provides it; in a plain
 * browser (end-to-end tests, development) it is absent and main.ts installs the WebSocket bridge,
 * which speaks the same contract. It is looked up on every call rather than once, so unit tests can
 * inject a fake.
 */
let bridge: VigilApi | null = null;

/**
 * Called before the app mounts: outside Electron there is no preload, so the bridge transport is
 * loaded (only then, so the desktop app's renderer does not carry it) and used instead.
 */
export async function ensureTransport(loadBridge: () => Promise<VigilApi>): Promise<void> {
  if (!window.vigil) bridge ??= await loadBridge();
}

function vigil(): VigilApi {
  if (window.vigil) return window.vigil;
  if (bridge === null) throw new Error('No connection to the Vigil main process');
  return bridge;
}

/** Calls a channel; a transport that throws (closed socket, torn-down IPC) still yields a Result. */
export async function invoke<C extends IpcChannel>(
  channel: C,
  ...args: IpcArgs<C>
): Promise<Result<IpcValue<C>>> {
  try {
    return await vigil().invoke(channel, ...args);
  } catch (error) {
    return fail(IPC_ERROR.network, error instanceof Error ? error.message : String(error));
  }
}

export function onEvent<E extends IpcEventName>(
  event: E,
  listener: (payload: IpcEvents[E]) => void,
): () => void {
  return vigil().on(event, listener);
}

export const api = {
  listProfiles: () => invoke('profiles:list'),
  saveProfile: (input: ProfileInput) => invoke('profiles:save', input),
  removeProfile: (profileId: GatewayProfile['id']) => invoke('profiles:remove', profileId),
  forgetCertificate: (profileId: GatewayProfile['id']) => invoke('profiles:forgetCertificate', profileId),
  trustCertificate: (profileId: GatewayProfile['id'], fingerprint: string) =>
    invoke('profiles:trustCertificate', { profileId, fingerprint }),
  login: (input: LoginInput) => invoke('auth:login', input),
  resume: (profileId: GatewayProfile['id']) => invoke('auth:resume', profileId),
  logout: () => invoke('auth:logout'),
  authState: () => invoke('auth:state'),
  listSessions: (query: SessionQuery) => invoke('sessions:list', query),
  getSession: (sessionId: number) => invoke('sessions:get', sessionId),
  exportCsv: async (query: SessionQuery) => {
    const result = await invoke('sessions:exportCsv', query);
    if (result.ok && result.value.download) saveDownload(result.value.download);
    return result;
  },
  setPreventPurge: (sessionId: number, justification: string) =>
    invoke('sessions:setPreventPurge', { sessionId, justification }),
  clearPreventPurge: (sessionId: number, justification: string) =>
    invoke('sessions:clearPreventPurge', { sessionId, justification }),
  getAuditors: (sessionId: number) => invoke('sessions:getAuditors', sessionId),
  setAuditors: (sessionId: number, userIds: number[]) =>
    invoke('sessions:setAuditors', { sessionId, userIds }),
  listUsers: () => invoke('users:list'),
  dropSession: (sessionId: number) => invoke('sessions:drop', sessionId),
  setInteractivity: (sessionId: number, blocked: boolean) =>
    invoke('sessions:setInteractivity', { sessionId, blocked }),
  listBlocks: (query: BlockQuery) => invoke('blocks:list', query),
  releaseBlock: (blockId: number) => invoke('blocks:release', blockId),
  openLive: (sessionId: number) => invoke('live:open', sessionId),
  closeLive: (streamId: string) => invoke('live:close', streamId),
  getSessionLogs: (sessionId: number) => invoke('logs:get', sessionId),
  getSessionText: (input: SessionTextInput) => invoke('logs:text', input),
  searchSessionLogs: (input: SessionLogSearchInput) => invoke('logs:search', input),
  searchSessions: (query: SearchQuery) => invoke('search:query', query),
  signingKey: (profileId: string) => invoke('profiles:signingKey', profileId),
  trustSigningKey: (profileId: string, keyId: string) =>
    invoke('profiles:trustSigningKey', { profileId, keyId }),
  startDownload: (sessionId: number) => invoke('downloads:start', sessionId),
  cancelDownload: (downloadId: string) => invoke('downloads:cancel', downloadId),
  listDownloads: () => invoke('downloads:list'),
  listLibrary: () => invoke('library:list'),
  verifyLibraryItem: (itemId: string) => invoke('library:verify', itemId),
  reportPlay: (itemId: string) => invoke('library:reportPlay', itemId),
  libraryDetails: (itemId: string) => invoke('library:details', itemId),
  deleteLibraryItem: (itemId: string) => invoke('library:delete', itemId),
  revealLibraryItem: (itemId: string) => invoke('library:reveal', itemId),
  importRecording: (input: LibraryImportInput) => invoke('library:import', input),
  libraryFolder: () => invoke('library:folder'),
  setLibraryFolder: (folder: string) => invoke('library:setFolder', folder),
  /** Where main can read a picked or dropped file (in a browser, the bridge host's copy of it). */
  filePath: async (file: Blob): Promise<Result<string>> => {
    try {
      return await vigil().filePath(file);
    } catch (error) {
      return fail(IPC_ERROR.network, error instanceof Error ? error.message : String(error));
    }
  },
  openPlayer: (itemId: string) => invoke('player:open', { itemId }),
  screenAt: (playerId: string, atMs: number) => invoke('player:screenAt', { playerId, atMs }),
  playerEvents: (input: PlayerEventsInput) => invoke('player:events', input),
  searchPlayer: (playerId: string, q: string) => invoke('player:search', { playerId, q }),
  desktopAt: (playerId: string, atMs: number) => invoke('player:desktopAt', { playerId, atMs }),
  desktopFrames: (input: PlayerDesktopFramesInput) => invoke('player:desktopFrames', input),
  closePlayer: (playerId: string) => invoke('player:close', playerId),
  startExport: async (input: ExportInput) => {
    const result = await invoke('exports:start', input);
    if (result.ok) deliverExport(result.value);
    return result;
  },
  cancelExport: (exportId: string) => invoke('exports:cancel', exportId),
  ffmpegStatus: () => invoke('exports:ffmpeg'),
  setFfmpegPath: (path: string | null) => invoke('exports:setFfmpegPath', path),
  listAlerts: () => invoke('alerts:list'),
  markAlertsRead: (ids: number[] | null) => invoke('alerts:markRead', ids),
  alertPreferences: () => invoke('alerts:preferences'),
  setAlertPreferences: (preferences: IpcArgs<'alerts:setPreferences'>[0]) =>
    invoke('alerts:setPreferences', preferences),
  /** An MP4 that finishes in the background reaches the browser's downloads from its last event. */
  onExportProgress: (listener: (job: ExportJob) => void) =>
    onEvent('exports:progress', (job) => {
      deliverExport(job);
      listener(job);
    }),
};

/** Main announces a finished export once (the start answer, or one final event), so it is saved once. */
function deliverExport(job: ExportJob): void {
  if (job.state === 'done' && job.result?.download) saveDownload(job.result.download);
}

/** In a browser the export waits on the bridge host: the browser's own download saves it. */
export function saveDownload({ url, fileName }: ExportDownload): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
}
