import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import type { GatewayProfile, PinnedSigningKey, ProfileInput } from '../../shared/ipc';
import { ProfileNotFoundError, ValidationError, describe } from './errors';

const NAME_MAX = 100;

const ProfileFileSchema = Type.Object({
  version: Type.Literal(1),
  profiles: Type.Array(
    Type.Object({
      id: Type.String({ minLength: 1 }),
      name: Type.String(),
      url: Type.String(),
      fingerprint: Type.Union([Type.String(), Type.Null()]),
      lastLogin: Type.Union([Type.String(), Type.Null()]),
      signingKey: Type.Optional(
        Type.Object({ keyId: Type.String(), publicKey: Type.String(), trustedAt: Type.String() }),
      ),
    }),
  ),
});

/** Returns the gateway base URL in canonical form (`https://host[:port]`) or throws a ValidationError. */
export function normalizeGatewayUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ValidationError(`"${raw}" is not a valid URL; write it like https://gateway.example.com:8443`);
  }
  if (url.protocol !== 'https:') {
    throw new ValidationError(
      'The gateway URL must start with https:// (the connection is always encrypted)',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ValidationError('The gateway URL must not contain a user name or password');
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ValidationError('The gateway URL must be only https://host[:port], without a path');
  }
  return url.origin;
}

/**
 * Gateway profiles, kept as one JSON file in the app's data folder. It never holds secrets (the
 * token lives in the OS keychain) but it does hold pinned certificate fingerprints, so a broken file
 * is an error to show, not something to silently replace (that would drop every pin).
 */
export class ProfileStore {
  private readonly file: string;
  private profiles: GatewayProfile[] | null = null;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'profiles.json');
  }

  list(): GatewayProfile[] {
    return this.load().map((p) => ({ ...p }));
  }

  get(id: string): GatewayProfile {
    const profile = this.load().find((p) => p.id === id);
    if (!profile) throw new ProfileNotFoundError(id);
    return { ...profile };
  }

  /** Creates a profile, or updates one when `input.id` is given. A new URL forgets the old pin. */
  save(input: ProfileInput): GatewayProfile {
    const name = input.name.trim();
    if (name.length === 0) throw new ValidationError('The profile needs a name');
    if (name.length > NAME_MAX)
      throw new ValidationError(`The profile name may have at most ${NAME_MAX} characters`);
    const url = normalizeGatewayUrl(input.url);
    const profiles = this.load();
    if (input.id === undefined) {
      const created: GatewayProfile = { id: randomUUID(), name, url, fingerprint: null, lastLogin: null };
      this.write([...profiles, created]);
      return { ...created };
    }
    const current = this.get(input.id);
    const updated: GatewayProfile = {
      ...current,
      name,
      url,
      fingerprint: url === current.url ? current.fingerprint : null,
    };
    // Another address is another gateway: its signing key is trusted afresh, like its certificate.
    if (url !== current.url) delete updated.signingKey;
    return this.replace(updated);
  }

  /** Returns the profile for this URL, creating it with `name` when none exists. */
  ensure(name: string, rawUrl: string): GatewayProfile {
    const url = normalizeGatewayUrl(rawUrl);
    const existing = this.load().find((p) => p.url === url);
    return existing ? { ...existing } : this.save({ name, url });
  }

  remove(id: string): void {
    this.get(id);
    this.write(this.load().filter((p) => p.id !== id));
  }

  pin(id: string, fingerprint: string): GatewayProfile {
    return this.replace({ ...this.get(id), fingerprint: fingerprint.toUpperCase() });
  }

  /**
   * The user trusted the certificate a first connection showed. A pinned certificate is replaced
   * only through the alarm's deliberate "forget" step, never here.
   */
  trust(id: string, fingerprint: string): GatewayProfile {
    const current = this.get(id).fingerprint;
    if (current !== null && current !== fingerprint.toUpperCase()) {
      throw new ValidationError('This gateway already has a pinned certificate: forget it first');
    }
    return this.pin(id, fingerprint);
  }

  forgetCertificate(id: string): GatewayProfile {
    return this.replace({ ...this.get(id), fingerprint: null });
  }

  /**
   * The user trusted the recording signing key the gateway showed. A pinned key is replaced only
   * through the alarm's deliberate "forget" step, never here.
   */
  trustSigningKey(id: string, key: Omit<PinnedSigningKey, 'trustedAt'>, at: Date): GatewayProfile {
    const current = this.get(id);
    if (current.signingKey !== undefined && current.signingKey.keyId !== key.keyId) {
      throw new ValidationError('This gateway already has a pinned signing key: forget it first');
    }
    return this.replace({ ...current, signingKey: { ...key, trustedAt: at.toISOString() } });
  }

  forgetSigningKey(id: string): GatewayProfile {
    const updated = this.get(id);
    delete updated.signingKey;
    return this.replace(updated);
  }

  setLastLogin(id: string, login: string): GatewayProfile {
    return this.replace({ ...this.get(id), lastLogin: login });
  }

  private replace(updated: GatewayProfile): GatewayProfile {
    this.write(this.load().map((p) => (p.id === updated.id ? updated : p)));
    return { ...updated };
  }

  private load(): GatewayProfile[] {
    if (this.profiles) return this.profiles;
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.profiles = []);
      throw new Error(`Cannot read the gateway profiles in ${this.file}: ${describe(error)}`, {
        cause: error,
      });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error(`The gateway profiles file ${this.file} is not valid JSON: ${describe(error)}`, {
        cause: error,
      });
    }
    if (!Value.Check(ProfileFileSchema, data)) {
      throw new Error(`The gateway profiles file ${this.file} has an unexpected layout`);
    }
    return (this.profiles = data.profiles);
  }

  /** Write to a temporary file, flush, then rename: a crash leaves either the old or the new file. */
  private write(profiles: GatewayProfile[]): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ version: 1, profiles }, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    this.profiles = profiles;
  }
}
