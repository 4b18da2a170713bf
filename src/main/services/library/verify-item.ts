import { readFile, stat } from 'node:fs/promises';
import { decodeSignature, keyId, verifySealed } from '../../../recording/manifest';
import { sha256File } from '../../../recording/sha256';
import type { GatewayProfile, Verification } from '../../../shared/ipc';
import { describe } from '../errors';

export interface ItemFiles {
  recording: string;
  manifest: string;
  signature: string;
}

export interface VerifyContext {
  /** The profile the item came from (its pinned key is asked first); null for imports. */
  profileId: string | null;
  /** A key that came with the files (the gateway's answer, or one sent along): never trusted by itself. */
  untrustedPublicKey: string | null;
  profiles: GatewayProfile[];
  now: Date;
}

/**
 * Checks a library item offline. Verified: a key a profile trusts signed the manifest, and the
 * file's size and SHA-256 are the manifest's. Altered: the signature or the bytes do not match.
 * Unknown key: no profile trusts the key the manifest names (the reason says whether the files are
 * at least consistent with the key that came along).
 */
export async function verifyItem(files: ItemFiles, context: VerifyContext): Promise<Verification> {
  const checkedAt = context.now.toISOString();
  let manifestBytes: Buffer;
  let signature: Buffer;
  let file: { size: number; sha256: string };
  try {
    manifestBytes = await readFile(files.manifest);
    signature = decodeSignature(await readFile(files.signature));
    file = { size: (await stat(files.recording)).size, sha256: await sha256File(files.recording) };
  } catch (error) {
    return {
      status: 'altered',
      reason: `A file of this recording is missing or unreadable: ${describe(error)}`,
      checkedAt,
      keyId: '',
    };
  }
  const named = manifestKeyId(manifestBytes);
  if (named === null) {
    return { status: 'altered', reason: 'The manifest is unreadable: it was altered', checkedAt, keyId: '' };
  }
  const verdict = (status: Verification['status'], reason: string): Verification => ({
    status,
    reason,
    checkedAt,
    keyId: named,
  });
  const trusted = trustedKey(named, context);
  if (trusted !== null) {
    const result = verifySealed({ manifestBytes, signature, publicKey: trusted.publicKey, file });
    if (result.ok) {
      return verdict(
        'verified',
        `Signed by the key ${named} that profile "${trusted.profile}" trusts; ${file.size} bytes, SHA-256 ${file.sha256} as signed`,
      );
    }
    return verdict('altered', result.message);
  }
  const pinnedOther = context.profiles.find((p) => p.id === context.profileId)?.signingKey;
  const notTrusted = pinnedOther
    ? `Signed by the key ${named}, but this gateway's profile trusts the key ${pinnedOther.keyId}`
    : `Signed by the key ${named}, which no gateway profile trusts`;
  const candidate = context.untrustedPublicKey;
  if (candidate === null || safeKeyId(candidate) !== named) {
    return verdict(
      'unknown-key',
      `${notTrusted}; its public key is not at hand, so the signature was not checked`,
    );
  }
  const result = verifySealed({ manifestBytes, signature, publicKey: candidate, file });
  if (!result.ok) return verdict('altered', result.message);
  return verdict(
    'unknown-key',
    `${notTrusted}. The signature and the bytes match that key: trust the gateway's signing key to call it Verified`,
  );
}

function trustedKey(named: string, context: VerifyContext): { publicKey: string; profile: string } | null {
  const own = context.profiles.find((p) => p.id === context.profileId);
  const ordered = own ? [own, ...context.profiles.filter((p) => p !== own)] : context.profiles;
  for (const profile of ordered) {
    if (profile.signingKey?.keyId === named)
      return { publicKey: profile.signingKey.publicKey, profile: profile.name };
  }
  return null;
}

function manifestKeyId(bytes: Buffer): string | null {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { gatewayKeyId?: unknown } | null;
    return typeof parsed?.gatewayKeyId === 'string' ? parsed.gatewayKeyId : null;
  } catch {
    return null;
  }
}

/** The id of a PEM key; null when it is not a usable public key. */
export function safeKeyId(pem: string): string | null {
  try {
    return keyId(pem);
  } catch {
    return null;
  }
}
