import { Type, type Static } from 'typebox';
import { EventTypeSchema } from './api';
import { AuditCheckpointSchema } from './auditCheckpoint';

export {
  AuditCheckpointBodySchema,
  AuditCheckpointSchema,
  type AuditCheckpoint,
  type AuditCheckpointBody,
} from './auditCheckpoint';

// The proof that a set of events belongs to the audit trail: chain segments that each end on a
// signed checkpoint (see auditCheckpoint.ts).

/**
 * One stored event with every field its hash covers: `hash = sha256_hex(prevHash + "\n" +
 * JSON.stringify([id, atMs, type, actorId, originIp, sessionId, note]))`.
 */
export const ChainEventSchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  atMs: Type.Integer(),
  type: EventTypeSchema,
  actorId: Type.Union([Type.Integer(), Type.Null()]),
  originIp: Type.Union([Type.String(), Type.Null()]),
  sessionId: Type.Union([Type.Integer(), Type.Null()]),
  note: Type.String(),
  prevHash: Type.String(),
  hash: Type.String(),
});
export type ChainEvent = Static<typeof ChainEventSchema>;

/**
 * Consecutive events of the trail ending on a signed checkpoint: recomputing each hash from the
 * first event's `prevHash` must end on `checkpoint.body.hash` at `checkpoint.body.eventId`.
 */
export const ChainSegmentSchema = Type.Object({
  events: Type.Array(ChainEventSchema),
  checkpoint: AuditCheckpointSchema,
});
export type ChainSegment = Static<typeof ChainSegmentSchema>;

export const AuditProofBodySchema = Type.Object(
  { sessionIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false },
);
export type AuditProofBody = Static<typeof AuditProofBodySchema>;

/**
 * The audit-trail excerpt of some sessions with the links that prove it: every event of those
 * sessions lies in one of the segments (which also hold the events between, of any session, as the
 * chain needs them), and each segment ends on a signed checkpoint. The gateway signs a new
 * checkpoint first when the newest events of these sessions are not covered yet.
 */
export const AuditProofSchema = Type.Object({
  sessionIds: Type.Array(Type.Integer()),
  segments: Type.Array(ChainSegmentSchema),
  /** Logins and names of the actors the events name (readability only; not hashed). */
  actors: Type.Array(Type.Object({ id: Type.Integer(), login: Type.String(), name: Type.String() })),
  /** The gateway's signing key (PEM, SPKI) and its id. */
  publicKey: Type.String(),
  keyId: Type.String(),
  /** The newest checkpoint the gateway has signed, so a bundle also shows how far the trail went. */
  latestCheckpoint: AuditCheckpointSchema,
});
export type AuditProof = Static<typeof AuditProofSchema>;
