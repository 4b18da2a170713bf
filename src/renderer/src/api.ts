import type {
  GatewayProfile,
  IpcArgs,
  IpcChannel,
  IpcEventName,
  IpcEvents,
  IpcValue,
  LoginInput,
  ProfileInput,
  VigilApi,
} from '../../shared/ipc';
import { IPC_ERROR } from '../../shared/ipc';
import type { SessionQuery } from '../../shared/api';
import { fail, type Result } from '../../shared/result';
import { createBridgeApi } from './bridge/transport';

/**
 * The only module that touches `window.vigil`. Inside Electron the preload provides it; in a plain
 * browser (end-to-end tests, development) it is absent and the WebSocket bridge speaks the same
 * contract. It is looked up on every call rather than once, so unit tests can inject a fake.
 */
let bridge: VigilApi | null = null;

function vigil(): VigilApi {
  if (window.vigil) return window.vigil;
  bridge ??= createBridgeApi();
  return bridge;
}

/** Calls a channel; a transport that throws (closed socket, torn-down IPC) still yields a Result. */
export async function invoke<C extends IpcChannel>(
  channel: C,
  ...args: IpcArgs<C>
): Promise<Result<IpcValue<C>>> {
  try {
    return await vigil().invoke(channel, ...args);
  } catch (error) {
    return fail(IPC_ERROR.network, error instanceof Error ? error.message : String(error));
  }
}

export function onEvent<E extends IpcEventName>(
  event: E,
  listener: (payload: IpcEvents[E]) => void,
): () => void {
  return vigil().on(event, listener);
}

export const api = {
  appInfo: () => invoke('app:info'),
  listProfiles: () => invoke('profiles:list'),
  saveProfile: (input: ProfileInput) => invoke('profiles:save', input),
  removeProfile: (profileId: GatewayProfile['id']) => invoke('profiles:remove', profileId),
  forgetCertificate: (profileId: GatewayProfile['id']) => invoke('profiles:forgetCertificate', profileId),
  login: (input: LoginInput) => invoke('auth:login', input),
  resume: (profileId: GatewayProfile['id']) => invoke('auth:resume', profileId),
  logout: () => invoke('auth:logout'),
  authState: () => invoke('auth:state'),
  listSessions: (query: SessionQuery) => invoke('sessions:list', query),
  getSession: (sessionId: number) => invoke('sessions:get', sessionId),
  exportCsv: (query: SessionQuery) => invoke('sessions:exportCsv', query),
  setPreventPurge: (sessionId: number, justification: string) =>
    invoke('sessions:setPreventPurge', { sessionId, justification }),
  clearPreventPurge: (sessionId: number, justification: string) =>
    invoke('sessions:clearPreventPurge', { sessionId, justification }),
  getAuditors: (sessionId: number) => invoke('sessions:getAuditors', sessionId),
  setAuditors: (sessionId: number, userIds: number[]) =>
    invoke('sessions:setAuditors', { sessionId, userIds }),
  listUsers: () => invoke('users:list'),
};
