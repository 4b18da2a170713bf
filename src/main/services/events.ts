import type { IpcEventName, IpcEvents } from '../../shared/ipc';

/** Pushes an event to the renderer: webContents.send in Electron, a WebSocket message in the bridge. */
export type EventSink = <E extends IpcEventName>(event: E, payload: IpcEvents[E]) => void;
