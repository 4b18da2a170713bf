import { Type, type Static, type TSchema } from 'typebox';
import {
  AssignedAuditQuerySchema,
  AuditEventQuerySchema,
  AuditMarkBodySchema,
  AuditorsBodySchema,
  BlockQuerySchema,
  InteractivityBodySchema,
  JustificationBodySchema,
  LoginBodySchema,
  SessionLogSearchQuerySchema,
  SessionQuerySchema,
  SessionTextQuerySchema,
} from './api';
import { AlertPreferencesSchema } from './alertCentre';
import type { IpcArgs, IpcChannel } from './ipc';
import { SearchQuerySchema } from './search';
import type { Same } from './sameType';

/**
 * Schemas of every IPC channel's arguments (the IpcContract of ipc.ts): the renderer is untrusted
 * input, so the main process checks each payload with these before any service sees it.
 */
const ProfileIdSchema = Type.String({ minLength: 1, maxLength: 64 });
const SessionIdSchema = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const BlockIdSchema = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/** Stream ids are the UUIDs LiveService hands out. */
const StreamIdSchema = Type.String({ minLength: 1, maxLength: 64 });

const ProfileInputSchema = Type.Object(
  {
    id: Type.Optional(ProfileIdSchema),
    name: Type.String({ maxLength: 1000 }),
    url: Type.String({ maxLength: 2048 }),
  },
  { additionalProperties: false },
);

/** AA:BB:… as Node prints a SHA-256 certificate fingerprint. */
const TrustCertificateSchema = Type.Object(
  {
    profileId: ProfileIdSchema,
    fingerprint: Type.String({ pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$' }),
  },
  { additionalProperties: false },
);

const LoginInputSchema = Type.Object(
  {
    profileId: ProfileIdSchema,
    username: LoginBodySchema.properties.username,
    password: LoginBodySchema.properties.password,
    remember: Type.Boolean(),
  },
  { additionalProperties: false },
);

const JustifiedSessionSchema = Type.Object(
  { sessionId: SessionIdSchema, justification: JustificationBodySchema.properties.justification },
  { additionalProperties: false },
);

const AuditorsInputSchema = Type.Object(
  { sessionId: SessionIdSchema, userIds: AuditorsBodySchema.properties.userIds },
  { additionalProperties: false },
);

const AuditMarkInputSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    audited: AuditMarkBodySchema.properties.audited,
    comment: AuditMarkBodySchema.properties.comment,
  },
  { additionalProperties: false },
);

const InteractivityInputSchema = Type.Object(
  { sessionId: SessionIdSchema, blocked: InteractivityBodySchema.properties.blocked },
  { additionalProperties: false },
);

const SessionTextInputSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    offset: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    limit: SessionTextQuerySchema.properties.limit,
  },
  { additionalProperties: false },
);

const SessionLogSearchInputSchema = Type.Object(
  {
    sessionId: SessionIdSchema,
    q: SessionLogSearchQuerySchema.properties.q,
    limit: SessionLogSearchQuerySchema.properties.limit,
  },
  { additionalProperties: false },
);

