import type {
  IpcArgs,
  IpcChannel,
  IpcEventName,
  IpcEvents,
  IpcValue,
  VigilApi,
} from '../../../src/shared/ipc';
import { fail, ok, type Result } from '../../../src/shared/result';

/**
 * A VigilApi object injected as `window.vigil`: the seam the renderer has for unit tests (the
 * end-to-end suite drives the real main-process services through the bridge instead).
 */
export type Handler<C extends IpcChannel> = (
  ...args: IpcArgs<C>
) => Result<IpcValue<C>> | Promise<Result<IpcValue<C>>>;
export type Handlers = { [C in IpcChannel]?: Handler<C> };

export interface Call {
  channel: IpcChannel;
  args: unknown[];
}

export interface FakeVigil {
  api: VigilApi;
  handlers: Handlers;
  calls: Call[];
  /** Arguments of every call made to one channel, oldest first. */
  argsOf<C extends IpcChannel>(channel: C): IpcArgs<C>[];
  emit<E extends IpcEventName>(event: E, payload: IpcEvents[E]): void;
  listenerCount(event: IpcEventName): number;
}

export function createFakeVigil(handlers: Handlers = {}): FakeVigil {
  const calls: Call[] = [];
  const listeners = new Map<IpcEventName, Set<(payload: unknown) => void>>();

  async function invoke<C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<Result<IpcValue<C>>> {
    calls.push({ channel, args });
    const handler = handlers[channel] as Handler<C> | undefined;
    if (!handler) return fail('UNKNOWN_CHANNEL', `The fake has no handler for ${channel}`);
    return handler(...args);
  }

  const api: VigilApi = {
    invoke,
    // As the desktop app answers for a picked file: its path (here a made-up one, from its name).
    filePath: async (file) => ok(`/picked/${(file as File).name}`),
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const entry = listener as (payload: unknown) => void;
      set.add(entry);
      return () => set.delete(entry);
    },
  };

  return {
    api,
    handlers,
    calls,
    argsOf: <C extends IpcChannel>(channel: C) =>
      calls.filter((c) => c.channel === channel).map((c) => c.args as IpcArgs<C>),
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    listenerCount: (event) => listeners.get(event)?.size ?? 0,
  };
}

export function installFakeVigil(handlers: Handlers = {}): FakeVigil {
  const fake = createFakeVigil(handlers);
  window.vigil = fake.api;
  return fake;
}
