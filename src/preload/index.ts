import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, IPC_ERROR, IPC_EVENTS, type VigilApi } from '../shared/ipc';
import { fail, ok } from '../shared/result';

/**
 * Exposes exactly the IPC contract as `window.vigil`: no ipcRenderer, no Node, only the listed
 * channels and events. Listeners never receive Electron's event object.
 */
const channels: ReadonlySet<string> = new Set(IPC_CHANNELS);
const events: ReadonlySet<string> = new Set(IPC_EVENTS);

const api: VigilApi = {
  invoke(channel, ...args) {
    if (!channels.has(channel)) {
      return Promise.resolve(fail(IPC_ERROR.unknownChannel, `Unknown IPC channel "${String(channel)}"`));
    }
    return ipcRenderer
      .invoke(channel, ...args)
      .catch((error: unknown) =>
        fail(
          IPC_ERROR.internal,
          `IPC ${channel} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
  },
  on(event, listener) {
    if (!events.has(event)) throw new Error(`Unknown IPC event "${String(event)}"`);
    const forward = (_event: IpcRendererEvent, payload: Parameters<typeof listener>[0]) => listener(payload);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
  // Only a File the user picked or dropped has a path; the renderer itself never learns others.
  filePath(file) {
    try {
      const path = webUtils.getPathForFile(file as File);
      return Promise.resolve(
        path === '' ? fail(IPC_ERROR.validation, 'This file has no path on this computer') : ok(path),
      );
    } catch (error) {
      return Promise.resolve(
        fail(IPC_ERROR.validation, error instanceof Error ? error.message : String(error)),
      );
    }
  },
};

contextBridge.exposeInMainWorld('vigil', api);
