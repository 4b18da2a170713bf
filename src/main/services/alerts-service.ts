import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type WebSocket from 'ws';
import { API_PREFIX } from '../../shared/api';
import type { AlertEntry, AlertNotification, AlertPreferences } from '../../shared/alertCentre';
import {
  ALERTS_SOCKET_PATH,
  AlertSchema,
  type AlertClientMessage,
  type AlertServerMessage,
} from '../../shared/alerts';
import { parseFrame } from '../../shared/live';
import { isWanted, missedNotification, notificationFor } from './alerts/policy';
import { AlertStateStore } from './alerts/state-store';
import type { AuthService } from './auth-service';
import { GatewayError, NotLoggedInError } from './errors';
import type { EventSink } from './events';
import { GatewayPushSocket, type PushAttempt, type PushLogin } from './gateway-push-socket';
import { toBuffer } from './gateway-socket';

export interface AlertsServiceOptions {
  auth: AuthService;
  events: EventSink;
  store: AlertStateStore;
  /**
   * Shows an OS notification in this process (Electron's). Absent, as in the browser bridge, the
   * notification rides along with the 'alerts:alert' event and the page shows it.
   */
  notify?: (notification: AlertNotification) => void;
  now?: () => Date;
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
}

export const ALERTS_PATH = `${API_PREFIX}${ALERTS_SOCKET_PATH}`;
const MAX_ALERT_BYTES = 64 * 1024;

const ServerMessageSchema = Type.Union([
  Type.Object({ type: Type.Literal('alert'), alert: AlertSchema }),
  Type.Object({ type: Type.Literal('caughtUp'), cursor: Type.Integer() }),
  Type.Object({ type: Type.Literal('error'), code: Type.String(), message: Type.String() }),
]);
const isServerMessage = (value: unknown): value is AlertServerMessage =>
  Value.Check(ServerMessageSchema, value);

/**
 * Keeps the alerts socket open while someone is logged in. Each alert the user's preferences want
 * goes into the profile's alert centre (kept on disk with the cursor), then to the renderer as an
 * 'alerts:alert' event with the OS notification it deserves. The socket reconnects with growing
 * delays and asks for what came after the last alert seen, so alerts missed while offline arrive
 * (marked late) on reconnect. A gateway that has no alerts socket (404) is not asked again until
 * the next login; logout, expiry or a changed certificate stop it as they stop session updates.
 */
export class AlertsService {
  private readonly push: GatewayPushSocket;
  private readonly listeners = new Set<(unread: number) => void>();
  private readonly now: () => Date;

  constructor(private readonly options: AlertsServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.push = new GatewayPushSocket({
      auth: options.auth,
      path: ALERTS_PATH,
      maxPayload: MAX_ALERT_BYTES,
      prepare: (login) => this.prepare(login),
      givesUpOn: (error) => error instanceof GatewayError && error.status === 404,
      onLoginChange: (state) => {
        // The login is over: what it left unsaved goes to disk now rather than shortly after.
        options.store.flush();
        this.changed(state === null ? 0 : this.unread());
      },
      retryMinMs: options.retryMinMs,
      retryMaxMs: options.retryMaxMs,
      heartbeatMs: options.heartbeatMs,
    });
  }

  /** Whether the alerts socket is open right now. */
  get connected(): boolean {
    return this.push.connected;
  }

  /** Whether a socket is kept open or will be reopened: false once logged out, expired or given up. */
  get active(): boolean {
    return this.push.active;
  }

  /** The logged-in profile's alert centre, newest first. */
  list(): AlertEntry[] {
    return this.options.store.get(this.profileId()).entries.reverse();
  }

  unread(): number {
    const profileId = this.options.auth.state()?.profileId;
    if (profileId === undefined) return 0;
    return countUnread(this.options.store.get(profileId).entries);
  }

  /** Marks these alerts read (all of them when `ids` is null); answers how many are left unread. */
  markRead(ids: number[] | null): { unread: number } {
    const wanted = ids === null ? null : new Set(ids);
    const state = this.options.store.update(this.profileId(), (current) => {
      for (const entry of current.entries)
        if (wanted === null || wanted.has(entry.alert.id)) entry.read = true;
    });
    const unread = countUnread(state.entries);
    this.changed(unread);
    return { unread };
  }

