import { Type, type Static } from 'typebox';
import { IsoDateTime } from './api';

/**
 * Evidence bundles: what the gateway vouches for when sessions are exported as evidence.
 *
 * How to use (desktop or any API client):
 *   1. POST /api/v1/evidence {sessionIds} → an `EvidenceExport`: the signed statement, the text
 *      files the gateway vouches for (session info, logs, recording manifests and their signatures,
 *      the audit-trail proof) and, per session, where its recording lies in the bundle.
 *   2. Download each recording named in `recordings` (not purged) from
 *      GET /api/v1/sessions/:id/recording.
 *   3. Hand both to `writeEvidenceBundle` (src/evidence), which writes the folder or .zip, the index
 *      (bundle.json), public-key.pem and report.html, then verifies what it wrote.
 *
 * The statement's signed bytes are its canonical JSON (keys sorted by UTF-16 code units, no
 * whitespace, UTF-8), exactly the text of `statement.json` in the bundle; `statement.sig` holds the
 * base64 Ed25519 signature of those bytes.
 */

export const EVIDENCE_STATEMENT_TYPE = 'vigil-evidence-statement';

export const EvidenceBodySchema = Type.Object(
  {
    sessionIds: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
      minItems: 1,
      maxItems: 200,
    }),
  },
  { additionalProperties: false },
);
export type EvidenceBody = Static<typeof EvidenceBodySchema>;

/** A file of the bundle by its path (forward slashes, relative to the bundle's root). */
export const EvidenceFileHashSchema = Type.Object({
  path: Type.String(),
  /** Hex SHA-256 of the file's bytes. */
  sha256: Type.String(),
  size: Type.Integer({ minimum: 0 }),
});
export type EvidenceFileHash = Static<typeof EvidenceFileHashSchema>;

/** A session's recording as its signed manifest describes it. */
export const EvidenceRecordingSchema = Type.Object({
  sessionId: Type.Integer(),
  /** Where the recording lies in the bundle: sessions/<id>/recording.vrec. */
  path: Type.String(),
  sha256: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  /** When retention purged it on the gateway: the bundle then holds only its signed manifest. */
  purgedAt: Type.Union([IsoDateTime, Type.Null()]),
});
export type EvidenceRecording = Static<typeof EvidenceRecordingSchema>;

/** The signed statement (statement.json). */
export const EvidenceStatementSchema = Type.Object({
  type: Type.Literal(EVIDENCE_STATEMENT_TYPE),
  version: Type.Literal(1),
  sessionIds: Type.Array(Type.Integer()),
  createdAt: IsoDateTime,
  /** Who exported the bundle. */
  exportedBy: Type.Object({ login: Type.String(), name: Type.String() }),
  /** Hex SHA-256 of the signing key's SPKI DER (as recording manifests and checkpoints name it). */
  keyId: Type.String(),
  /** The text files the gateway wrote for the bundle, with their exact hashes. */
  files: Type.Array(EvidenceFileHashSchema),
  /** Sessions without a sealed recording are absent here. */
  recordings: Type.Array(EvidenceRecordingSchema),
});
export type EvidenceStatement = Static<typeof EvidenceStatementSchema>;

/** The answer of POST /evidence: everything of the bundle but the recordings themselves. */
export const EvidenceExportSchema = Type.Object({
  /** The exact text of statement.json (canonical JSON of an EvidenceStatement). */
  statement: Type.String(),
  /** Base64 Ed25519 signature of the statement's UTF-8 bytes (statement.sig). */
  signature: Type.String(),
  /** The gateway's signing key (PEM, SPKI) and its id. */
  publicKey: Type.String(),
  keyId: Type.String(),
  /** The files the statement lists, each with its exact text (written as UTF-8). */
  files: Type.Array(Type.Object({ path: Type.String(), text: Type.String() })),
  /** The recordings to download and place at `path` (those not purged). */
  recordings: Type.Array(EvidenceRecordingSchema),
});
export type EvidenceExport = Static<typeof EvidenceExportSchema>;

/** Paths of a session's files in a bundle. */
export const evidencePaths = (sessionId: number) => ({
  session: `sessions/${sessionId}/session.json`,
  logs: `sessions/${sessionId}/logs.json`,
  recording: `sessions/${sessionId}/recording.vrec`,
  manifest: `sessions/${sessionId}/recording.manifest.json`,
  manifestSignature: `sessions/${sessionId}/recording.manifest.sig`,
});

/** Paths of the bundle's own files. */
export const EVIDENCE_FILES = {
  statement: 'statement.json',
  statementSignature: 'statement.sig',
  publicKey: 'public-key.pem',
  index: 'bundle.json',
  report: 'report.html',
  auditProof: 'audit/proof.json',
} as const;
