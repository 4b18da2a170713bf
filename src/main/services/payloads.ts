import { Type, type TSchema } from 'typebox';
import {
  AuditorsBodySchema,
  BlockQuerySchema,
  InteractivityBodySchema,
  JustificationBodySchema,
  LoginBodySchema,
  SessionQuerySchema,
} from '../../shared/api';
import type { IpcArgs, IpcChannel } from '../../shared/ipc';

/**
 * Schemas of every IPC channel's arguments: the renderer is untrusted input, so each payload is
 * checked here before any service sees it.
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

const InteractivityInputSchema = Type.Object(
  { sessionId: SessionIdSchema, blocked: InteractivityBodySchema.properties.blocked },
  { additionalProperties: false },
);

type SchemasOf<Args extends readonly unknown[]> = { readonly [K in keyof Args]: TSchema };

/** One schema per argument; the mapped type makes a channel without an entry a compile error. */
export const PAYLOAD_SCHEMAS: { readonly [C in IpcChannel]: SchemasOf<IpcArgs<C>> } = {
  'app:info': [],
  'profiles:list': [],
  'profiles:save': [ProfileInputSchema],
  'profiles:remove': [ProfileIdSchema],
  'profiles:forgetCertificate': [ProfileIdSchema],
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
  'blocks:list': [BlockQuerySchema],
  'blocks:release': [BlockIdSchema],
  'live:open': [SessionIdSchema],
  'live:close': [StreamIdSchema],
};
