import { pathToFileURL } from 'node:url';
import type { RendererSource } from './rendererSource';

/** What the shell knows about the frame behind an IPC call. */
export interface IpcSender {
  /** The call came from the webContents of the app's main window. */
  fromMainWindow: boolean;
  /** null when the frame is gone (navigated away or destroyed) by the time the call is handled. */
  frame: { url: string; isTopFrame: boolean } | null;
}

/** Only the top frame of our own window, showing our own page, may call the main process. */
export function isTrustedSender(sender: IpcSender, source: RendererSource): boolean {
  const { frame } = sender;
  if (!sender.fromMainWindow || frame === null || !frame.isTopFrame) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (source.kind === 'url') return url.origin === new URL(source.url).origin;
  return url.protocol === 'file:' && url.pathname === pathToFileURL(source.path).pathname;
}
