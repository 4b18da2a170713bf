import type { BrowserWindowConstructorOptions } from 'electron';

export interface MainWindowInputs {
  /** Absolute path of the built preload script. */
  preload: string;
  /** Developer tools only for unpackaged builds. */
  devTools: boolean;
}

/**
 * The one window of the app. The renderer runs sandboxed and isolated from the preload, with no
 * Node in any frame or worker: all it can reach of the main process is the IPC contract.
 */
export function mainWindowOptions({ preload, devTools }: MainWindowInputs): BrowserWindowConstructorOptions {
  return {
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Vigil',
    webPreferences: {
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  };
}
