import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { BRIDGE_IPC_PATH, type BridgePush, type BridgeResponse } from '../../shared/bridge';
import { IPC_ERROR } from '../../shared/ipc';
import { fail } from '../../shared/result';
import {
  DirectorySaveTarget,
  KeytarSecretStore,
  createMainServices,
  isIpcChannel,
  type EventSink,
  type MainServices,
  type SecretStore,
} from '../services';
import { serveRenderer } from './static-files';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../..');
export const DEFAULT_RENDERER_DIR = join(repoRoot, 'out/renderer');

export interface BridgeHostOptions {
  /** 0 picks a free port. */
  port: number;
  /** Where profiles.json is kept (Electron's userData in the desktop app). */
  userDataDir: string;
  /** Where CSV exports are written (the desktop app asks with a save dialog instead). */
  downloadsDir: string;
  /** The built renderer; defaults to out/renderer of this repository. */
  rendererDir?: string;
  /** Defaults to the OS keychain through keytar. */
  secretStore?: SecretStore;
  /** Adds a "Local gateway" profile for this URL when none exists. */
  gatewayUrl?: string;
  /** Browser origins besides this host's own that may open the IPC socket (e.g. a Vite dev server). */
  allowedOrigins?: string[];
  timeoutMs?: number;
}

export interface BridgeHost {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  services: MainServices;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Runs the desktop app's main-process services in plain Node and serves the renderer to a browser:
 * static files over HTTP and the IPC contract over a WebSocket at /ipc. Bound to 127.0.0.1 only,
 * and the socket only accepts pages served by this host (or clients that send no Origin at all),
 * so another web page open in the same browser cannot drive it.
 */
export async function startBridgeHost(options: BridgeHostOptions): Promise<BridgeHost> {
  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  const sockets = new Set<WebSocket>();
  const events: EventSink = (event, payload) => {
    const message = JSON.stringify({ event, payload } satisfies BridgePush);
    for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(message);
  };
  const services = createMainServices({
    userDataDir: options.userDataDir,
    secrets: options.secretStore ?? new KeytarSecretStore(),
    saveTarget: new DirectorySaveTarget(options.downloadsDir),
    events,
    appInfo: { version: packageVersion(), platform: process.platform, host: 'bridge' },
    gatewayUrl: options.gatewayUrl,
    timeoutMs: options.timeoutMs,
  });

  const server = createServer((req, res) => serveRenderer(rendererDir, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  let port = options.port;
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const own = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    return [...own, ...(options.allowedOrigins ?? [])].includes(origin);
  };
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    if (path !== BRIDGE_IPC_PATH || !originAllowed(req)) {
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

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    services,
    close: async () => {
      services.close();
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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
