import {
  BRIDGE_FILE_NAME_HEADER,
  BRIDGE_IPC_PATH,
  BRIDGE_SECRET_HEADER,
  BRIDGE_UPLOAD_PATH,
  bridgeProtocols,
  secretFromFragment,
  type BridgeRequest,
} from '@shared/bridge';
import {
  IPC_ERROR,
  IPC_EVENTS,
  type IpcArgs,
  type IpcChannel,
  type IpcValue,
  type VigilApi,
} from '@shared/ipc';
import { fail, type Result } from '@shared/result';

/** The IPC contract over the bridge host's WebSocket, for a renderer running outside Electron. */
export interface BridgeApi extends VigilApi {
  /** Stops reconnecting and closes the socket; calls still waiting resolve with a NETWORK error. */
  close(): void;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const knownEvents: ReadonlySet<string> = new Set(IPC_EVENTS);

/** Where the bridge host listens, and the secret of its run that opens the socket. */
export interface BridgeEndpoint {
  url: string;
  secret: string;
}

/**
 * ws(s)://<this page's host>/ipc — the bridge host serves both the page and the socket — with the
 * secret from the address the host printed (`#bridge=…`).
 */
export function pageEndpoint(): BridgeEndpoint {
  const { location } = globalThis as { location?: { protocol: string; host: string; hash: string } };
  if (!location) throw new Error('createBridgeApi needs an endpoint outside a browser page');
  const secret = secretFromFragment(location.hash);
  if (secret === null) {
    throw new Error('Open the Vigil bridge at the address it printed: it ends with #bridge=… (a secret)');
  }
  return {
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BRIDGE_IPC_PATH}`,
    secret,
  };
}

/**
 * One socket, opened at once and reopened with backoff when it drops, so pushed events keep
 * arriving. A call made while it is down waits for the next connection attempt; calls in flight
 * when it drops resolve with a NETWORK error (their outcome on the host is unknown).
 */
export function createBridgeApi({ url, secret }: BridgeEndpoint = pageEndpoint()): BridgeApi {
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let connecting: Promise<WebSocket> | null = null;
  let socket: WebSocket | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let nextId = 1;
  let stopped = false;

  const failPending = (message: string) => {
    const waiting = [...pending.values()];
    pending.clear();
    for (const resolve of waiting) resolve(fail(IPC_ERROR.network, message));
  };

  const scheduleReconnect = () => {
    if (stopped || retry !== null) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures);
    failures += 1;
    retry = setTimeout(() => {
      retry = null;
      connect().catch(() => undefined);
    }, delay);
  };

  const receive = (data: unknown) => {
    let message: { id?: unknown; result?: unknown; event?: unknown; payload?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      return;
    }
    if (typeof message.id === 'number') {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      resolve?.(
        isResult(message.result) ? message.result : fail(IPC_ERROR.internal, 'Malformed bridge answer'),
      );
    } else if (typeof message.event === 'string' && knownEvents.has(message.event)) {
      for (const listener of listeners.get(message.event) ?? []) listener(message.payload);
    }
  };

  function connect(): Promise<WebSocket> {
    if (stopped) return Promise.reject(new Error('The bridge connection was closed'));
    connecting ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, bridgeProtocols(secret));
      socket = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        failures = 0;
        resolve(ws);
      };
      ws.onmessage = (message) => receive(message.data);
      ws.onclose = () => {
        if (socket === ws) socket = null;
        connecting = null;
        if (!opened) reject(new Error(`Cannot reach the Vigil bridge at ${url}`));
        failPending('The connection to the Vigil bridge was lost');
        scheduleReconnect();
      };
    });
    return connecting;
  }

  connect().catch(() => undefined);

  return {
    async invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<Result<IpcValue<C>>> {
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch (error) {
        return fail(IPC_ERROR.network, error instanceof Error ? error.message : String(error));
      }
      if (ws.readyState !== ws.OPEN)
        return fail(IPC_ERROR.network, 'The connection to the Vigil bridge was lost');
      const id = nextId++;
      const request: BridgeRequest = { id, channel, args };
      return new Promise((resolve) => {
        pending.set(id, resolve as (result: Result<unknown>) => void);
        ws.send(JSON.stringify(request));
      });
    },
    filePath: (file) => upload(url, secret, file),
    on(event, listener) {
      if (!knownEvents.has(event)) throw new Error(`Unknown IPC event "${String(event)}"`);
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    close() {
      stopped = true;
      if (retry !== null) clearTimeout(retry);
      retry = null;
      socket?.close();
      failPending('The connection to the Vigil bridge was closed');
    },
  };
}

/** Hands the file to the bridge host (same origin as the socket), which answers where it keeps it. */
async function upload(socketUrl: string, secret: string, file: Blob): Promise<Result<string>> {
  const target = new URL(socketUrl);
  target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  target.pathname = BRIDGE_UPLOAD_PATH;
  const name = (file as Blob & { name?: unknown }).name;
  try {
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        [BRIDGE_SECRET_HEADER]: secret,
        [BRIDGE_FILE_NAME_HEADER]: encodeURIComponent(typeof name === 'string' ? name : 'file'),
      },
      body: file,
    });
    const answer: unknown = await response.json().catch(() => null);
    if (isResult(answer)) return answer as Result<string>;
    return fail(IPC_ERROR.network, `The Vigil bridge refused the file (HTTP ${response.status})`);
  } catch (error) {
    return fail(IPC_ERROR.network, error instanceof Error ? error.message : String(error));
  }
}

function isResult(value: unknown): value is Result<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}
