import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { RecordingManifest } from '../shared/api';

/**
 * What a sealed recording's signature covers (RecordingManifest: who recorded what, when, and the
 * exact bytes of the file, size and SHA-256). The signed bytes are the manifest's canonical JSON.
 */
export type { RecordingManifest };

type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (as Array.prototype.sort does), no
 * whitespace, strings and numbers as JSON.stringify writes them. The UTF-8 bytes of this text are
 * what the gateway signs, so anyone can rebuild them from the parsed manifest.
 */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function canonicalManifestBytes(manifest: RecordingManifest): Buffer {
  return Buffer.from(canonicalJson(manifest as unknown as Json), 'utf8');
}

/** The key id: hex SHA-256 of the public key's DER SubjectPublicKeyInfo (`openssl pkey -pubin -outform DER | sha256sum`). */
export function keyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** A signature file holds base64 text; 64 raw bytes (as `base64 -d` leaves it) are accepted too. */
export function decodeSignature(file: Buffer): Buffer {
  if (file.length === 64) return file;
  const text = file.toString('utf8').trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text))
    throw new Error('the signature is neither base64 nor 64 raw bytes');
  return Buffer.from(text, 'base64');
}

export type VerifyFailure = 'manifest' | 'unknown key' | 'signature' | 'size' | 'sha256';

export type VerifyResult =
  | { ok: true; keyId: string; manifest: RecordingManifest }
  | { ok: false; failure: VerifyFailure; message: string };

/**
 * Checks a recording against its manifest and signature: the signature with the given public key
 * (whose id the manifest must name), then the file's size and SHA-256.
 */
export function verifySealed(input: {
  manifestBytes: Buffer;
  signature: Buffer;
  publicKey: KeyObject | string;
  file: { size: number; sha256: string };
}): VerifyResult {
  let manifest: RecordingManifest;
  try {
    manifest = JSON.parse(input.manifestBytes.toString('utf8')) as RecordingManifest;
    if (typeof manifest !== 'object' || manifest === null || typeof manifest.sha256 !== 'string')
      throw new Error('not a recording manifest');
  } catch (err) {
    return {
      ok: false,
      failure: 'manifest',
      message: `The manifest is unreadable: ${(err as Error).message}`,
    };
  }
  const key = typeof input.publicKey === 'string' ? createPublicKey(input.publicKey) : input.publicKey;
  const id = keyId(key);
  if (manifest.gatewayKeyId !== id) {
    return {
      ok: false,
      failure: 'unknown key',
      message: `Signed by an unknown key: the manifest names ${String(manifest.gatewayKeyId)}, the public key given is ${id}`,
    };
  }
  // The canonical form is rebuilt, so a manifest file reformatted by hand still verifies.
  if (!verify(null, canonicalManifestBytes(manifest), key, input.signature)) {
    return {
      ok: false,
      failure: 'signature',
      message: 'The signature does not match the manifest: it was altered',
    };
  }
  if (input.file.size !== manifest.size) {
    return {
      ok: false,
      failure: 'size',
      message: `The recording has ${input.file.size} bytes, the manifest says ${manifest.size}: it was altered`,
    };
  }
  if (input.file.sha256 !== manifest.sha256) {
    return {
      ok: false,
      failure: 'sha256',
      message: `The recording's SHA-256 is ${input.file.sha256}, the manifest says ${manifest.sha256}: it was altered`,
    };
  }
  return { ok: true, keyId: id, manifest };
}
