import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { IsoDateTime } from '../../shared/api';
import { SessionUpdateSchema } from '../../shared/live';

/**
 * What gateway nodes say to each other. Every payload has a schema and is checked when it
 * arrives: a node never acts on a message another version of the gateway shaped differently.
 */
const SessionId = Type.Integer({ minimum: 1 });
const Size = Type.Integer({ minimum: 1, maximum: 10_000 });
const Login = Type.String({ minLength: 1, maxLength: 200 });

/** What the owner of a live session answers after applying a control (Hold on!, release, Drop). */
export const LiveStateSchema = Type.Object({
  sessionId: SessionId,
  live: Type.Boolean(),
  blocked: Type.Boolean(),
  /** How the session ended, once it has (a Drop answers after the session ended). */
  ended: Type.Union([
    Type.Null(),
    Type.Object({
      reason: Type.Union([Type.Literal('terminated'), Type.Literal('dropped'), Type.Literal('failed')]),
      at: IsoDateTime,
      message: Type.Union([Type.String(), Type.Null()]),
    }),
  ]),
});
export type LiveState = Static<typeof LiveStateSchema>;

/** The screen of a live session for a viewer joining on another node, and where in the stream it is. */
export const LiveSnapshotSchema = Type.Object({
  cols: Size,
  rows: Size,
  /** The terminal screen, or a remote desktop's screen frame in base64 (`raster`). */
  screen: Type.String(),
  raster: Type.Optional(Type.Boolean()),
  blocked: Type.Boolean(),
  startedAt: IsoDateTime,
  /** Frames with a sequence number above this one come after the screen; the rest are in it. */
  seq: Type.Integer({ minimum: 0 }),
});
export type LiveSnapshot = Static<typeof LiveSnapshotSchema>;

/** Requests sent to one named node (`<prefix>.node.<nodeId>.<method>`), with what they answer. */
export const REQUESTS = {
  ping: {
    request: Type.Object({}),
    reply: Type.Object({ nodeId: Type.String(), at: Type.Integer() }),
  },
  'live.snapshot': {
    request: Type.Object({ sessionId: SessionId }),
    reply: LiveSnapshotSchema,
  },
  'live.interactivity': {
    request: Type.Object({ sessionId: SessionId, blocked: Type.Boolean(), by: Login }),
    reply: LiveStateSchema,
  },
  'live.drop': {
    request: Type.Object({ sessionId: SessionId, by: Login }),
    reply: LiveStateSchema,
  },
} as const satisfies Record<string, { request: TSchema; reply: TSchema }>;

export type RequestName = keyof typeof REQUESTS;
export type RequestOf<M extends RequestName> = Static<(typeof REQUESTS)[M]['request']>;
export type ReplyOf<M extends RequestName> = Static<(typeof REQUESTS)[M]['reply']>;

/** Broadcasts every node hears (`<prefix>.cluster.<topic>`), the sender included. */
export const TOPICS = {
  /** A session row changed on some node: each node pushes it to its session-updates sockets. */
  'sessions.updated': SessionUpdateSchema,
  /** The audited-command rules changed: each node reloads its rule book. */
  'rules.changed': Type.Object({ generation: Type.Integer({ minimum: 0 }) }),
  /** Roles, permissions or access grants changed: each node rechecks its logins and viewers. */
  'access.changed': Type.Object({ generation: Type.Integer({ minimum: 0 }) }),
  /** An operator was blocked or released: every node applies it to that operator's live sessions. */
  'blocks.changed': Type.Object({
    operatorUserId: Type.Integer({ minimum: 1 }),
    blocked: Type.Boolean(),
    by: Login,
  }),
} as const satisfies Record<string, TSchema>;

export type TopicName = keyof typeof TOPICS;
export type TopicOf<T extends TopicName> = Static<(typeof TOPICS)[T]>;

/** How a remote node's refusal travels back: the same status and code the owner's API would give. */
export const RemoteErrorSchema = Type.Object({
  status: Type.Union([
    Type.Literal(400),
    Type.Literal(401),
    Type.Literal(403),
    Type.Literal(404),
    Type.Literal(409),
    Type.Literal(429),
    Type.Literal(500),
  ]),
  code: Type.String(),
  message: Type.String(),
});
export type RemoteError = Static<typeof RemoteErrorSchema>;

export const ReplyEnvelopeSchema = Type.Union([
  Type.Object({ ok: Type.Literal(true), value: Type.Unknown() }),
  Type.Object({ ok: Type.Literal(false), error: RemoteErrorSchema }),
]);

export const RequestEnvelopeSchema = Type.Object({ from: Type.String(), payload: Type.Unknown() });
export const BroadcastEnvelopeSchema = Type.Object({ from: Type.String(), payload: Type.Unknown() });

type Checker = { Check(value: unknown): boolean };
const compiled = new Map<TSchema, Checker>();

/** Checks `value` against `schema` (each schema compiled once). */
export function matches<S extends TSchema>(schema: S, value: unknown): value is Static<S> {
  let checker = compiled.get(schema);
  if (checker === undefined) {
    checker = Compile(schema);
    compiled.set(schema, checker);
  }
  return checker.Check(value);
}
