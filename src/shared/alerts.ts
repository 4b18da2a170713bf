import { Type, type Static } from 'typebox';
import { IsoDateTime } from './api';
import { CRITICALITIES, RULE_ACTIONS } from './rules';

/** What an alert is about; each derives from one audit event. */
export const ALERT_KINDS = [
  'riskyCommand',
  'sessionBlocked',
  'sessionDropped',
  'operatorRefused',
  'watchedTarget',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const literals = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

export const AlertSchema = Type.Object({
  /** The audit event it derives from: also the replay cursor (alerts come in id order). */
  id: Type.Integer(),
  kind: literals(ALERT_KINDS),
  at: IsoDateTime,
  sessionId: Type.Union([Type.Integer(), Type.Null()]),
  /** Whether the session was still live when the alert was made. */
  live: Type.Boolean(),
  /** Milliseconds from the session's start (opens the player there once finished). */
  atMs: Type.Union([Type.Integer(), Type.Null()]),
  operator: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.String(), Type.Null()]),
  /** Who blocked or dropped (someone else than the receiver). */
  actor: Type.Union([Type.String(), Type.Null()]),
  /** For risky commands: the rule and what it decided. */
  rule: Type.Union([
    Type.Object({
      name: Type.String(),
      score: Type.Integer(),
      criticality: literals(CRITICALITIES),
      action: literals(RULE_ACTIONS),
    }),
    Type.Null(),
  ]),
  command: Type.Union([Type.String(), Type.Null()]),
  /** One line a person reads (the notification's body). */
  text: Type.String(),
  /** Delivered on replay after a reconnect rather than as it happened. */
  late: Type.Boolean(),
});
export type Alert = Static<typeof AlertSchema>;

/** Messages of the alerts socket, gateway → app. */
export type AlertServerMessage =
  | { type: 'alert'; alert: Alert }
  /** Sent once after replay: everything up to `cursor` has been delivered. */
  | { type: 'caughtUp'; cursor: number }
  | { type: 'error'; code: string; message: string };

/**
 * Messages of the alerts socket, app → gateway. `watch` replaces the targets (names, as the
 * session list's device) whose session starts this app wants to hear about; none by default.
 */
export type AlertClientMessage = { type: 'watch'; targets: string[] };

/**
 * The alerts socket: `GET /api/v1/alerts/socket?after=ID` upgraded to a WebSocket, authenticated
 * like the session-updates socket (bearer token). Alerts with an id above `after` that were kept
 * (bounded per user) are replayed first, marked `late`, then `caughtUp`, then alerts as they happen.
 */
export const ALERTS_SOCKET_PATH = '/alerts/socket';
