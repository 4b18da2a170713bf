import { KeychainUnavailableError } from './errors';

/** Where the session token is kept between runs: the OS keychain, never a plain file. */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** Resolves to whether an entry existed. */
  delete(account: string): Promise<boolean>;
}

export const KEYCHAIN_SERVICE = 'Vigil';

type Keytar = typeof import('keytar');

/**
 * keytar (libsecret / Keychain / Credential Vault). Loaded on first use so that a machine without
 * a keychain still starts the app; every failure becomes a KeychainUnavailableError.
 */
export class KeytarSecretStore implements SecretStore {
  private keytar: Promise<Keytar> | null = null;

  constructor(private readonly service: string = KEYCHAIN_SERVICE) {}

  get(account: string): Promise<string | null> {
    return this.call((k) => k.getPassword(this.service, account));
  }

  set(account: string, secret: string): Promise<void> {
    return this.call((k) => k.setPassword(this.service, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return this.call((k) => k.deletePassword(this.service, account));
  }

  private async call<T>(action: (keytar: Keytar) => Promise<T>): Promise<T> {
    try {
      this.keytar ??= import('keytar').then((m) => ('default' in m ? (m.default as Keytar) : m));
      return await action(await this.keytar);
    } catch (error) {
      throw new KeychainUnavailableError(error);
    }
  }
}
