import { BrowserWindow, app, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_CHANNELS } from '../shared/ipc';
import { fail } from '../shared/result';
import { CONTENT_SECURITY_POLICY } from './csp';
import { KeytarSecretStore, createMainServices, type EventSink, type SaveTarget } from './services';

/**
 * The Electron shell: window, security settings and IPC wiring only. Everything else is in
 * ./services, which the browser bridge runs unchanged outside Electron.
 */
const here = dirname(fileURLToPath(import.meta.url));
const preloadFile = join(here, '../preload/index.cjs');
const rendererFile = join(here, '../renderer/index.html');
/** Set by `electron-vite dev` to its dev server. */
const rendererDevUrl = process.env.ELECTRON_RENDERER_URL;

if (process.env.VIGIL_USER_DATA) app.setPath('userData', process.env.VIGIL_USER_DATA);
app.enableSandbox();

let mainWindow: BrowserWindow | null = null;

const events: EventSink = (event, payload) => {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
};

const saveTarget: SaveTarget = {
  async choose(suggestedName) {
    const options = {
      defaultPath: join(app.getPath('downloads'), suggestedName),
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    };
    const answer = mainWindow
      ? await dialog.showSaveDialog(mainWindow, options)
      : await dialog.showSaveDialog(options);
    return answer.canceled || !answer.filePath ? null : answer.filePath;
  },
};

/** Only the top frame of our own window, showing our own page, may call the main process. */
function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  if (!mainWindow || event.sender !== mainWindow.webContents || !frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  if (rendererDevUrl) return url.origin === new URL(rendererDevUrl).origin;
  return url.protocol === 'file:' && url.pathname === pathToFileURL(rendererFile).pathname;
}

function hardenSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Vigil',
    webPreferences: {
      preload: preloadFile,
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
      devTools: !app.isPackaged,
    },
  });
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  if (rendererDevUrl) void window.loadURL(rendererDevUrl);
  else void window.loadFile(rendererFile);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    // The renderer is a single page: it never navigates, opens windows or embeds other pages.
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

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
    });
    const { handlers } = services;
    app.on('will-quit', () => services.close());
    for (const channel of IPC_CHANNELS) {
      ipcMain.handle(channel, (event, ...args: unknown[]) =>
        isTrustedSender(event)
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
