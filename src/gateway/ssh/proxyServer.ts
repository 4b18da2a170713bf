import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type Server } from 'ssh2';
import type { Address } from '../config';
import type { SecretBox } from '../crypto/secrets';
import type { DataPaths } from '../datadir';
import type { AsyncStore } from '../db/asyncStore';
import type { LiveHub } from '../live/hub';
import type { RecordingWriterOptions } from '../../recording';
import type { RuleBook } from '../rules/ruleBook';
import type { IdentityService } from '../services/identity';
import type { SessionLedger } from '../services/sessionLedger';
import type { Clock } from '../time';
import { AccessPolicy } from './access';
import type { HostKey } from './hostKey';
import { PROXY_MESSAGES } from './messages';
import { OperatorAuth } from './operatorAuth';
import { OperatorChannel } from './operatorChannel';
import type { ProxySession } from './proxySession';
import type { TargetLeg, TargetRequest } from './targetLeg';

/** The few pino methods the proxy logs with. */
export interface ProxyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SshProxyDeps {
  store: AsyncStore;
  hub: LiveHub;
  identity: IdentityService;
  /** Every session row and event the proxy writes goes through it. */
  ledger: SessionLedger;
  /** The audited-command rules the sessions are checked against. */
  rules: RuleBook;
  secrets: () => SecretBox;
  paths: DataPaths;
  hostKey: HostKey;
  clock: Clock;
  log?: ProxyLogger;
  /** Unauthenticated connections are closed after this long (as sshd's LoginGraceTime). */
  loginGraceMs?: number;
  /** Password failures on one connection before it is closed. */
  maxAuthFailures?: number;
  connectTarget?: (request: TargetRequest) => Promise<TargetLeg>;
  recording?: Partial<RecordingWriterOptions>;
}

/** Session channels open at once on one operator connection. */
export const MAX_SESSION_CHANNELS = 10;

const quiet: ProxyLogger = { info: () => undefined, warn: () => undefined };

/**
 * The gateway's SSH server: operators connect with any SSH client as
 * LOGIN@ACCOUNT@TARGET; each session channel becomes a proxied, recorded session. Forwarding
 * (TCP, agent, X11) is refused: ssh2 refuses every request nobody listens for.
 */
export class SshProxy {
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  readonly #sessions = new Set<ProxySession>();
  readonly #deps: SshProxyDeps;
  readonly #log: ProxyLogger;
  #address: Address | null = null;

  constructor(deps: SshProxyDeps) {
    this.#deps = deps;
    this.#log = deps.log ?? quiet;
    this.#server = new ssh2.Server(
      { hostKeys: [deps.hostKey.privateKey], ident: 'Vigil' },
      (connection, info) => this.#accept(connection, info.ip),
    );
  }

  get fingerprint(): string {
    return this.#deps.hostKey.fingerprint;
  }

  /** Live sessions of this proxy (tests, shutdown). */
  get sessions(): ReadonlySet<ProxySession> {
    return this.#sessions;
  }

  listen(address: Address): Promise<Address> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(address.port, address.host, () => {
        this.#server.off('error', reject);
        const bound = this.#server.address() as AddressInfo;
        this.#address = { host: address.host, port: bound.port };
        resolve(this.#address);
      });
    });
  }

  /** Stops accepting, tells every operator the gateway is stopping, and closes their sessions cleanly. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.allSettled(
      [...this.#sessions].map((s) =>
        s.end({
          reason: 'failed',
          operatorMessage: PROXY_MESSAGES.gatewayStopping,
          errorMessage: 'The gateway stopped during the session',
          note: 'The gateway stopped during the session',
          marker: { kind: 'notice', note: 'gateway stopping' },
        }),
      ),
    );
    for (const connection of this.#connections) connection.end();
    // A client that never closes its side must not hold the gateway's shutdown.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  }

  #accept(connection: Connection, ip: string): void {
    const deps = this.#deps;
    const clock = deps.clock;
    const originIp = ip.replace(/^::ffff:/, '');
    this.#connections.add(connection);
    // Keystrokes go out at once (ssh2's Connection has this method; its typings lack it).
    (connection as Connection & { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    const mine = new Set<ProxySession>();
    const grace = setTimeout(() => connection.end(), deps.loginGraceMs ?? 60_000);
    grace.unref();
    const auth = new OperatorAuth(deps.store, deps.identity, originIp, deps.maxAuthFailures ?? 6, () =>
      connection.end(),
    );
    const services = {
      store: deps.store,
      hub: deps.hub,
      access: new AccessPolicy(deps.store, deps.secrets),
      ledger: deps.ledger,
      rules: deps.rules,
      paths: deps.paths,
      clock,
      publicAddress: this.#address ?? { host: '127.0.0.1', port: 2222 },
      connectTarget: deps.connectTarget,
      recording: deps.recording,
      log: this.#log,
    };
    let openChannels = 0;
    connection.on('authentication', (ctx) => auth.handle(ctx));
    connection.on('ready', () => {
      clearTimeout(grace);
      const operator = auth.operator!;
      connection.on('session', (accept, reject) => {
        // As sshd's MaxSessions: one connection cannot multiply sessions, screens and recordings.
        if (openChannels >= MAX_SESSION_CHANNELS) {
          this.#log.warn({ user: operator.login, originIp }, 'SSH session channel refused: too many open');
          return reject();
        }
        openChannels++;
        const session = accept();
        session.once('close', () => openChannels--);
        new OperatorChannel(session, operator, originIp, services, (live) => {
          mine.add(live);
          this.#sessions.add(live);
          this.#log.info(
            { sessionId: live.sessionId, user: operator.login, originIp },
            'SSH session started',
          );
          live.once('ended', (reason, _at, message) => {
            mine.delete(live);
            this.#sessions.delete(live);
            this.#log.info({ sessionId: live.sessionId, reason, message }, 'SSH session ended');
            // A dropped operator is disconnected, not left on an empty connection.
            if (reason === 'dropped' && mine.size === 0) connection.end();
          });
        });
      });
    });
    connection.on('error', (err: Error) =>
      this.#log.warn({ originIp, err: err.message }, 'SSH connection error'),
    );
    connection.once('close', () => {
      clearTimeout(grace);
      this.#connections.delete(connection);
      for (const live of mine) void live.operatorDisconnected();
    });
  }
}
