import type { AppInfo } from '../../shared/ipc';
import { AlertsService } from './alerts-service';
import { AlertStateStore } from './alerts/state-store';
import type { AlertNotification } from '../../shared/alertCentre';
import { AuthService } from './auth-service';
import { AuditTrailService } from './audit-service';
import { BlocksService } from './blocks-service';
import { describe } from './errors';
import type { EventSink } from './events';
import { createHandlers, type IpcHandlers, type OfflineServices } from './handlers';
import { DownloadManager } from './downloads/download-manager';
import { ExportService } from './exports/export-service';
import { createEvidenceCore } from './evidence/core-adapter';
import { EvidenceExportService } from './evidence/evidence-export-service';
import { exportMp4, locateFfmpeg } from '../../recording/video';
import { LibraryFolder } from './library/folder';
import { Library } from './library/library';
import { LibraryPlays } from './library/offline-library';
import { PlayQueue } from './library/play-queue';
import { LiveService } from './live-service';
import { PlayerService } from './player-service';
import { ProfileStore } from './profile-store';
import { SearchService } from './search-service';
import type { SaveTarget } from './save-target';
import type { SecretStore } from './secret-store';
import { SessionLogsService } from './session-logs-service';
import { SessionUpdatesService } from './session-updates-service';
import { SessionsService } from './sessions-service';
import { SigningKeyService } from './signing-key-service';

export interface MainServicesOptions {
  /** The app's data folder (Electron's userData); profiles.json lives here. */
  userDataDir: string;
  secrets: SecretStore;
  saveTarget: SaveTarget;
  events: EventSink;
  appInfo: AppInfo;
  /** A gateway to offer as "Local gateway" (how `npm start` points the app at its own gateway). */
  gatewayUrl?: string;
  timeoutMs?: number;
  /** Ping interval of the gateway sockets (live streams, session updates). */
  heartbeatMs?: number;
  /** Where MP4 export reads FFMPEG_PATH and PATH (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /**
   * Shows a library file in the system's file manager (Electron's shell). Absent, "reveal" only
   * answers the path, as the browser bridge does: a web page cannot open a file manager.
   */
  /**
   * Shows an alert's OS notification (Electron's). Absent, as in the browser bridge, the page shows
   * it with the Web Notifications API.
   */
  notify?: (notification: AlertNotification) => void;
  reveal?: (path: string) => Promise<void> | void;
}

export interface MainServices {
  profiles: ProfileStore;
  auth: AuthService;
  sessions: SessionsService;
  blocks: BlocksService;
  auditTrail: AuditTrailService;
  live: LiveService;
  logs: SessionLogsService;
  updates: SessionUpdatesService;
  alerts: AlertsService;
  library: Library;
  downloads: DownloadManager;
  plays: PlayQueue;
  offline: OfflineServices;
  player: PlayerService;
  exports: ExportService;
  evidence: EvidenceExportService;
  search: SearchService;
  handlers: IpcHandlers;
  /** Drops the gateway sockets at once (the app or the bridge host is quitting). */
  close(): void;
}

/** Wires the services the same way for the Electron shell and the browser bridge. */
export function createMainServices(options: MainServicesOptions): MainServices {
  const profiles = new ProfileStore(options.userDataDir);
  if (options.gatewayUrl) {
    try {
      profiles.ensure('Local gateway', options.gatewayUrl);
    } catch (error) {
      console.warn(`Not adding the local gateway profile: ${describe(error)}`);
    }
  }
  const auth = new AuthService({
    profiles,
    secrets: options.secrets,
    events: options.events,
    timeoutMs: options.timeoutMs,
  });
  const sessions = new SessionsService(auth, options.saveTarget);
  const blocks = new BlocksService(auth);
  const auditTrail = new AuditTrailService(auth);
  const { events, heartbeatMs } = options;
  const live = new LiveService({ auth, events, heartbeatMs });
  const updates = new SessionUpdatesService({ auth, events, heartbeatMs });
  const logs = new SessionLogsService(auth);
  const now = () => new Date();
  const access = {
    profileId: () => auth.state()?.profileId ?? null,
    withSession: auth.withSession.bind(auth),
  };
  const libraryFolder = new LibraryFolder(options.userDataDir);
  const library = new Library({ folder: libraryFolder, profiles, now });
  const plays = new PlayQueue({ dir: options.userDataDir, access, now });
  // Plays made offline go out as soon as their gateway has a login again.
  auth.onSessionChange((state) => void (state && plays.flush()));
  const downloads = new DownloadManager({ access, library, profiles, events, now });
  const offline: OfflineServices = {
    library,
    libraryFolder,
    downloads,
    plays: new LibraryPlays({ library, plays, profiles }),
    signingKeys: new SigningKeyService({ auth, profiles, now }),
    reveal: options.reveal ?? (() => undefined),
  };
  // The player reads library items only: files on this computer, in folders the library named.
  const player = new PlayerService({
    recordingPath: async (itemId) => {
      await library.get(itemId);
      return library.files(itemId).recording;
    },
  });
  const exports = new ExportService({
    library,
    saveTarget: options.saveTarget,
    events: options.events,
    userDataDir: options.userDataDir,
    env: options.env ?? process.env,
    video: { exportMp4, locateFfmpeg },
  });
  const search = new SearchService(auth);
  const alerts = new AlertsService({
    auth,
    events,
    store: new AlertStateStore(options.userDataDir),
    notify: options.notify,
    heartbeatMs,
  });
  const evidence = new EvidenceExportService({
    access,
    library,
    core: createEvidenceCore(),
    saveTarget: options.saveTarget,
    events: options.events,
    dataDir: options.userDataDir,
    reveal: offline.reveal,
    now,
  });
  const handlers = createHandlers({
    profiles,
    auth,
    sessions,
    blocks,
    live,
    logs,
    offline,
    player,
    exports,
    evidence,
    alerts,
    search,
    auditTrail,
    appInfo: options.appInfo,
  });
  const close = () => {
    updates.stop();
    alerts.stop();
    live.shutdown();
    downloads.close();
    void player.closeAll();
    // Running MP4s are stopped; their partial files are deleted.
    void exports.close();
    // Running evidence exports are stopped; their partial bundles are deleted.
    void evidence.close();
  };
  return {
    profiles,
    auth,
    sessions,
    blocks,
    auditTrail,
    live,
    logs,
    alerts,
    updates,
    library,
    downloads,
    plays,
    offline,
    player,
    exports,
    evidence,
    search,
    handlers,
    close,
  };
}

export { AuthService } from './auth-service';
export { ProfileStore, normalizeGatewayUrl } from './profile-store';
export { KeytarSecretStore, type SecretStore } from './secret-store';
export { DirectorySaveTarget, type SaveTarget } from './save-target';
export { SessionsService } from './sessions-service';
export { SessionLogsService } from './session-logs-service';
export { BlocksService } from './blocks-service';
export { LiveService } from './live-service';
export { PlayerService } from './player-service';
export { SearchService } from './search-service';
export { SessionUpdatesService } from './session-updates-service';
export { AlertsService } from './alerts-service';
export { GatewayClient } from './gateway-client';
export { createHandlers, isIpcChannel, type IpcHandlers } from './handlers';
export type { EventSink } from './events';
