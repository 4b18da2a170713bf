import { randomBytes, sign } from 'node:crypto';
import { existsSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { SigningKey } from '../datadir';
import type { AsyncRepositories } from '../db/asyncStore';
import type { SealableSession, StoredSeal } from '../db/recordingSeals';
import { FORMAT_VERSION } from '../../recording/format';
import type { Clock } from '../time';
import { canonicalManifestBytes, keyId, type RecordingManifest } from '../../recording/manifest';

/** The files that make a copied recordings folder self-contained, next to `<hash>.vrec`. */
export function sealFiles(recordingFile: string, hash: string): { manifest: string; signature: string } {
  const dir = dirname(recordingFile);
  return { manifest: join(dir, `${hash}.manifest.json`), signature: join(dir, `${hash}.manifest.sig`) };
}

export interface SealOptions {
  /** The session was finished by crash recovery at the next start: the manifest says so. */
  recovered?: boolean;
}

/**
 * Seals finished recordings: a manifest naming the session and the file's size and SHA-256,
 * signed with the gateway's Ed25519 key, kept in the database and written next to the recording.
 * The key is loaded on first use, so a gateway that never seals never touches it.
 */
export class RecordingSeal {
  #key: { signing: SigningKey; id: string } | null = null;

  constructor(
    private readonly seals: AsyncRepositories['recordingSeals'],
    private readonly loadKey: () => SigningKey,
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
    /** The error message of sessions finished by crash recovery (how the next start tells them). */
    private readonly recoveredMessage: string,
  ) {}

  /** The public half of the signing key (PEM) and its id. */
  publicKey(): { publicKey: string; keyId: string } {
    const key = this.key();
    return { publicKey: key.signing.publicKeyPem, keyId: key.id };
  }

  /** The session's seal, if it has one. */
  stored(sessionId: number): Promise<StoredSeal | null> {
    return this.seals.get(sessionId);
  }

  /** The absolute path of a recording the database names (relative to the data folder). */
  recordingFile(path: string): string {
    return isAbsolute(path) ? path : join(this.dataDir, path);
  }

  /**
   * Seals a finished session's recording once (a second call returns the first seal and rewrites
   * missing files). Null when the session is not finished or has no hashed recording. Throws when
   * the file is missing, or the key or the files fail; the session stays unsealed then and
   * `sealPending` retries.
   */
  async seal(sessionId: number, options: SealOptions = {}): Promise<StoredSeal | null> {
    const session = await this.seals.sealable(sessionId);
    if (session === null) return null;
    if (!existsSync(this.recordingFile(session.recording.path))) {
      throw new Error(`the recording file ${session.recording.path} is missing`);
    }
    const existing = await this.seals.get(sessionId);
    if (existing !== null) {
      this.writeFiles(session, existing, { onlyMissing: true });
      return existing;
    }
    const key = this.key();
    const signedAt = this.clock();
    const manifest = buildManifest(session, key.id, signedAt, options.recovered === true);
    const bytes = canonicalManifestBytes(manifest);
    const seal: StoredSeal = {
      manifest: bytes.toString('utf8'),
      signature: sign(null, bytes, key.signing.privateKey).toString('base64'),
      keyId: key.id,
      signedAt,
    };
    // Files first: when the database then fails, the next start seals again and replaces them.
    this.writeFiles(session, seal, { onlyMissing: false });
    if (!(await this.seals.insert(sessionId, seal))) {
      const first = (await this.seals.get(sessionId))!;
      this.writeFiles(session, first, { onlyMissing: false });
      return first;
    }
    return seal;
  }

  /** As seal(), but a failure is logged instead of thrown: finishing a session never depends on it. */
  async sealQuietly(sessionId: number, options: SealOptions = {}): Promise<StoredSeal | null> {
    try {
      return await this.seal(sessionId, options);
    } catch (err) {
      this.log(`Could not seal the recording of session ${sessionId}: ${(err as Error).message}`);
      return null;
    }
  }

  /**
   * Seals every finished recording that has no seal yet (run at start); returns the ids sealed.
   * Rows whose file is not there (removed, or never written) are left alone: nothing to vouch for.
   */
  async sealPending(): Promise<number[]> {
    const sealed: number[] = [];
    for (const session of await this.seals.unsealed()) {
      if (!existsSync(this.recordingFile(session.recording.path))) continue;
      const recovered = session.errorMessage === this.recoveredMessage;
      if ((await this.sealQuietly(session.id, { recovered })) !== null) sealed.push(session.id);
    }
    return sealed;
  }

  private key(): { signing: SigningKey; id: string } {
    if (this.#key === null) {
      const signing = this.loadKey();
      this.#key = { signing, id: keyId(signing.publicKeyPem) };
    }
    return this.#key;
  }

  private writeFiles(session: SealableSession, seal: StoredSeal, options: { onlyMissing: boolean }): void {
    const files = sealFiles(this.recordingFile(session.recording.path), session.hash);
    writeAtomically(files.manifest, seal.manifest, options.onlyMissing);
    writeAtomically(files.signature, `${seal.signature}\n`, options.onlyMissing);
  }
}

function buildManifest(
  session: SealableSession,
  gatewayKeyId: string,
  signedAt: number,
  recovered: boolean,
): RecordingManifest {
  return {
    format: 'vigil-recording',
    version: FORMAT_VERSION,
    sessionId: session.id,
    hash: session.hash,
    operator: session.operator,
    account: session.account,
    target: session.target,
    protocol: session.protocol,
    startedAt: new Date(session.startedAt).toISOString(),
    endedAt: new Date(session.endedAt).toISOString(),
    durationMs: session.durationMs,
    size: session.recording.size,
    sha256: session.recording.sha256,
    gatewayKeyId,
    signedAt: new Date(signedAt).toISOString(),
    ...(recovered ? { recovered: true as const } : {}),
  };
}

/** Readers never see a half-written file: write a private temp file, then rename it into place. */
function writeAtomically(path: string, content: string, onlyMissing: boolean): void {
  if (onlyMissing && existsSync(path)) return;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, content, { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    if (existsSync(temp)) unlinkSync(temp);
    throw err;
  }
}
