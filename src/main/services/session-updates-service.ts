import { API_PREFIX } from '../../shared/api';
import { isSessionUpdate, parseFrame } from '../../shared/live';
import type { AuthService } from './auth-service';
import type { EventSink } from './events';
import { GatewayPushSocket } from './gateway-push-socket';
import { toBuffer } from './gateway-socket';

export interface SessionUpdatesOptions {
  auth: AuthService;
  events: EventSink;
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
}

export const SESSION_UPDATES_PATH = `${API_PREFIX}/sessions/updates`;
const MAX_UPDATE_BYTES = 64 * 1024;

/**
 * Keeps one `/sessions/updates` WebSocket open while someone is logged in and turns each pushed
 * SessionUpdate into a 'sessions:changed' event, so live rows appear, change and finish on screen
 * without a reload. A dropped socket is reopened with growing delays for as long as
 * the login lasts; logout or expiry stops it. A changed certificate stops it too: the alarm was
 * raised once, and retrying would only raise it again.
 */
export class SessionUpdatesService {
  private readonly push: GatewayPushSocket;

  constructor(options: SessionUpdatesOptions) {
    this.push = new GatewayPushSocket({
      auth: options.auth,
      path: SESSION_UPDATES_PATH,
      maxPayload: MAX_UPDATE_BYTES,
      prepare: () => ({
        onOpen: (socket) =>
          socket.on('message', (data, isBinary) => {
            if (isBinary) return;
            const update = parseFrame(toBuffer(data).toString('utf8'), isSessionUpdate);
            if (update !== null) options.events('sessions:changed', update);
          }),
      }),
      retryMinMs: options.retryMinMs,
      retryMaxMs: options.retryMaxMs,
      heartbeatMs: options.heartbeatMs,
    });
  }

  /** Whether the updates socket is open right now. */
  get connected(): boolean {
    return this.push.connected;
  }

  /** Whether a socket is kept open or will be reopened: false once logged out, expired or given up. */
  get active(): boolean {
    return this.push.active;
  }

  stop(): void {
    this.push.stop();
  }
}