  preferences(): AlertPreferences {
    return this.options.store.get(this.profileId()).preferences;
  }

  /** Saves the preferences and tells the gateway the new watch list at once. */
  setPreferences(preferences: AlertPreferences): AlertPreferences {
    const watchedTargets = [...new Set(preferences.watchedTargets.map((t) => t.trim()).filter(Boolean))];
    const saved = this.options.store.setPreferences(this.profileId(), { ...preferences, watchedTargets });
    const socket = this.push.socket;
    if (socket) sendWatch(socket, saved.preferences.watchedTargets);
    this.changed(countUnread(saved.entries));
    return saved.preferences;
  }

  /** A removed profile takes its alerts, cursor and preferences along. */
  forgetProfile(profileId: string): void {
    this.options.store.forget(profileId);
  }

  /** Called with the unread count whenever it changes (the tray icon follows it). */
  onUnreadChange(listener: (unread: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.options.store.flush();
    this.push.stop();
  }

  private profileId(): string {
    const profileId = this.options.auth.state()?.profileId;
    if (profileId === undefined) throw new NotLoggedInError();
    return profileId;
  }

  private changed(unread: number): void {
    for (const listener of this.listeners) listener(unread);
  }

  private prepare(login: PushLogin): PushAttempt {
    const { cursor, preferences } = this.options.store.get(login.profileId);
    return {
      // Watched targets go along from the start, so their replayed session starts come too.
      query: {
        after: cursor ?? undefined,
        watch: preferences.watchedTargets.length > 0 ? preferences.watchedTargets.join(',') : undefined,
      },
      onOpen: (socket) => {
        let late = 0;
        socket.on('message', (data, isBinary) => {
          if (isBinary || login.stopped) return;
          const message = parseFrame(toBuffer(data).toString('utf8'), isServerMessage);
          if (message === null) return;
          if (message.type === 'alert') {
            if (this.receive(login, message.alert) && message.alert.late) late += 1;
          } else if (message.type === 'caughtUp') {
            this.caughtUp(login, message.cursor, late);
            late = 0;
          }
        });
        sendWatch(socket, preferences.watchedTargets);
      },
    };
  }

  /** Keeps the alert when wanted and pushes it on; answers whether it entered the centre. */
  private receive(login: PushLogin, alert: AlertEntry['alert']): boolean {
    let added = false;
    const state = this.options.store.update(login.profileId, (current) => {
      // Alerts come in id order: one at or below the cursor was already handled.
      if (current.cursor !== null && alert.id <= current.cursor) return;
      current.cursor = alert.id;
      if (!isWanted(alert, current.preferences)) return;
      added = AlertStateStore.add(current, { alert, read: false });
    });
    if (!added) return false;
    const unread = countUnread(state.entries);
    const notification = notificationFor(alert, state.preferences, this.now());
    this.deliver({ alert, read: false }, unread, notification);
    this.changed(unread);
    return true;
  }

  private caughtUp(login: PushLogin, cursor: number, late: number): void {
    const state = this.options.store.update(login.profileId, (current) => {
      if (current.cursor === null || cursor > current.cursor) current.cursor = cursor;
    });
    const notification = missedNotification(late, state.preferences, this.now());
    if (notification === null) return;
    if (this.options.notify) this.options.notify(notification);
    else this.options.events('alerts:missed', { count: late, notification });
  }

  private deliver(entry: AlertEntry, unread: number, notification: AlertNotification | null): void {
    if (notification !== null && this.options.notify) {
      this.options.notify(notification);
      this.options.events('alerts:alert', { entry, unread, notification: null });
      return;
    }
    this.options.events('alerts:alert', { entry, unread, notification });
  }
}

function countUnread(entries: AlertEntry[]): number {
  return entries.reduce((count, entry) => count + (entry.read ? 0 : 1), 0);
}

function sendWatch(socket: WebSocket, targets: string[]): void {
  const message: AlertClientMessage = { type: 'watch', targets };
  socket.send(JSON.stringify(message));
}
