import { createHash } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';

export interface PublicKeyInfo {
  algorithm: string;
  /** SSH wire encoding of the public key. */
  blob: Buffer;
  /** "SHA256:<base64>" as `ssh-keygen -l` prints it. */
  fingerprint: string;
  comment: string;
}

export class KeyFormatError extends Error {
  override name = 'KeyFormatError';
}

/** "SHA256:<unpadded base64>" of an SSH public key blob, the way OpenSSH shows fingerprints. */
export function keyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** Whether `text` is a key fingerprint as ssh-keygen -l prints it (SHA256:<43 base64 chars>). */
function isFingerprint(text: string): boolean {
  return FINGERPRINT.test(text.trim());
}

/**
 * The fingerprint of the one host key in `text`: a fingerprint itself, a `.pub` file, or a line of
 * ssh-keyscan / known_hosts (a host name before the key). Several keys are refused: the gateway
 * pins one, so the administrator names the one the target will show.
 */
export function hostKeyFingerprint(text: string): string {
  if (isFingerprint(text)) return text.trim();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const keys = lines.map((line) => {
    try {
      return parsePublicKeys(line)[0]!;
    } catch {
      // ssh-keyscan and known_hosts put the host first.
      return parsePublicKeys(line.trim().replace(/^\S+\s+/, ''))[0]!;
    }
  });
  if (keys.length === 0) throw new KeyFormatError('no host key found');
  if (keys.length > 1) {
    throw new KeyFormatError(
      `${keys.length} keys found (${keys.map((k) => k.algorithm).join(', ')}): give the one the target uses`,
    );
  }
  return keys[0]!.fingerprint;
}

function parseOne(text: string): ParsedKey | Error {
  const parsed = ssh2.utils.parseKey(text) as ParsedKey | ParsedKey[] | Error;
  return Array.isArray(parsed) ? (parsed[0] ?? new Error('no key found')) : parsed;
}

/**
 * Public keys from a `.pub` file or an authorized_keys-style list (one key per line; blank lines
 * and # comments skipped). Option prefixes (`from=…`) are refused: Vigil has no such restrictions.
 */
export function parsePublicKeys(text: string): PublicKeyInfo[] {
  const keys: PublicKeyInfo[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const parsed = parseOne(line);
    if (parsed instanceof Error)
      throw new KeyFormatError(`line ${index + 1}: not an SSH public key (${parsed.message})`);
    if (parsed.isPrivateKey())
      throw new KeyFormatError(`line ${index + 1}: this is a private key; give the .pub file`);
    const blob = parsed.getPublicSSH();
    keys.push({ algorithm: parsed.type, blob, fingerprint: keyFingerprint(blob), comment: parsed.comment });
  });
  if (keys.length === 0) throw new KeyFormatError('no public key found');
  return keys;
}

/** Checks that `text` is an unencrypted private key ssh2 can use; returns its public key's fingerprint. */
export function checkPrivateKey(text: string): string {
  const parsed = parseOne(text);
  if (parsed instanceof Error) throw new KeyFormatError(`not a usable private key (${parsed.message})`);
  if (!parsed.isPrivateKey()) throw new KeyFormatError('this is a public key; give the private key file');
  return keyFingerprint(parsed.getPublicSSH());
}

/** Whether `signature` over `data` was made with the private half of the public key `blob`. */
export function verifySignature(blob: Buffer, data: Buffer, signature: Buffer, hashAlgo?: string): boolean {
  const key = ssh2.utils.parseKey(blob);
  return !(key instanceof Error) && key.verify(data, signature, hashAlgo) === true;
}

/**
 * A new Ed25519 key pair in OpenSSH format. ssh2's generator writes a few keys in a thousand with
 * a malformed public part (a 31-byte key) that its own parser then rejects, so a pair is only
 * returned once ssh2 reads it back.
 */
export function generateEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment === undefined ? {} : { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('could not generate an Ed25519 key that ssh2 can read');
}

/** Binds a credential's sealed private key to its row (AES-GCM associated data). */
export function credentialKeyContext(targetId: number, account: string): string {
  return `vigil-credential-key:${targetId}:${account}`;
}
