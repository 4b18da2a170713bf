import { Type, type Static, type TLiteral, type TUnion } from 'typebox';
import { PERMISSIONS, ROLES } from './permissions';
import { SESSION_ACTIONS } from './policy';
import { EVENT_TYPES } from './events';
import { CRITICALITIES, RULE_ACTIONS } from './rules';
import { AuditCheckpointSchema } from './auditCheckpoint';

/**
 * HTTP API schemas of the gateway. Routes validate with them and clients type their
 * calls with them, so both sides change together.
 */
export const API_PREFIX = '/api/v1';

/** The literal schemas of a tuple of strings, element by element. */
type Literals<T extends readonly string[]> = T extends readonly [
  infer Head extends string,
  ...infer Rest extends readonly string[],
]
  ? [TLiteral<Head>, ...Literals<Rest>]
  : [];

/** One literal per value; typed through Literals so `Static<>` is the union of the values (not never). */
const literalUnion = <const T extends readonly string[]>(values: T): TUnion<Literals<T>> =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<Literals<T>>;

export const PermissionSchema = literalUnion(PERMISSIONS);
export const RoleSchema = literalUnion(ROLES);
export const SessionActionSchema = literalUnion(SESSION_ACTIONS);
export const EventTypeSchema = literalUnion(EVENT_TYPES);
export const ProtocolSchema = Type.Union([Type.Literal('ssh'), Type.Literal('rdp')]);
export const SessionStatusSchema = Type.Union([Type.Literal('live'), Type.Literal('finished')]);
export const IsoDateTime = Type.String({ format: 'date-time' });

export const ErrorBodySchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});
export type ErrorBody = Static<typeof ErrorBodySchema>;

export const UserRefSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
});
export type UserRef = Static<typeof UserRefSchema>;

export const MeSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleSchema),
  permissions: Type.Array(PermissionSchema),
});
export type Me = Static<typeof MeSchema>;

export const LoginBodySchema = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBodySchema>;

export const LoginResponseSchema = Type.Object({
  token: Type.String(),
  expiresAt: IsoDateTime,
  user: MeSchema,
});
export type LoginResponse = Static<typeof LoginResponseSchema>;

export const PreventPurgeSchema = Type.Object({
  justification: Type.String(),
  by: UserRefSchema,
  at: IsoDateTime,
});
export type PreventPurge = Static<typeof PreventPurgeSchema>;

/** How a finished session ended: by itself, dropped by an auditor, or on an error. */
export const SessionEndReasonSchema = Type.Union([
  Type.Object({ kind: Type.Literal('finished') }),
  Type.Object({ kind: Type.Literal('dropped'), by: Type.Optional(UserRefSchema) }),
  Type.Object({ kind: Type.Literal('error'), message: Type.String() }),
]);
export type SessionEndReason = Static<typeof SessionEndReasonSchema>;

/**
 * A finished session's recording: size and SHA-256 as sealed. `purgedAt` is when retention deleted
 * the file (null while the gateway keeps it); the session, its events and its manifest stay.
 * Optional so that session snapshots saved before it existed still read.
 */
export const SessionRecordingSchema = Type.Object({
  size: Type.Integer(),
  sha256: Type.String(),
  purgedAt: Type.Optional(Type.Union([IsoDateTime, Type.Null()])),
});
export type SessionRecording = Static<typeof SessionRecordingSchema>;

