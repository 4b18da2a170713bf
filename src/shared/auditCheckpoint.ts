import { Type, type Static } from 'typebox';

/**
 * A signed checkpoint of the audit trail: the chain head (an event id and the hash stored with it)
 * signed with the gateway's Ed25519 key. Its signed bytes are the canonical JSON (keys sorted, no
 * spaces, UTF-8) of `AuditCheckpointBody`, so anyone holding the public key can check it without
 * Vigil. Kept apart from api.ts so that both api.ts and auditProof.ts can name it.
 */
export const AuditCheckpointBodySchema = Type.Object({
  type: Type.Literal('vigil-audit-checkpoint'),
  version: Type.Literal(1),
  /** 1, 2, 3… in the order the gateway signed them. */
  seq: Type.Integer({ minimum: 1 }),
  /** The newest event when signed, and the hash stored with it. */
  eventId: Type.Integer({ minimum: 1 }),
  hash: Type.String(),
  signedAt: Type.String({ format: 'date-time' }),
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
