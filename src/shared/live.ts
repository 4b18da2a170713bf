import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { IsoDateTime } from './api';
import type { Same } from './sameType';

/**
 * Wire protocol of the Live Stream WebSocket (`/api/v1/sessions/:id/live?ticket=…`) and of
 * the session-updates push. Terminal output travels as binary frames (the raw bytes the target sent),
 * a remote desktop's as encoded rectangles;
 * everything else is a JSON text frame of the types below. Viewers are read-only: the gateway ignores
 * whatever a viewer sends and closes the socket if it keeps sending.
 */
export type LiveServerMessage =
  /** First message: the current screen, so a late joiner sees what the operator sees. */
  | { type: 'snapshot'; cols: number; rows: number; screen: string; blocked: boolean; startedAt: string }
  /**
   * First message of a remote desktop: its size; the screen itself follows as a binary `screen`
   * frame, then rectangles as binary frames (src/shared/rdpWire.ts).
   */
  | { type: 'snapshot'; kind: 'raster'; width: number; height: number; blocked: boolean; startedAt: string }
  | { type: 'resize'; cols: number; rows: number }
  | { type: 'interactivity'; blocked: boolean; by: string; at: string }
  /** The session ended (terminated, dropped or failed); the socket closes right after. */
  | { type: 'ended'; reason: 'terminated' | 'dropped' | 'failed'; at: string; message: string | null };

/** Close codes the live socket uses besides 1000. */
export const LIVE_CLOSE = {
  badTicket: 4401,
  forbidden: 4403,
  notLive: 4409,
} as const;

/** Pushed on `/api/v1/sessions/updates` whenever a session row changes (start, block, end…). */
export interface SessionUpdate {
  type: 'session';
  sessionId: number;
  change: 'started' | 'updated' | 'finished';
}

/**
 * Runtime schemas of the messages above: a client checks what the gateway sends before it relays
 * it, like every HTTPS answer.
 */
const Size = Type.Integer({ minimum: 1, maximum: 10_000 });

export const LiveServerMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('snapshot'),
    cols: Size,
    rows: Size,
    screen: Type.String(),
    blocked: Type.Boolean(),
    startedAt: IsoDateTime,
  }),
  Type.Object({
    type: Type.Literal('snapshot'),
    kind: Type.Literal('raster'),
    width: Size,
    height: Size,
    blocked: Type.Boolean(),
    startedAt: IsoDateTime,
  }),
  Type.Object({ type: Type.Literal('resize'), cols: Size, rows: Size }),
  Type.Object({
    type: Type.Literal('interactivity'),
    blocked: Type.Boolean(),
    by: Type.String(),
    at: IsoDateTime,
  }),
  Type.Object({
    type: Type.Literal('ended'),
    reason: Type.Union([Type.Literal('terminated'), Type.Literal('dropped'), Type.Literal('failed')]),
    at: IsoDateTime,
    message: Type.Union([Type.String(), Type.Null()]),
  }),
]);

export const SessionUpdateSchema = Type.Object({
  type: Type.Literal('session'),
  sessionId: Type.Integer({ minimum: 1 }),
  change: Type.Union([Type.Literal('started'), Type.Literal('updated'), Type.Literal('finished')]),
});

const liveMessageMatches: Same<Static<typeof LiveServerMessageSchema>, LiveServerMessage> = true;
const sessionUpdateMatches: Same<Static<typeof SessionUpdateSchema>, SessionUpdate> = true;
void [liveMessageMatches, sessionUpdateMatches];

export const isLiveServerMessage = (value: unknown): value is LiveServerMessage =>
  Value.Check(LiveServerMessageSchema, value);

export const isSessionUpdate = (value: unknown): value is SessionUpdate =>
  Value.Check(SessionUpdateSchema, value);

/** Parses a JSON text frame; null when it is not JSON or not a message of the schema. */
export function parseFrame<T>(text: string, check: (value: unknown) => value is T): T | null {
  try {
    const value: unknown = JSON.parse(text);
    return check(value) ? value : null;
  } catch {
    return null;
  }
}