export const SessionSchema = Type.Object({
  id: Type.Integer(),
  hash: Type.String(),
  user: UserRefSchema,
  originIp: Type.String(),
  credential: Type.String(),
  device: Type.String(),
  protocol: ProtocolSchema,
  proxy: Type.String(),
  status: SessionStatusSchema,
  startedAt: IsoDateTime,
  endedAt: Type.Union([IsoDateTime, Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  blocked: Type.Boolean(),
  reason: Type.Union([Type.String(), Type.Null()]),
  errorMessage: Type.Union([Type.String(), Type.Null()]),
  preventPurge: Type.Union([PreventPurgeSchema, Type.Null()]),
  recording: Type.Union([SessionRecordingSchema, Type.Null()]),
  allowedActions: Type.Array(SessionActionSchema),
  /** Absent while the session is live. */
  endReason: Type.Optional(SessionEndReasonSchema),
  /**
   * Who audits the session (login order). The gateway always sends it; optional so that session
   * snapshots saved before it existed still read.
   */
  auditors: Type.Optional(Type.Array(UserRefSchema)),
});
export type Session = Static<typeof SessionSchema>;

/** Justification rules: required, trimmed, 10–1000 characters. */
export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 1000;
export const JustificationBodySchema = Type.Object(
  { justification: Type.String({ maxLength: 100_000 }) },
  { additionalProperties: false },
);
export type JustificationBody = Static<typeof JustificationBodySchema>;

export function justificationError(raw: string): string | null {
  const text = raw.trim();
  if (text.length === 0) return 'A justification is required';
  if (text.length < JUSTIFICATION_MIN)
    return `The justification needs at least ${JUSTIFICATION_MIN} characters`;
  if (text.length > JUSTIFICATION_MAX)
    return `The justification may have at most ${JUSTIFICATION_MAX} characters`;
  return null;
}

export const PAGE_SIZE_DEFAULT = 30;
export const PAGE_SIZE_MAX = 500;

/** A yes/no filter of a query string, spelled as it is sent. */
export const QueryFlagSchema = Type.Union([Type.Literal('true'), Type.Literal('false')]);
export type QueryFlag = Static<typeof QueryFlagSchema>;

/**
 * Filters of the session list. Text filters match case-insensitively anywhere in the value, except
 * `hash` (from its start) and `q` (reason or justification: any part of 3 characters or more;
 * 1 or 2 characters match the start of either text).
 */
export const SessionQuerySchema = Type.Object(
  {
    id: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    hash: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    credential: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    originIp: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    protocol: Type.Optional(ProtocolSchema),
    proxy: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(SessionStatusSchema),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    /** Reason/justification text search. */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** 'true': only the sessions the caller is listed as an auditor of. */
    assignedToMe: Type.Optional(QueryFlagSchema),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX })),
  },
  { additionalProperties: false },
);
export type SessionQuery = Static<typeof SessionQuerySchema>;

export const SessionListSchema = Type.Object({
  items: Type.Array(SessionSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type SessionList = Static<typeof SessionListSchema>;

export const AuditorsSchema = Type.Object({ auditors: Type.Array(UserRefSchema) });
export type Auditors = Static<typeof AuditorsSchema>;
export const AuditorsBodySchema = Type.Object(
  { userIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 200 }) },
  { additionalProperties: false },
);
export type AuditorsBody = Static<typeof AuditorsBodySchema>;

/** An auditor's verdict on a session they audit (Sessions for audit): the comment is trimmed. */
export const AUDIT_COMMENT_MAX = 2000;
export const AuditMarkBodySchema = Type.Object(
  { audited: Type.Boolean(), comment: Type.String({ maxLength: 100_000 }) },
  { additionalProperties: false },
);
export type AuditMarkBody = Static<typeof AuditMarkBodySchema>;
export const AuditMarkSchema = Type.Object({
  sessionId: Type.Integer(),
  audited: Type.Boolean(),
  comment: Type.String(),
  /** Null until the auditor first sets the mark. */
  updatedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type AuditMark = Static<typeof AuditMarkSchema>;

export function auditCommentError(raw: string): string | null {
  return raw.trim().length > AUDIT_COMMENT_MAX
    ? `The comment may have at most ${AUDIT_COMMENT_MAX} characters`
    : null;
}

export const AssignedAuditQuerySchema = Type.Object(
  {
    audited: Type.Optional(QueryFlagSchema),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX })),
  },
  { additionalProperties: false },
);
export type AssignedAuditQuery = Static<typeof AssignedAuditQuerySchema>;
export const AssignedAuditSchema = Type.Object({
  session: SessionSchema,
  audited: Type.Boolean(),
  comment: Type.String(),
  updatedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type AssignedAudit = Static<typeof AssignedAuditSchema>;
export const AssignedAuditListSchema = Type.Object({
  items: Type.Array(AssignedAuditSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type AssignedAuditList = Static<typeof AssignedAuditListSchema>;

export const UserSummarySchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  name: Type.String(),
  roles: Type.Array(RoleSchema),
});
export type UserSummary = Static<typeof UserSummarySchema>;
export const UserListSchema = Type.Object({ items: Type.Array(UserSummarySchema) });
export type UserList = Static<typeof UserListSchema>;

export const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  at: IsoDateTime,
  type: EventTypeSchema,
  actor: Type.Union([UserRefSchema, Type.Null()]),
  originIp: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.Integer(), Type.Null()]),
  note: Type.String(),
  hash: Type.String(),
});
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AuditEventQuerySchema = Type.Object(
  {
    sessionId: Type.Optional(Type.Integer({ minimum: 1 })),
    type: Type.Optional(EventTypeSchema),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    from: Type.Optional(IsoDateTime),
    to: Type.Optional(IsoDateTime),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX })),
  },
  { additionalProperties: false },
);
export type AuditEventQuery = Static<typeof AuditEventQuerySchema>;

