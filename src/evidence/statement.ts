import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import {
  EVIDENCE_STATEMENT_TYPE,
  type EvidenceFileHash,
  type EvidenceRecording,
  type EvidenceStatement,
} from '../shared/evidence';
import { canonicalJson, decodeSignature } from '../recording/manifest';

type Json = Parameters<typeof canonicalJson>[0];

/** Hex SHA-256 and size of some bytes (a text file is hashed as its UTF-8 bytes). */
export function hashOf(content: Buffer | string): { sha256: string; size: number } {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

export interface StatementInput {
  sessionIds: number[];
  createdAt: Date;
  exportedBy: { login: string; name: string };
  keyId: string;
  /** The text files the gateway vouches for, by bundle path. */
  files: { path: string; text: string }[];
  recordings: EvidenceRecording[];
}

/** The statement of a bundle: the files' hashes, the recordings' sealed hashes, who and when. */
export function buildStatement(input: StatementInput): EvidenceStatement {
  const files: EvidenceFileHash[] = input.files.map((f) => ({ path: f.path, ...hashOf(f.text) }));
  return {
    type: EVIDENCE_STATEMENT_TYPE,
    version: 1,
    sessionIds: input.sessionIds,
    createdAt: input.createdAt.toISOString(),
    exportedBy: input.exportedBy,
    keyId: input.keyId,
    files,
    recordings: input.recordings,
  };
}

/** The exact text of statement.json: its canonical JSON, which is what the signature covers. */
export function statementText(statement: EvidenceStatement): string {
  return canonicalJson(statement as unknown as Json);
}

/** Base64 Ed25519 signature of the statement text's UTF-8 bytes. */
export function signStatement(text: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

/**
 * Whether `signatureFile` (base64 text, or 64 raw bytes) is the key's signature of exactly these
 * bytes. No reformatting is forgiven: the bytes are what `openssl pkeyutl -verify -rawin` checks.
 */
export function statementSignatureHolds(
  statementBytes: Buffer,
  signatureFile: Buffer,
  publicKey: KeyObject | string,
): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify(null, statementBytes, key, decodeSignature(signatureFile));
  } catch {
    return false;
  }
}
