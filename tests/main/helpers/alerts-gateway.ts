import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Alert, AlertClientMessage, AlertServerMessage } from '../../../src/shared/alerts';
import { ME } from './live-gateway';
import { json, type TlsIdentity } from './tls-server';

export interface AlertSocket {
  ws: WebSocket;
  after: string | null;
  authorization: string | undefined;
  received: AlertClientMessage[];
}

/**
 * A real HTTPS + WebSocket server speaking the gateway's alerts contract (login and the alerts
 * socket), for scripting what the gateway pushes; the real gateway is driven by the e2e suite.
 */
export class AlertsGatewayServer {
  readonly token = `tok-${randomBytes(8).toString('hex')}`;
  readonly sockets: AlertSocket[] = [];
  /** Answers the alerts upgrade with this status instead of accepting it. */
  refuseWith: number | null = null;
  private server: Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Socket>();

  constructor(private readonly identity: TlsIdentity) {}

  get url(): string {
    return `https://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  get last(): AlertSocket | undefined {
    return this.sockets.at(-1);
  }

  async start(): Promise<this> {
    const server = createServer({ key: this.identity.key, cert: this.identity.cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/api/v1/auth/login') {
          return json(res, 200, {
            token: this.token,
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
            user: ME,
          });
        }
        if (req.method === 'POST' && req.url === '/api/v1/auth/logout') return json(res, 200, {});
        json(res, 404, { error: { code: 'NOT_FOUND', message: 'No route' } });
      });
    });
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  send(message: AlertServerMessage, to: AlertSocket | undefined = this.last): void {
    if (!to) throw new Error('No alerts socket is open');
    to.ws.send(JSON.stringify(message));
  }

  /** Drops every open alerts socket as a network failure would. */
  dropAll(): void {
    for (const socket of this.sockets) socket.ws.terminate();
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.connections) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://gateway');
    const refuse = (status: number, code: string) => {
      const body = JSON.stringify({ error: { code, message: code } });
      socket.end(
        `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== '/api/v1/alerts/socket') return refuse(404, 'NOT_FOUND');
    if (this.refuseWith !== null) return refuse(this.refuseWith, 'REFUSED');
    if (req.headers.authorization !== `Bearer ${this.token}`) return refuse(401, 'UNAUTHORIZED');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const seen: AlertSocket = {
        ws,
        after: url.searchParams.get('after'),
        authorization: req.headers.authorization,
        received: [],
      };
      ws.on('message', (data: Buffer) =>
        seen.received.push(JSON.parse(data.toString('utf8')) as AlertClientMessage),
      );
      this.sockets.push(seen);
    });
  }
}

/** An alert as the gateway would push it; the overrides name what a test is about. */
export function makeAlert(id: number, overrides: Partial<Alert> = {}): Alert {
  const alert = {
    id,
    kind: 'riskyCommand',
    at: '2026-01-01T10:00:00.000Z',
    sessionId: 7,
    live: true,
    atMs: 1_500,
    operator: 'olga',
    target: 'web-001',
    actor: null,
    rule: { name: 'wipe', score: 90, criticality: 'critical', action: 'allow' },
    command: 'rm -rf /var/www',
    text: 'olga typed "rm -rf /var/www" on web-001 (rule wipe, critical)',
    late: false,
    ...overrides,
  };
  return alert as Alert;
}