export const AuditEventListSchema = Type.Object({
  items: Type.Array(AuditEventSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export type AuditEventList = Static<typeof AuditEventListSchema>;

/**
 * What a verification found wrong: `broken` an event that does not chain (`eventId`), `rewritten`
 * the event a signed checkpoint names now holds another hash (the chain was recomputed after an
 * edit), `truncated` the event a checkpoint (or an earlier verification) reached is gone and the
 * trail now ends at `trailEndsAt`, `signature` a checkpoint whose signature does not check out with
 * the gateway's key, `checkpoint-missing` a signed checkpoint was removed.
 */
export const ChainProblemSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('broken'),
    Type.Literal('rewritten'),
    Type.Literal('truncated'),
    Type.Literal('signature'),
    Type.Literal('checkpoint-missing'),
  ]),
  message: Type.String(),
  eventId: Type.Union([Type.Integer(), Type.Null()]),
  checkpointSeq: Type.Union([Type.Integer(), Type.Null()]),
  trailEndsAt: Type.Union([Type.Integer(), Type.Null()]),
});
export type ChainProblem = Static<typeof ChainProblemSchema>;

export const ChainStatusSchema = Type.Object({
  ok: Type.Boolean(),
  events: Type.Integer(),
  brokenAt: Type.Union([Type.Integer(), Type.Null()]),
  /** The newest signed checkpoint found intact: the trail is proven up to its event. */
  lastCheckpoint: Type.Union([AuditCheckpointSchema, Type.Null()]),
  problem: Type.Union([ChainProblemSchema, Type.Null()]),
});
export type ChainStatus = Static<typeof ChainStatusSchema>;

/** `all` checks every event; `new` only those after the last successful verification. */
export const ChainVerifyQuerySchema = Type.Object(
  { scope: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('new')])) },
  { additionalProperties: false },
);
export type ChainVerifyScope = NonNullable<Static<typeof ChainVerifyQuerySchema>['scope']>;

/** Query keys of the session list, in the order the CSV export names its columns. */
export const SESSION_CSV_COLUMNS = [
  'id',
  'hash',
  'user',
  'originIp',
  'credential',
  'device',
  'protocol',
  'proxy',
  'startedAt',
  'endedAt',
  'durationMs',
  'status',
  'preventPurge',
] as const;

