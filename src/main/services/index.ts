import type { AppInfo } from '../../shared/ipc';
import { AuthService } from './auth-service';
import { BlocksService } from './blocks-service';
import { describe } from './errors';
import type { EventSink } from './events';
import { createHandlers, type IpcHandlers } from './handlers';
import { LiveService } from './live-service';
import { ProfileStore } from './profile-store';
import type { SaveTarget } from './save-target';
import type { SecretStore } from './secret-store';
import { SessionLogsService } from './session-logs-service';
import { SessionUpdatesService } from './session-updates-service';
import { SessionsService } from './sessions-service';

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
}

export interface MainServices {
  profiles: ProfileStore;
  auth: AuthService;
  sessions: SessionsService;
  blocks: BlocksService;
  live: LiveService;
  logs: SessionLogsService;
  updates: SessionUpdatesService;
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
  const { events, heartbeatMs } = options;
  const live = new LiveService({ auth, events, heartbeatMs });
  const updates = new SessionUpdatesService({ auth, events, heartbeatMs });
  const logs = new SessionLogsService(auth);
  const handlers = createHandlers({ profiles, auth, sessions, blocks, live, logs, appInfo: options.appInfo });
  const close = () => {
    updates.stop();
    live.shutdown();
  };
  return { profiles, auth, sessions, blocks, live, logs, updates, handlers, close };
}

export { AuthService } from './auth-service';
export { ProfileStore, normalizeGatewayUrl } from './profile-store';
export { KeytarSecretStore, type SecretStore } from './secret-store';
export { DirectorySaveTarget, type SaveTarget } from './save-target';
export { SessionsService } from './sessions-service';
export { SessionLogsService } from './session-logs-service';
export { BlocksService } from './blocks-service';
export { LiveService } from './live-service';
export { SessionUpdatesService } from './session-updates-service';
export { GatewayClient } from './gateway-client';
export { createHandlers, isIpcChannel, type IpcHandlers } from './handlers';
export type { EventSink } from './events';
