import { BrowserWindow, app, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNELS } from '../shared/ipc';
import { fail } from '../shared/result';
import { KeytarSecretStore, createMainServices, type EventSink, type SaveTarget } from './services';
import { lockNavigation } from './shell/navigation';
import { rendererSource, shellContentSecurityPolicy } from './shell/rendererSource';
import { isTrustedSender } from './shell/senderPolicy';
import { mainWindowOptions } from './shell/windowOptions';

/**
 * The Electron shell: window, security settings and IPC wiring only. Everything else is in
 * ./services, which the browser bridge runs unchanged outside Electron.
 */
const here = dirname(fileURLToPath(import.meta.url));
const preloadFile = join(here, '../preload/index.cjs');
const renderer = rendererSource({
  isPackaged: app.isPackaged,
  devUrl: process.env.ELECTRON_RENDERER_URL,
  file: join(here, '../renderer/index.html'),
});

// Tests give each run its own folder; a packaged app keeps the OS default.
if (!app.isPackaged && process.env.VIGIL_USER_DATA) app.setPath('userData', process.env.VIGIL_USER_DATA);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;

const events: EventSink = (event, payload) => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
};

const saveTarget: SaveTarget = {
  async choose(suggestedName) {
    // The filter follows the export (CSV, asciicast, MP4): a CSV-only filter would rename a video.
    const extension = extname(suggestedName).slice(1);
    const options = {
      defaultPath: join(app.getPath('downloads'), suggestedName),
      filters: [{ name: extension.toUpperCase(), extensions: [extension] }],
    };
    const answer = mainWindow
      ? await dialog.showSaveDialog(mainWindow, options)
      : await dialog.showSaveDialog(options);
    return answer.canceled || !answer.filePath ? null : answer.filePath;
  },
};

function trusted(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSender(
    {
      fromMainWindow: mainWindow !== null && event.sender === mainWindow.webContents,
      frame: frame ? { url: frame.url, isTopFrame: frame.parent === null } : null,
    },
    renderer,
  );
}

function hardenSession(): void {
  const ses = session.defaultSession;
  const policy = shellContentSecurityPolicy(renderer);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] },
    });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

function createWindow(): void {
  const window = new BrowserWindow(mainWindowOptions({ preload: preloadFile, devTools: !app.isPackaged }));
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  if (renderer.kind === 'url') void window.loadURL(renderer.url);
  else void window.loadFile(renderer.path);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => lockNavigation(contents));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(() => {
    const services = createMainServices({
      userDataDir: app.getPath('userData'),
      secrets: new KeytarSecretStore(),
      saveTarget,
      events,
      appInfo: { version: app.getVersion(), platform: process.platform, host: 'electron' },
      gatewayUrl: process.env.VIGIL_GATEWAY_URL,
      reveal: (path) => shell.showItemInFolder(path),
    });
    const { handlers } = services;
    app.on('will-quit', () => services.close());
    for (const channel of IPC_CHANNELS) {
      ipcMain.handle(channel, (event, ...args: unknown[]) =>
        trusted(event)
          ? handlers[channel](...args)
          : fail('UNTRUSTED_SENDER', 'IPC from a frame other than the Vigil window was refused'),
      );
    }
    hardenSession();
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
}
