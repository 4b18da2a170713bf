import type WebSocket from 'ws';
import { API_PREFIX } from '../../shared/api';
import type { AuthState } from '../../shared/ipc';
import { isSessionUpdate, parseFrame } from '../../shared/live';
import type { AuthService } from './auth-service';
import { CertificateChangedError, NotLoggedInError } from './errors';
import type { EventSink } from './events';
import { keepAlive, openGatewaySocket, toBuffer } from './gateway-socket';

export interface SessionUpdatesOptions {
  auth: AuthService;
  events: EventSink;
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
}

/** One login's connection: replaced as a whole when the login changes, so nothing leaks across. */
interface Run {
  stopped: boolean;
  socket: WebSocket | null;
  retry: ReturnType<typeof setTimeout> | null;
  failures: number;
}

export const SESSION_UPDATES_PATH = `${API_PREFIX}/sessions/updates`;
const MAX_UPDATE_BYTES = 64 * 1024;
const STABLE_MS = 10_000;

/**
 * Keeps one `/sessions/updates` WebSocket open while someone is logged in and turns each pushed
 * SessionUpdate into a 'sessions:changed' event, so live rows appear, change and finish on screen
 * without a reload. A dropped socket is reopened with growing delays for as long as
 * the login lasts; logout or expiry stops it. A changed certificate stops it too: the alarm was
 * raised once, and retrying would only raise it again.
 */
export class SessionUpdatesService {
  private run: Run | null = null;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: SessionUpdatesOptions) {
    this.retryMinMs = options.retryMinMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 25_000;
    options.auth.onSessionChange((state) => this.follow(state));
  }

  /** Whether the updates socket is open right now. */
  get connected(): boolean {
    return this.run?.socket?.readyState === 1;
  }

  /** Whether a socket is kept open or will be reopened: false once logged out, expired or given up. */
  get active(): boolean {
    return this.run !== null && !this.run.stopped;
  }

  stop(): void {
    const run = this.run;
    this.run = null;
    if (!run) return;
    run.stopped = true;
    if (run.retry !== null) clearTimeout(run.retry);
    run.socket?.terminate();
  }

  private follow(state: AuthState | null): void {
    this.stop();
    if (state === null) return;
    const run: Run = { stopped: false, socket: null, retry: null, failures: 0 };
    this.run = run;
    void this.connect(run);
  }

  private async connect(run: Run): Promise<void> {
    let socket: WebSocket;
    try {
      // A 401 on the upgrade expires the login through withSession, which stops this run.
      socket = await this.options.auth.withSession((client, token) =>
        openGatewaySocket(client, SESSION_UPDATES_PATH, { token, maxPayload: MAX_UPDATE_BYTES }),
      );
    } catch (error) {
      if (error instanceof CertificateChangedError || error instanceof NotLoggedInError) {
        run.stopped = true;
        return;
      }
      this.retryLater(run);
      return;
    }
    if (run.stopped) {
      socket.terminate();
      return;
    }
    run.socket = socket;
    const openedAt = Date.now();
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const update = parseFrame(toBuffer(data).toString('utf8'), isSessionUpdate);
      if (update !== null) this.options.events('sessions:changed', update);
    });
    socket.once('close', () => {
      if (run.socket === socket) run.socket = null;
      // Only a connection that lasted resets the delays; one closed at once keeps backing off.
      if (Date.now() - openedAt >= STABLE_MS) run.failures = 0;
      this.retryLater(run);
    });
    keepAlive(socket, this.heartbeatMs);
    socket.resume();
  }

  private retryLater(run: Run): void {
    if (run.stopped || run.retry !== null) return;
    const ceiling = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** run.failures);
    // Jitter spreads the reconnects of many desktops after a gateway restart.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    run.failures += 1;
    run.retry = setTimeout(() => {
      run.retry = null;
      if (!run.stopped) void this.connect(run);
    }, delay);
    run.retry.unref();
  }
}
