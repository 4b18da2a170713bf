import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Me } from '../../../src/shared/api';
import { json, type TlsIdentity } from './tls-server';

export const ME: Me = {
  id: 1,
  login: 'ana',
  name: 'Ana Auditor',
  roles: ['PAM Administrator'],
  permissions: ['PAM.SessionManagement.Livestream', 'PAM.SessionManagement.Drop'],
};

export interface UpgradeSeen {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface ViewerSocket {
  ws: WebSocket;
  sessionId: number;
  /** Messages the viewer sent (a read-only viewer sends none). */
  received: Buffer[];
}

/**
 * A real HTTPS + WebSocket server speaking the gateway's live contract:
 * login, single-use live tickets, the live socket and the session-updates socket. It stands in for
 * the gateway where a test needs to script frames or misbehave on purpose (a dead peer, a refused
 * upgrade); the real gateway is driven by live-gateway.test.ts.
 */
export class LiveGatewayServer {
  token = `tok-${randomBytes(8).toString('hex')}`;
  readonly tickets = new Map<string, number>();
  readonly ticketRequests: { sessionId: number; authorization: string | undefined }[] = [];
  readonly upgrades: UpgradeSeen[] = [];
  readonly viewers: ViewerSocket[] = [];
  readonly updateSockets: WebSocket[] = [];
  tcpConnections = 0;
  /** Runs for each accepted live socket (send the snapshot, frames, close…). */
  onViewer: (viewer: ViewerSocket) => void = (viewer) => sendSnapshot(viewer.ws);
  /** Answers an upgrade with an HTTP status instead of accepting it. */
  refuseUpgrade: ((seen: UpgradeSeen) => { status: number; code: string; message: string } | null) | null =
    null;
  /** Sends the upgrade answer and what onViewer sends at once in one TCP write. */
  sendWithUpgrade = false;
  private server: Server | null = null;
  private wss: WebSocketServer;
  private readonly sockets = new Set<Socket>();

  constructor(
    private identity: TlsIdentity,
    options: { autoPong?: boolean } = {},
  ) {
    this.wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  /** `port` reuses a port, as a gateway restarted behind the same profile URL. */
  async start(port = 0): Promise<this> {
    const server = createServer({ key: this.identity.key, cert: this.identity.cert }, (req, res) =>
      this.handle(req, res),
    );
    server.on('connection', (socket: Socket) => {
      this.tcpConnections += 1;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://gateway');
      if (req.method === 'POST' && url.pathname === '/api/v1/auth/login') {
        return json(res, 200, {
          token: this.token,
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          user: ME,
        });
      }
      if (req.method === 'POST' && url.pathname === '/api/v1/auth/logout') return json(res, 200, {});
      const ticketPath = /^\/api\/v1\/sessions\/(\d+)\/live-ticket$/.exec(url.pathname);
      if (req.method === 'POST' && ticketPath) {
        const sessionId = Number(ticketPath[1]);
        this.ticketRequests.push({ sessionId, authorization: req.headers.authorization });
        if (req.headers.authorization !== `Bearer ${this.token}`) {
          return json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'Invalid token' } });
        }
        const ticket = randomBytes(16).toString('hex');
        this.tickets.set(ticket, sessionId);
        return json(res, 200, { ticket, expiresAt: new Date(Date.now() + 30_000).toISOString() });
      }
      json(res, 404, { error: { code: 'NOT_FOUND', message: `No route ${req.method} ${url.pathname}` } });
    });
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'https://gateway');
    const seen: UpgradeSeen = {
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
    };
    this.upgrades.push(seen);
    const refuse = (status: number, code: string, message: string) => {
      const body = JSON.stringify({ error: { code, message } });
      socket.end(
        `HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    const refusal = this.refuseUpgrade?.(seen) ?? null;
    if (refusal) return refuse(refusal.status, refusal.code, refusal.message);
    if (url.pathname === '/api/v1/sessions/updates') {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        return refuse(401, 'UNAUTHORIZED', 'Invalid token');
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.updateSockets.push(ws));
      return;
    }
    const live = /^\/api\/v1\/sessions\/(\d+)\/live$/.exec(url.pathname);
    if (!live) return refuse(404, 'NOT_FOUND', 'No such socket');
    const ticket = url.searchParams.get('ticket') ?? '';
    const sessionId = Number(live[1]);
    const valid = this.tickets.get(ticket) === sessionId;
    this.tickets.delete(ticket);
    // Corked, the upgrade answer and the first frames leave in one write, as a busy gateway's do.
    if (this.sendWithUpgrade) socket.cork();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.sendWithUpgrade) process.nextTick(() => socket.uncork());
      if (!valid) {
        ws.close(4401, 'Invalid or used ticket');
        return;
      }
      const viewer: ViewerSocket = { ws, sessionId, received: [] };
      ws.on('message', (data: Buffer) => viewer.received.push(data));
      this.viewers.push(viewer);
      this.onViewer(viewer);
    });
  }
}

export function sendSnapshot(ws: WebSocket, overrides: Record<string, unknown> = {}): void {
  ws.send(
    JSON.stringify({
      type: 'snapshot',
      cols: 80,
      rows: 24,
      screen: '\u001b[1mroot@web-001\u001b[0m:~# ',
      blocked: false,
      startedAt: '2026-01-01T10:00:00.000Z',
      ...overrides,
    }),
  );
}