const TrustSigningKeySchema = Type.Object(
  { profileId: ProfileIdSchema, keyId: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);
/** Download ids are PROFILE:SESSION; item ids are folder names the library made. */
const DownloadIdSchema = Type.String({ minLength: 1, maxLength: 100 });
const LibraryItemIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' });
const FilePathSchema = Type.String({ minLength: 1, maxLength: 4096 });
const LibraryImportSchema = Type.Object(
  {
    recording: FilePathSchema,
    manifest: FilePathSchema,
    signature: FilePathSchema,
    publicKey: Type.Optional(FilePathSchema),
  },
  { additionalProperties: false },
);

/** Player ids are the UUIDs PlayerService hands out; times are recording milliseconds (u32). */
const PlayerIdSchema = Type.String({ minLength: 1, maxLength: 64 });
const PlayerTimeSchema = Type.Integer({ minimum: 0, maximum: 0xffffffff });
const PlayerOpenSchema = Type.Object({ itemId: LibraryItemIdSchema }, { additionalProperties: false });
const PlayerScreenSchema = Type.Object(
  { playerId: PlayerIdSchema, atMs: PlayerTimeSchema },
  { additionalProperties: false },
);
const PlayerEventsSchema = Type.Object(
  {
    playerId: PlayerIdSchema,
    fromMs: PlayerTimeSchema,
    toMs: PlayerTimeSchema,
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}[.][0-9]{1,9}[.][0-9]{1,9}$' })),
  },
  { additionalProperties: false },
);
/** A desktop frames cursor: the time of the next frame and how many events at that time were sent. */
const PlayerDesktopFramesSchema = Type.Object(
  {
    playerId: PlayerIdSchema,
    fromMs: PlayerTimeSchema,
    toMs: PlayerTimeSchema,
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}[.][0-9]{1,9}$' })),
  },
  { additionalProperties: false },
);
const PlayerSearchSchema = Type.Object(
  {
    playerId: PlayerIdSchema,
    q: SessionLogSearchQuerySchema.properties.q,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

/** MP4 sizes: even (H.264 with yuv420p halves both), from a thumbnail up to 4K. */
const FrameSideSchema = Type.Integer({ minimum: 64, maximum: 4096, multipleOf: 2 });
const ExportInputSchema = Type.Object(
  {
    itemId: LibraryItemIdSchema,
    format: Type.Union([Type.Literal('asciicast'), Type.Literal('mp4')]),
    width: Type.Optional(FrameSideSchema),
    height: Type.Optional(FrameSideSchema),
  },
  { additionalProperties: false },
);
const ExportIdSchema = Type.String({ minLength: 1, maxLength: 64 });
const FfmpegPathSchema = Type.Union([FilePathSchema, Type.Null()]);
const EvidenceFormatSchema = Type.Union([Type.Literal('folder'), Type.Literal('zip')]);
/** As many sessions as one audit proof may cover. */
const EvidenceExportSchema = Type.Union([
  Type.Object(
    {
      format: EvidenceFormatSchema,
      sessionIds: Type.Array(SessionIdSchema, { minItems: 1, maxItems: 200, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      format: EvidenceFormatSchema,
      itemIds: Type.Array(LibraryItemIdSchema, { minItems: 1, maxItems: 200, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
]);
const EvidenceIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });
const EvidenceRevealSchema = Type.Object(
  { bundleId: EvidenceIdSchema, report: Type.Boolean() },
  { additionalProperties: false },
);

/** One schema per argument, in order. */
export const PAYLOAD_SCHEMAS = {
  'app:info': [],
  'profiles:list': [],
  'profiles:save': [ProfileInputSchema],
  'profiles:remove': [ProfileIdSchema],
  'profiles:forgetCertificate': [ProfileIdSchema],
  'profiles:trustCertificate': [TrustCertificateSchema],
  'auth:login': [LoginInputSchema],
  'auth:resume': [ProfileIdSchema],
  'auth:logout': [],
  'auth:state': [],
  'sessions:list': [SessionQuerySchema],
  'sessions:get': [SessionIdSchema],
  'sessions:exportCsv': [SessionQuerySchema],
  'sessions:setPreventPurge': [JustifiedSessionSchema],
  'sessions:clearPreventPurge': [JustifiedSessionSchema],
  'sessions:getAuditors': [SessionIdSchema],
  'sessions:setAuditors': [AuditorsInputSchema],
  'users:list': [],
  'sessions:drop': [SessionIdSchema],
  'sessions:setInteractivity': [InteractivityInputSchema],
  'audit:assigned': [AssignedAuditQuerySchema],
  'audit:setMark': [AuditMarkInputSchema],
  'audit:events': [AuditEventQuerySchema],
  'audit:verify': [],
  'blocks:list': [BlockQuerySchema],
  'blocks:release': [BlockIdSchema],
  'live:open': [SessionIdSchema],
  'live:close': [StreamIdSchema],
  'logs:get': [SessionIdSchema],
  'logs:text': [SessionTextInputSchema],
  'logs:search': [SessionLogSearchInputSchema],
  'search:query': [SearchQuerySchema],
  'profiles:signingKey': [ProfileIdSchema],
  'profiles:trustSigningKey': [TrustSigningKeySchema],
  'profiles:forgetSigningKey': [ProfileIdSchema],
  'downloads:start': [SessionIdSchema],
  'downloads:cancel': [DownloadIdSchema],
  'downloads:list': [],
  'library:list': [],
  'library:details': [LibraryItemIdSchema],
  'library:verify': [LibraryItemIdSchema],
  'library:delete': [LibraryItemIdSchema],
  'library:reveal': [LibraryItemIdSchema],
  'library:import': [LibraryImportSchema],
  'library:folder': [],
  'library:setFolder': [FilePathSchema],
  'library:reportPlay': [LibraryItemIdSchema],
  'player:open': [PlayerOpenSchema],
  'player:screenAt': [PlayerScreenSchema],
  'player:events': [PlayerEventsSchema],
  'player:search': [PlayerSearchSchema],
  'player:desktopAt': [PlayerScreenSchema],
  'player:desktopFrames': [PlayerDesktopFramesSchema],
  'player:close': [PlayerIdSchema],
  'exports:start': [ExportInputSchema],
  'exports:cancel': [ExportIdSchema],
  'exports:ffmpeg': [],
  'exports:setFfmpegPath': [FfmpegPathSchema],
  'alerts:list': [],
  'alerts:markRead': [
    Type.Union([
      Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: 1000 }),
      Type.Null(),
    ]),
  ],
  'alerts:preferences': [],
  'alerts:setPreferences': [AlertPreferencesSchema],
  'evidence:export': [EvidenceExportSchema],
  'evidence:cancel': [EvidenceIdSchema],
  'evidence:list': [],
  'evidence:open': [FilePathSchema],
  'evidence:verify': [EvidenceIdSchema],
  'evidence:reveal': [EvidenceRevealSchema],
  'evidence:forget': [EvidenceIdSchema],
} as const satisfies { readonly [C in IpcChannel]: readonly TSchema[] };

/** What a channel's schemas accept, as an argument tuple. */
type StaticArgs<T extends readonly TSchema[]> = { -readonly [K in keyof T]: Static<T[K]> };

/** Each channel's schemas accept exactly its contract's arguments: a drift is a compile error here. */
const payloadsMatch: { readonly [C in IpcChannel]: true } = null as unknown as {
  [C in IpcChannel]: Same<StaticArgs<(typeof PAYLOAD_SCHEMAS)[C]>, IpcArgs<C>>;
};
void payloadsMatch;
