import type { RawData, WebSocket } from 'ws';
import type { Alert, AlertServerMessage } from '../../../shared/alerts';
import { LIVE_CLOSE } from '../../../shared/live';
import type { AsyncStore } from '../../db/asyncStore';
import type { AlertEventRecord } from '../../db/rows/alertEvents';
import type { Caller } from '../../services/caller';
import type { IdentityService } from '../../services/identity';
import type { Clock } from '../../time';
import { closeWith, pushOnly } from '../socketPolicy';
import { AlertAudience, type AlertReceiver } from './alertAudience';
import type { AlertFeed, AlertListener } from './alertFeed';
import { parseWatch } from './watchMessage';
import { alertKindOf, toAlert } from './toAlert';

/** A subscriber this far behind is closed (1013); it reconnects with its cursor and catches up. */
const MAX_BUFFERED_BYTES = 256 * 1024;

export interface AlertReplayLimits {
  /** Alerts older than this are not replayed. */
  windowMs: number;
  /** At most this many alerts are replayed to one app (the newest ones). */
  maxAlerts: number;
  /** Events read per query while replaying. */
  chunk: number;
}

export const DEFAULT_ALERT_REPLAY: AlertReplayLimits = {
  windowMs: 7 * 86_400_000,
  maxAlerts: 500,
  chunk: 500,
};

interface Subscriber {
  ws: WebSocket;
  tokenHash: string;
  originIp: string | null;
  watched: Set<string>;
  /** The last event id this app was sent or passed over. */
  cursor: number;
  /** Feed batches that arrive while the replay runs, sent after it. */
  held: AlertEventRecord[] | null;
  /** The pushes in flight: each waits for the one before, so alerts arrive in id order. */
  sending: Promise<void>;
  listener: AlertListener;
}

/**
 * `/alerts/socket`: one push channel per logged-in app. Alerts derive from the audit events the
 * feed reads; each is checked against the subscriber's current login and permissions before it
 * goes out, so a user who lost access gets nothing more (and a subscriber whose login ended is
 * closed). On connect, what the app missed since its cursor is replayed first, marked late.
 */
export class AlertSockets {
  readonly #subscribers = new Set<Subscriber>();
  readonly #audience: AlertAudience;

  constructor(
    private readonly feed: AlertFeed,
    private readonly store: Pick<AsyncStore, 'alertEvents' | 'auditors'>,
    private readonly identity: IdentityService,
    private readonly clock: Clock,
    private readonly limits: AlertReplayLimits = DEFAULT_ALERT_REPLAY,
  ) {
    this.#audience = new AlertAudience(store);
  }