/** Interactivity blocks ("Hold on!"). */
export const BlockSchema = Type.Object({
  id: Type.Integer(),
  sessionId: Type.Integer(),
  blockedUser: UserRefSchema,
  author: UserRefSchema,
  blockedAt: IsoDateTime,
  releasedAt: Type.Union([IsoDateTime, Type.Null()]),
  releaser: Type.Union([UserRefSchema, Type.Null()]),
});
export type Block = Static<typeof BlockSchema>;
export const BlockListSchema = Type.Object({ items: Type.Array(BlockSchema) });
export type BlockList = Static<typeof BlockListSchema>;
export const BlockQuerySchema = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('released')])) },
  { additionalProperties: false },
);
export type BlockQuery = Static<typeof BlockQuerySchema>;

export const InteractivityBodySchema = Type.Object(
  { blocked: Type.Boolean() },
  { additionalProperties: false },
);
export type InteractivityBody = Static<typeof InteractivityBodySchema>;

export const LiveTicketSchema = Type.Object({ ticket: Type.String(), expiresAt: IsoDateTime });
export type LiveTicket = Static<typeof LiveTicketSchema>;

/** One event of a session's audit trail, as the session's events and logs show it. */
export const SessionEventSchema = Type.Object({
  at: IsoDateTime,
  type: EventTypeSchema,
  actor: Type.Union([UserRefSchema, Type.Null()]),
  originIp: Type.Union([Type.String(), Type.Null()]),
  note: Type.String(),
});
export type SessionEvent = Static<typeof SessionEventSchema>;
/** Oldest first. */
export const SessionEventListSchema = Type.Object({ items: Type.Array(SessionEventSchema) });
export type SessionEventList = Static<typeof SessionEventListSchema>;

const Minute = Type.Integer({ minimum: 0, description: 'The minute of the session (0 = the first minute)' });
/** Session time in milliseconds from its start: where the recording player opens. */
const OffsetMs = Type.Integer({ minimum: 0 });

/** A command the operator typed (Enter pressed on a shell command line). */
export const SessionCommandSchema = Type.Object({
  at: IsoDateTime,
  offsetMs: OffsetMs,
  minute: Minute,
  command: Type.String(),
});
export type SessionCommand = Static<typeof SessionCommandSchema>;

export const CriticalitySchema = literalUnion(CRITICALITIES);
export const RuleActionSchema = literalUnion(RULE_ACTIONS);

/** A typed command that matched an audited-command rule (the rule as it was then). */
export const RiskyCommandSchema = Type.Object({
  rule: Type.String(),
  score: Type.Integer({ minimum: 0, maximum: 100 }),
  criticality: CriticalitySchema,
  action: RuleActionSchema,
  command: Type.String(),
  at: IsoDateTime,
  offsetMs: OffsetMs,
  minute: Minute,
});
export type RiskyCommand = Static<typeof RiskyCommandSchema>;

/** One line of the session's terminal text as a person reads it, with when it was last written. */
export const SessionTextLineSchema = Type.Object({
  /** Line number, from 0. */
  n: Type.Integer({ minimum: 0 }),
  offsetMs: OffsetMs,
  minute: Minute,
  text: Type.String(),
});
export type SessionTextLine = Static<typeof SessionTextLineSchema>;

/** A page of the session text. `unavailable` (with a message) when there is no readable recording. */
export const SessionTextPageSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  message: Type.Union([Type.String(), Type.Null()]),
  total: Type.Integer({ minimum: 0 }),
  offset: Type.Integer({ minimum: 0 }),
  items: Type.Array(SessionTextLineSchema),
});
export type SessionTextPage = Static<typeof SessionTextPageSchema>;

export const SESSION_TEXT_PAGE_SIZE = 200;
export const SessionTextQuerySchema = Type.Object(
  {
    offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: SESSION_TEXT_PAGE_SIZE })),
  },
  { additionalProperties: false },
);
export type SessionTextQuery = Static<typeof SessionTextQuerySchema>;

