import { Type, type Static } from 'typebox';
import { EventTypeSchema, IsoDateTime } from './api';

/**
 * Signed checkpoints of the audit trail and the proof that a set of events belongs to it.
 *
 * A checkpoint signs the chain head (an event id and the hash stored with it) with the gateway's
 * Ed25519 key. Its signed bytes are the canonical JSON (keys sorted, no spaces, UTF-8) of
 * `AuditCheckpointBody`, so anyone holding the public key can check it without Vigil.
 */
export const AuditCheckpointBodySchema = Type.Object({
  type: Type.Literal('vigil-audit-checkpoint'),
  version: Type.Literal(1),
  /** 1, 2, 3… in the order the gateway signed them. */
  seq: Type.Integer({ minimum: 1 }),
  /** The newest event when signed, and the hash stored with it. */
  eventId: Type.Integer({ minimum: 1 }),
  hash: Type.String(),
  signedAt: IsoDateTime,
  /** Hex SHA-256 of the signing key's SPKI DER (as the recording manifests name it). */
  keyId: Type.String(),
});
export type AuditCheckpointBody = Static<typeof AuditCheckpointBodySchema>;

export const AuditCheckpointSchema = Type.Object({
  body: AuditCheckpointBodySchema,
  /** Base64 Ed25519 signature of the body's canonical JSON. */
  signature: Type.String(),
});
export type AuditCheckpoint = Static<typeof AuditCheckpointSchema>;

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
