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
