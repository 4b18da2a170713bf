import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  dialog,
  ipcMain,
  nativeImage,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNELS } from '../shared/ipc';
import { fail } from '../shared/result';
import type { AlertNotification } from '../shared/alertCentre';
import {
  KeytarSecretStore,
  createMainServices,
  type EventSink,
  type MainServices,
  type SaveTarget,
} from './services';
import { TrayCounter } from './services/alerts/tray-counts';
import { trayView, type TrayAction } from './services/alerts/tray';
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

const trayCounter = new TrayCounter({ countLive: () => countLive() });
let countLive: () => Promise<number | null> = () => Promise.resolve(null);

const events: EventSink = (event, payload) => {
  if (event === 'sessions:changed') trayCounter.sessionsChanged();
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(event, payload);
};

/** Brings the window back (restored, shown, focused) and, for an alert, tells the page to open it. */
function showWindow(open?: { alertId: number | null }): void {
  if (!mainWindow) createWindow();
  const window = mainWindow;
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  if (open) events('alerts:open', open);
}

// Kept referenced: a garbage-collected notification no longer reports its click.
const shownNotifications = new Set<Notification>();

function notify(alert: AlertNotification): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: alert.title, body: alert.body, silent: alert.silent });
  shownNotifications.add(notification);
  const forget = () => shownNotifications.delete(notification);
  notification.on('click', () => {
    forget();
    showWindow({ alertId: alert.alertId });
  });
  notification.on('close', forget);
  notification.show();
}

/** The tray / menu-bar icon: live sessions and unread alerts, from the tested trayView. */
function createTray(services: MainServices): void {
  const iconFile = app.isPackaged
    ? join(process.resourcesPath, 'icon.png')
    : join(here, '../../resources/icon.png');
  const image = existsSync(iconFile)
    ? nativeImage.createFromPath(iconFile).resize({ width: 16, height: 16 })
    : nativeImage.createEmpty();
  const tray = new Tray(image);
  const act = (action: TrayAction) => {
    if (action === 'quit') app.quit();
    else showWindow(action === 'alerts' ? { alertId: null } : undefined);
  };
  const render = () => {
    const locale = services.auth.state() ? services.alerts.preferences().locale : 'en';
    const view = trayView(trayCounter.current, locale);
    tray.setTitle(view.title);
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate(
        view.menu.map((item) => ({
          label: item.label,
          enabled: item.enabled,
          click: () => act(item.action),
        })),
      ),
    );
  };
  tray.on('click', () => showWindow());
  trayCounter.onChange(render);
  render();
}

const saveTarget: SaveTarget = {
  async choose(suggestedName) {
    // The filter follows the export (CSV, asciicast, MP4): a CSV-only filter would rename a video.
    // A name without extension is a folder to create (an evidence bundle): no filter then.
    const extension = extname(suggestedName).slice(1);
    const options = {
      defaultPath: join(app.getPath('downloads'), suggestedName),
      filters: extension ? [{ name: extension.toUpperCase(), extensions: [extension] }] : [],
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
      notify,
    });
    countLive = async () => {
      if (!services.auth.state()) return null;
      return (await services.sessions.list({ status: 'live', pageSize: 1 })).total;
    };
    services.alerts.onUnreadChange((unread) => trayCounter.setUnread(unread));
    services.auth.onSessionChange((state) => trayCounter.signedIn(state !== null));
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
    createTray(services);
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });
}