  /** Serves one app: replays what it missed after `after` (when given), then alerts as they come. */
  async subscribe(
    ws: WebSocket,
    caller: Caller,
    after: number | null,
    watch: readonly string[],
  ): Promise<void> {
    pushOnly(ws);
    const subscriber: Subscriber = {
      ws,
      tokenHash: caller.tokenHash,
      originIp: caller.originIp,
      watched: new Set(watch.map((t) => t.toLowerCase())),
      cursor: 0,
      held: [],
      sending: Promise.resolve(),
      listener: (records) => this.onRecords(subscriber, records),
    };
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(subscriber, data, isBinary));
    this.#subscribers.add(subscriber);
    ws.on('close', () => {
      this.#subscribers.delete(subscriber);
      this.feed.unlisten(subscriber.listener);
    });
    const started = await this.feed.listen(subscriber.listener);
    if (ws.readyState !== ws.OPEN) {
      this.feed.unlisten(subscriber.listener);
      return;
    }
    let cursor = started;
    if (after !== null) cursor = await this.replay(subscriber, caller, after);
    subscriber.cursor = cursor;
    this.send(subscriber, { type: 'caughtUp', cursor });
    const held = subscriber.held ?? [];
    subscriber.held = null;
    if (held.length > 0) this.enqueue(subscriber, held);
  }

  get size(): number {
    return this.#subscribers.size;
  }

  /** Closes the subscribers whose login ended (logout, disabled user) without waiting for an alert. */
  async recheck(): Promise<void> {
    for (const subscriber of [...this.#subscribers]) {
      if ((await this.identity.authenticateHash(subscriber.tokenHash, subscriber.originIp)) === null)
        closeWith(subscriber.ws, LIVE_CLOSE.badTicket, 'The login ended: log in again');
    }
  }

  dispose(): void {
    for (const subscriber of this.#subscribers) this.feed.unlisten(subscriber.listener);
    this.#subscribers.clear();
  }

  /** The newest alerts after `after` this user may see, within the limits, oldest first; returns the cursor. */
  private async replay(subscriber: Subscriber, caller: Caller, after: number): Promise<number> {
    const latest = await this.store.alertEvents.latestId();
    const since = this.clock() - this.limits.windowMs;
    const receiver = this.receiver(subscriber, caller);
    const kept: Alert[] = [];
    let before = latest + 1;
    while (kept.length < this.limits.maxAlerts && before > after + 1) {
      const records = await this.store.alertEvents.range({ after, before, since }, 'DESC', this.limits.chunk);
      for (const record of records) {
        const kind = alertKindOf(record);
        if (kind === null || !(await this.#audience.admits(receiver, record, kind))) continue;
        kept.push(toAlert(record, kind, true));
        if (kept.length === this.limits.maxAlerts) break;
      }
      if (records.length < this.limits.chunk) break;
      before = records[records.length - 1]!.id;
    }
    for (const alert of kept.reverse()) this.send(subscriber, { type: 'alert', alert });
    return Math.max(latest, after);
  }

  private onRecords(subscriber: Subscriber, records: readonly AlertEventRecord[]): void {
    if (subscriber.held !== null) subscriber.held.push(...records);
    else this.enqueue(subscriber, records);
  }

  private enqueue(subscriber: Subscriber, records: readonly AlertEventRecord[]): void {
    subscriber.sending = subscriber.sending.then(() => this.push(subscriber, records));
  }

  private async push(subscriber: Subscriber, records: readonly AlertEventRecord[]): Promise<void> {
    const { ws } = subscriber;
    const fresh = records.filter((r) => r.id > subscriber.cursor);
    if (ws.readyState !== ws.OPEN || fresh.length === 0) return;
    subscriber.cursor = fresh[fresh.length - 1]!.id;
    try {
      const candidates = fresh.flatMap((record) => {
        const kind = alertKindOf(record);
        return kind === null ? [] : [{ record, kind }];
      });
      if (candidates.length === 0) return;
      const caller = await this.identity.authenticateHash(subscriber.tokenHash, subscriber.originIp);
      if (caller === null) {
        closeWith(ws, LIVE_CLOSE.badTicket, 'The login ended: log in again');
        return;
      }
      const receiver = this.receiver(subscriber, caller);
      for (const { record, kind } of candidates) {
        if (!(await this.#audience.admits(receiver, record, kind))) continue;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          closeWith(ws, 1013, 'Too far behind: reconnect with your cursor');
          return;
        }
        this.send(subscriber, { type: 'alert', alert: toAlert(record, kind, false) });
      }
    } catch {
      // Whatever failed here must not reach the feed that read the events.
      closeWith(ws, 1011, 'Internal error');
    }
  }

  private receiver(subscriber: Subscriber, caller: Caller): AlertReceiver {
    return { userId: caller.userId, principal: caller.principal, watched: subscriber.watched };
  }

  private onMessage(subscriber: Subscriber, data: RawData, isBinary: boolean): void {
    const watch = isBinary ? null : parseWatch(rawText(data));
    if (typeof watch === 'string') {
      this.send(subscriber, { type: 'error', code: 'BAD_MESSAGE', message: watch });
      return;
    }
    if (watch === null) {
      this.send(subscriber, { type: 'error', code: 'BAD_MESSAGE', message: 'Send JSON text messages' });
      return;
    }
    subscriber.watched = new Set(watch.targets.map((t) => t.toLowerCase()));
  }

  private send(subscriber: Subscriber, message: AlertServerMessage): void {
    if (subscriber.ws.readyState === subscriber.ws.OPEN) subscriber.ws.send(JSON.stringify(message));
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
