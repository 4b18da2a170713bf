import { X509Certificate } from 'node:crypto';
import { normalizeFingerprint } from '../rdp/certificate';
import type { SecretBox } from '../crypto/secrets';
import type { AsyncStore } from '../db/asyncStore';
import type { UserKeyRecord } from '../db/userKeys';
import { badRequest, notFound } from '../errors';
import type { Clock } from '../time';
import {
  checkPrivateKey,
  credentialKeyContext,
  hostKeyFingerprint,
  KeyFormatError,
  parsePublicKeys,
} from '../ssh/keys';

/** The administration use cases of the SSH proxy behind the CLI: operator keys, target keys. */
export class SshAdminService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    private readonly secrets: () => SecretBox,
  ) {}

  /** Adds the public keys of an authorized_keys-style text; returns them with whether each was new. */
  async addUserKeys(
    login: string,
    text: string,
  ): Promise<{ fingerprint: string; algorithm: string; added: boolean }[]> {
    const user = await this.store.users.findByLogin(login);
    if (user === null) throw notFound(`Unknown user ${login}`);
    const keys = withKeyErrors(() => parsePublicKeys(text));
    return this.store.transaction(async (tx) => {
      const added = [];
      for (const k of keys) {
        added.push({
          fingerprint: k.fingerprint,
          algorithm: k.algorithm,
          added: await tx.userKeys.add({
            userId: user.id,
            algorithm: k.algorithm,
            publicKey: k.blob,
            fingerprint: k.fingerprint,
            comment: k.comment,
            createdAt: this.clock(),
          }),
        });
      }
      return added;
    });
  }

  async listUserKeys(login: string): Promise<UserKeyRecord[]> {
    const user = await this.store.users.findByLogin(login);
    if (user === null) throw notFound(`Unknown user ${login}`);
    return this.store.userKeys.listForUser(user.id);
  }

  /**
   * Stores (or, with null, removes) the private key the gateway logs into TARGET as ACCOUNT with,
   * next to the credential's password. Returns the key's public fingerprint.
   */
  async setCredentialKey(
    targetName: string,
    account: string,
    privateKey: string | null,
  ): Promise<string | null> {
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    const credential = await this.store.targets.findCredential(target.id, account);
    if (credential === null) throw notFound(`No credential for account ${account} on target ${target.name}`);
    if (privateKey === null) {
      await this.store.targets.setCredentialKey(credential.id, null);
      return null;
    }
    const fingerprint = withKeyErrors(() => checkPrivateKey(privateKey));
    const sealed = this.secrets().seal(privateKey, credentialKeyContext(target.id, account));
    await this.store.targets.setCredentialKey(credential.id, sealed);
    return fingerprint;
  }

  /**
   * Registers the host key the target must show (a fingerprint, a .pub file or an ssh-keyscan
   * line; for an RDP target, its TLS certificate or that certificate's SHA-256 fingerprint): its
   * first connection is then checked like any later one. Returns the fingerprint.
   */
  async setHostKey(targetName: string, keyText: string): Promise<string> {
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    const fingerprint =
      target.protocol === 'rdp'
        ? certificateFingerprint(keyText)
        : withKeyErrors(() => hostKeyFingerprint(keyText));
    await this.store.targets.setHostKey(target.id, fingerprint);
    return fingerprint;
  }

  /** Forgets the host key pinned for a target; false when none was pinned. */
  async forgetHostKey(targetName: string): Promise<boolean> {
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    return this.store.targets.forgetHostKey(target.id);
  }
}

function withKeyErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof KeyFormatError) throw badRequest(err.message);
    throw err;
  }
}

/** An RDP target's certificate fingerprint from the fingerprint itself or the certificate (PEM). */
function certificateFingerprint(text: string): string {
  const given = normalizeFingerprint(text);
  if (given !== null) return given;
  try {
    return new X509Certificate(text).fingerprint256;
  } catch {
    throw badRequest(
      "An RDP target's --host-key is its TLS certificate (PEM) or its SHA-256 fingerprint (AB:CD:…)",
    );
  }
}