export const SESSION_LOG_SEARCH_LIMIT = 500;
/** Case-insensitive substring search over the session text and the typed commands. */
export const SessionLogSearchQuerySchema = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: SESSION_LOG_SEARCH_LIMIT })),
  },
  { additionalProperties: false },
);
export type SessionLogSearchQuery = Static<typeof SessionLogSearchQuerySchema>;

export const SessionLogHitSchema = Type.Object({
  kind: Type.Union([Type.Literal('line'), Type.Literal('command')]),
  /** The line number in the session text, or the command's index among the typed commands. */
  n: Type.Integer({ minimum: 0 }),
  offsetMs: OffsetMs,
  minute: Minute,
  text: Type.String(),
});
export type SessionLogHit = Static<typeof SessionLogHitSchema>;

/** Hits in session order (commands and lines by time); `total` counts all, `items` holds the first `limit`. */
export const SessionLogSearchSchema = Type.Object({
  q: Type.String(),
  total: Type.Integer({ minimum: 0 }),
  items: Type.Array(SessionLogHitSchema),
});
export type SessionLogSearch = Static<typeof SessionLogSearchSchema>;

/** The logs of a finished session. */
export const SessionLogsSchema = Type.Object({
  /** The session, with its end reason. */
  session: SessionSchema,
  user: Type.Object({
    id: Type.Integer(),
    login: Type.String(),
    name: Type.String(),
    originIp: Type.String(),
  }),
  /** In the order they were typed. */
  riskyCommands: Type.Array(RiskyCommandSchema),
  /** Oldest first. */
  events: Type.Array(SessionEventSchema),
  /** In the order they were typed. */
  commands: Type.Array(SessionCommandSchema),
  /** The first page of the session text; the rest through the text route. */
  text: SessionTextPageSchema,
});
export type SessionLogs = Static<typeof SessionLogsSchema>;

/** The gateway's recording signing key: Ed25519, PEM (SPKI); keyId = hex SHA-256 of its DER SPKI. */
export const GatewaySigningKeySchema = Type.Object({ publicKey: Type.String(), keyId: Type.String() });
export type GatewaySigningKey = Static<typeof GatewaySigningKeySchema>;

/**
 * A sealed recording's manifest. The signature covers its canonical JSON (keys sorted, no spaces,
 * UTF-8); `recovered` is present when the session was finished by crash recovery.
 */
export const RecordingManifestSchema = Type.Object({
  /** Format and version of the recording file the hash covers. */
  format: Type.Literal('vigil-recording'),
  version: Type.Integer(),
  sessionId: Type.Integer(),
  /** The session's hash, as the sessions list shows it. */
  hash: Type.String(),
  /** The operator's Vigil login, the remote account and the target's name. */
  operator: Type.String(),
  account: Type.String(),
  target: Type.String(),
  protocol: Type.String(),
  startedAt: IsoDateTime,
  endedAt: IsoDateTime,
  durationMs: Type.Integer(),
  size: Type.Integer(),
  sha256: Type.String(),
  /** Hex SHA-256 of the signing key's SPKI DER. */
  gatewayKeyId: Type.String(),
  signedAt: IsoDateTime,
  /** Present (true) when the session was finished by crash recovery at the next start. */
  recovered: Type.Optional(Type.Literal(true)),
});
export type RecordingManifest = Static<typeof RecordingManifestSchema>;

/** What a client needs to check a downloaded recording offline. */
export const SealedRecordingSchema = Type.Object({
  manifest: RecordingManifestSchema,
  /** Base64 Ed25519 signature of the manifest's canonical JSON. */
  signature: Type.String(),
  /** The signing key (PEM) and its id, as GET /gateway/signing-key gives them. */
  publicKey: Type.String(),
  keyId: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
});
export type SealedRecording = Static<typeof SealedRecordingSchema>;

/** A play of a recording; `at` reports one made offline later with its real time (default: now). */
export const SessionPlayBodySchema = Type.Object(
  { at: Type.Optional(IsoDateTime) },
  { additionalProperties: false },
);
export type SessionPlayBody = Static<typeof SessionPlayBodySchema>;
