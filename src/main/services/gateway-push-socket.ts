import type WebSocket from 'ws';
import type { AuthState } from '../../shared/ipc';
import type { AuthService } from './auth-service';
import { CertificateChangedError, NotLoggedInError } from './errors';
import type { QueryValues } from './gateway-client';
import { keepAlive, openGatewaySocket } from './gateway-socket';

/** The login a push socket serves, as its message handling sees it. */
export interface PushLogin {
  readonly profileId: string;
  /** True once the login ended or the socket gave up: frames still in flight are to be ignored. */
  readonly stopped: boolean;
}

/** One connection attempt, prepared just before the socket is opened. */
export interface PushAttempt {
  query?: QueryValues;
  /** Attaches message handling to the freshly opened socket, which is still paused. */
  onOpen: (socket: WebSocket) => void;
}

export interface GatewayPushSocketOptions {
  auth: Pick<AuthService, 'withSession' | 'onSessionChange'>;
  path: string;
  /** Largest message accepted; a bigger one closes the socket (1009). */
  maxPayload: number;
  /**
   * Called before every (re)connection: what the gateway is asked for may depend on what was
   * received so far (a cursor), and the socket must send along what was asked for at that moment.
   */
  prepare: (login: PushLogin) => PushAttempt;
  /** Refusals, beyond a changed certificate or an ended login, that retrying would not cure. */
  givesUpOn?: (error: unknown) => boolean;
  /** Called on every login change, once the previous login's socket is stopped. */
  onLoginChange?: (state: AuthState | null) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
}

/** One login's connection: replaced as a whole when the login changes, so nothing leaks across. */
interface Run extends PushLogin {
  stopped: boolean;
  socket: WebSocket | null;
  retry: ReturnType<typeof setTimeout> | null;
  failures: number;
}

const STABLE_MS = 10_000;

/**
 * A WebSocket the gateway pushes on, kept open for as long as someone is logged in. A dropped
 * socket is reopened with growing delays for as long as the login lasts, and a heartbeat notices a
 * gateway that vanished without closing. Logout or expiry stops it, and so does a changed
 * certificate: the alarm was raised once, and retrying would only raise it again. The services
 * around it only say what to ask for and what to do with the messages.
 */
export class GatewayPushSocket {
  private run: Run | null = null;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: GatewayPushSocketOptions) {
    this.retryMinMs = options.retryMinMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 25_000;
    options.auth.onSessionChange((state) => this.follow(state));
  }

  /** Whether the socket is open right now. */
  get connected(): boolean {
    return this.run?.socket?.readyState === 1;
  }

  /** Whether a socket is kept open or will be reopened: false once logged out, expired or given up. */
  get active(): boolean {
    return this.run !== null && !this.run.stopped;
  }

  /** The current login's socket from its opening to its close, for messages to the gateway. */
  get socket(): WebSocket | null {
    return this.run?.socket ?? null;
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
    if (state !== null) {
      this.run = { profileId: state.profileId, stopped: false, socket: null, retry: null, failures: 0 };
    }
    this.options.onLoginChange?.(state);
    if (this.run !== null) void this.connect(this.run);
  }

  private async connect(run: Run): Promise<void> {
    const attempt = this.options.prepare(run);
    let socket: WebSocket;
    try {
      // A 401 on the upgrade expires the login through withSession, which stops this run.
      socket = await this.options.auth.withSession((client, token) =>
        openGatewaySocket(client, this.options.path, {
          token,
          maxPayload: this.options.maxPayload,
          query: attempt.query,
        }),
      );
    } catch (error) {
      if (this.givesUpOn(error)) {
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
    attempt.onOpen(socket);
    socket.once('close', () => {
      if (run.socket === socket) run.socket = null;
      // Only a connection that lasted resets the delays; one closed at once keeps backing off.
      if (Date.now() - openedAt >= STABLE_MS) run.failures = 0;
      this.retryLater(run);
    });
    keepAlive(socket, this.heartbeatMs);
    socket.resume();
  }

  private givesUpOn(error: unknown): boolean {
    if (error instanceof CertificateChangedError || error instanceof NotLoggedInError) return true;
    return this.options.givesUpOn?.(error) ?? false;
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
