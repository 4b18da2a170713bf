import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  BRIDGE_IPC_PATH,
  BRIDGE_PROTOCOL,
  BRIDGE_SECRET_HEADER,
  bridgePageUrl,
  secretFromProtocols,
  type BridgePush,
  type BridgeResponse,
} from '../../shared/bridge';
import { IPC_ERROR } from '../../shared/ipc';
import { fail } from '../../shared/result';
import {
  KeytarSecretStore,
  createMainServices,
  isIpcChannel,
  type EventSink,
  type MainServices,
  type SecretStore,
} from '../services';
import { BrowserDownloads } from './downloads';
import { ensurePrivateDir } from './private-dir';
import { securityHeaders, serveRenderer, type Headers } from './static-files';
import { BrowserUploads } from './uploads';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../..');
export const DEFAULT_RENDERER_DIR = join(repoRoot, 'out/renderer');

export interface BridgeHostOptions {
  /** 0 picks a free port. */
  port: number;
  /**
   * Where profiles.json (and exports waiting for the browser to fetch them) are kept; made private
   * to this user (0700). Electron's userData in the desktop app.
   */
  userDataDir: string;
  /** The built renderer; defaults to out/renderer of this repository. */
  rendererDir?: string;
  /** Defaults to the OS keychain through keytar. */
  secretStore?: SecretStore;
  /** Adds a "Local gateway" profile for this URL when none exists. */
  gatewayUrl?: string;
  /** Reuses the secret of an earlier run, so pages it opened keep working; by default a fresh one. */
  secret?: string;
  /** Browser origins besides this host's own that may open the IPC socket (e.g. a Vite dev server). */
  allowedOrigins?: string[];
  timeoutMs?: number;
  /** The largest file the page may hand over for import (default MAX_UPLOAD_BYTES). */
  maxUploadBytes?: number;
}

export interface BridgeHost {
  /** http://127.0.0.1:PORT/ — static files only; the IPC socket also needs the secret. */
  url: string;
  /** The address to open in a browser: `url` with this run's secret in the fragment. */
  appUrl: string;
  /** Random per run; a socket that does not offer it is refused. */
  secret: string;
  port: number;
  services: MainServices;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Runs the desktop app's main-process services in plain Node and serves the renderer to a browser:
 * static files over HTTP and the IPC contract over a WebSocket at /ipc. The socket acts as the
 * logged-in auditor, so it is guarded three ways: bound to 127.0.0.1, only for pages served by this
 * host (an Origin is required, so other web pages cannot open it), and only for a client that
 * offers this run's random secret (so other local processes and users cannot either).
 */
export async function startBridgeHost(options: BridgeHostOptions): Promise<BridgeHost> {
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const userDataDir = ensurePrivateDir(options.userDataDir);
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  if (!/^[\w-]{32,}$/.test(secret))
    throw new Error('The bridge secret must be 32 or more base64url characters');
  const downloads = new BrowserDownloads(join(userDataDir, 'exports'));
  const uploads = new BrowserUploads(join(userDataDir, 'uploads'), options.maxUploadBytes);
  const sockets = new Set<WebSocket>();
  const events: EventSink = (event, payload) => {
    const message = JSON.stringify({ event, payload } satisfies BridgePush);
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(message);
  };
  const services = createMainServices({
    userDataDir,
    secrets: options.secretStore ?? new KeytarSecretStore(),
    saveTarget: downloads,
    events,
    appInfo: { version: packageVersion(), platform: process.platform, host: 'bridge' },
    gatewayUrl: options.gatewayUrl,
    timeoutMs: options.timeoutMs,
    // A browser page cannot open the user's file manager: the page shows the path instead.
    reveal: () => undefined,
  });

  let port = options.port;
  let headers: Headers = securityHeaders(port);
  const server = createServer((req, res) => {
    if (uploads.handles(req)) {
      void uploads.receive(req, res, headers, (r) => originAllowed(r) && secretSent(r, secret));
      return;
    }
    if (!downloads.serve(req, res, headers)) serveRenderer(rendererDir, req, res, headers);
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    handleProtocols: () => BRIDGE_PROTOCOL,
  });
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    return origin !== undefined && [...own, ...(options.allowedOrigins ?? [])].includes(origin);
  };
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    if (path !== BRIDGE_IPC_PATH || !originAllowed(req) || !secretOffered(req, secret)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => void answer(ws, data, services));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  headers = securityHeaders(port);
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/`,
    appUrl: bridgePageUrl(origin, secret),
    secret,
    port,
    services,
    close: async () => {
      services.close();
      downloads.close();
      uploads.close();
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function secretOffered(req: IncomingMessage, secret: string): boolean {
  const offered = secretFromProtocols(
    (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()),
  );
  return offered !== null && sameSecret(offered, secret);
}

/** An HTTP request of the page (an upload) carries the secret in a header instead. */
function secretSent(req: IncomingMessage, secret: string): boolean {
  const sent = req.headers[BRIDGE_SECRET_HEADER];
  return typeof sent === 'string' && sameSecret(sent, secret);
}

/** Compares in constant time, so the answer's timing says nothing about how much of it matched. */
function sameSecret(offered: string, secret: string): boolean {
  const expected = Buffer.from(secret);
  const actual = Buffer.from(offered);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

async function answer(ws: WebSocket, data: RawData, services: MainServices): Promise<void> {
  const reply = (response: BridgeResponse) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response));
  };
  let request: unknown;
  try {
    request = JSON.parse(data.toString());
  } catch {
    return reply({ id: null, result: fail(IPC_ERROR.validation, 'A bridge request must be JSON') });
  }
  const { id, channel, args } = (request ?? {}) as { id?: unknown; channel?: unknown; args?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return reply({ id: null, result: fail(IPC_ERROR.validation, 'A bridge request needs an integer id') });
  }
  if (!isIpcChannel(channel)) {
    const name = typeof channel === 'string' ? channel.slice(0, 100) : typeof channel;
    return reply({ id, result: fail(IPC_ERROR.unknownChannel, `Unknown IPC channel "${name}"`) });
  }
  if (args !== undefined && !Array.isArray(args)) {
    return reply({ id, result: fail(IPC_ERROR.validation, 'The args of a bridge request must be an array') });
  }
  reply({ id, result: await services.handlers[channel](...((args as unknown[] | undefined) ?? [])) });
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
