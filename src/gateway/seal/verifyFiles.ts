import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { dataPaths } from '../datadir';
import { sha256File } from '../../recording/sha256';
import { decodeSignature, verifySealed, type VerifyFailure } from '../../recording/manifest';

export interface VerifyRequest {
  recording: string;
  /** Default: NAME.manifest.json next to NAME.vrec. */
  manifest?: string;
  /** Default: NAME.manifest.sig next to NAME.vrec. */
  signature?: string;
  /** A PEM public key; default: the signing key of `dataDir` (never created here). */
  publicKey?: string;
  dataDir: string;
}

export type VerifyReport =
  { ok: true; message: string } | { ok: false; failure: VerifyFailure | 'file'; message: string };

/** The `verify` command: a recording, its manifest and signature, checked with a public key. */
export async function verifyRecording(request: VerifyRequest): Promise<VerifyReport> {
  const stem = join(dirname(request.recording), basename(request.recording, extname(request.recording)));
  const manifestPath = request.manifest ?? `${stem}.manifest.json`;
  const signaturePath = request.signature ?? `${stem}.manifest.sig`;
  let inputs: { manifestBytes: Buffer; signature: Buffer; publicKey: KeyObject; size: number };
  try {
    inputs = {
      manifestBytes: read(manifestPath, 'the manifest'),
      signature: decodeSignature(read(signaturePath, 'the signature')),
      publicKey: publicKeyFrom(request),
      size: statOf(request.recording),
    };
  } catch (err) {
    return { ok: false, failure: 'file', message: (err as Error).message };
  }
  const result = verifySealed({
    manifestBytes: inputs.manifestBytes,
    signature: inputs.signature,
    publicKey: inputs.publicKey,
    file: { size: inputs.size, sha256: await sha256File(request.recording) },
  });
  if (!result.ok) return result;
  const m = result.manifest;
  return {
    ok: true,
    message:
      `Verified: the recording of session ${m.sessionId} (${m.operator} as ${m.account} on ${m.target}, ` +
      `${m.startedAt} to ${m.endedAt}${m.recovered === true ? ', recovered after a gateway crash' : ''}), ` +
      `${m.size} bytes, SHA-256 ${m.sha256}, signed at ${m.signedAt} by key ${result.keyId}`,
  };
}

function publicKeyFrom(request: VerifyRequest): KeyObject {
  if (request.publicKey !== undefined) {
    try {
      // A private key file works too: its public half is derived.
      return createPublicKey(read(request.publicKey, 'the public key'));
    } catch (err) {
      throw new Error(`${request.publicKey} holds no usable key: ${(err as Error).message}`, { cause: err });
    }
  }
  const file = dataPaths(request.dataDir).signingKey;
  try {
    return createPublicKey(readFileSync(file));
  } catch {
    throw new Error(
      `No signing key at ${file}: pass --public-key FILE (GET /api/v1/gateway/signing-key gives it)`,
    );
  }
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(
      `Cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

function statOf(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    throw new Error(
      `Cannot read the recording ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
