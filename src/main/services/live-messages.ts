import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { IsoDateTime } from '../../shared/api';
import type { LiveServerMessage, SessionUpdate } from '../../shared/live';

/**
 * Runtime schemas of the gateway's socket messages (shared/live.ts declares their types): what
 * main relays to the renderer is checked first, like every HTTPS answer.
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

/** Fails to compile when a schema and its shared type drift apart. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const liveMatches: Same<Static<typeof LiveServerMessageSchema>, LiveServerMessage> = true;
const updateMatches: Same<Static<typeof SessionUpdateSchema>, SessionUpdate> = true;
void [liveMatches, updateMatches];

/** Parses a JSON text frame; null when it is not JSON or not a message of the schema. */
export function parseFrame<T>(text: string, check: (value: unknown) => value is T): T | null {
  try {
    const value: unknown = JSON.parse(text);
    return check(value) ? value : null;
  } catch {
    return null;
  }
}

export const isLiveServerMessage = (value: unknown): value is LiveServerMessage =>
  Value.Check(LiveServerMessageSchema, value);

export const isSessionUpdate = (value: unknown): value is SessionUpdate =>
  Value.Check(SessionUpdateSchema, value);
