import type { IpcEventName, IpcEvents } from './ipc';
import type { Result } from './result';

/**
 * Wire format of the browser bridge: the IPC contract of ipc.ts carried over one local WebSocket,
 * so the renderer runs unchanged in a plain browser (tests, development).
 */
export const BRIDGE_IPC_PATH = '/ipc';

export interface BridgeRequest {
  id: number;
  channel: string;
  args: unknown[];
}

export interface BridgeResponse {
  id: number | null;
  result: Result<unknown>;
}

export interface BridgePush<E extends IpcEventName = IpcEventName> {
  event: E;
  payload: IpcEvents[E];
}

/**
 * Every run of the bridge host makes a random secret and hands it to the browser in the page
 * address (`#bridge=SECRET`: a fragment never reaches a server or a Referer). The page offers it
 * back as a second WebSocket subprotocol, so a process that only knows the port cannot connect.
 */
export const BRIDGE_PROTOCOL = 'vigil-bridge';
export const BRIDGE_SECRET_PARAM = 'bridge';
const SECRET_PROTOCOL_PREFIX = `${BRIDGE_PROTOCOL}.`;

/** The subprotocols a client offers: the host answers with BRIDGE_PROTOCOL, never the secret. */
export function bridgeProtocols(secret: string): [string, string] {
  return [BRIDGE_PROTOCOL, `${SECRET_PROTOCOL_PREFIX}${secret}`];
}

/** The secret among offered subprotocols, or null. */
export function secretFromProtocols(offered: Iterable<string>): string | null {
  for (const protocol of offered) {
    if (protocol.startsWith(SECRET_PROTOCOL_PREFIX)) return protocol.slice(SECRET_PROTOCOL_PREFIX.length);
  }
  return null;
}

/** The page address the bridge host prints: its own origin, with the secret in the fragment. */
export function bridgePageUrl(origin: string, secret: string): string {
  return `${origin}/#${BRIDGE_SECRET_PARAM}=${encodeURIComponent(secret)}`;
}

/** The secret in a page address's fragment (`#bridge=…`), or null. */
export function secretFromFragment(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get(BRIDGE_SECRET_PARAM);
}

/** Where the bridge host serves an exported file once to the page that asked for it. */
export const BRIDGE_DOWNLOAD_PATH = '/downloads/';

/**
 * Where the page hands the bridge host a file the user picked or dropped (a browser page has no
 * file paths): POST the bytes with this run's secret in BRIDGE_SECRET_HEADER and the file's name,
 * URI-encoded, in BRIDGE_FILE_NAME_HEADER. The answer is a Result with the path the host keeps it at.
 */
export const BRIDGE_UPLOAD_PATH = '/uploads';
export const BRIDGE_SECRET_HEADER = 'x-vigil-bridge-secret';
export const BRIDGE_FILE_NAME_HEADER = 'x-vigil-file-name';
