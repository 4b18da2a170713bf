import { API_PREFIX, GatewaySigningKeySchema, type SealedRecording } from '../../shared/api';
import { IPC_ERROR, type GatewayProfile, type SigningKeyStatus } from '../../shared/ipc';
import type { AuthService } from './auth-service';
import { AppFailure, GatewayError, NotLoggedInError, ValidationError } from './errors';
import { safeKeyId } from './library/verify-item';
import type { ProfileStore } from './profile-store';

/** A pinned profile's gateway signs with another key: an alarm, never accepted silently. */
export class SigningKeyChangedError extends AppFailure {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      IPC_ERROR.signingKeyChanged,
      `The gateway signs recordings with a different key (trusted ${expected}, now ${actual}). ` +
        'Nothing was downloaded. Ask the gateway administrator whether the key was replaced; only then forget the old key and trust the new one.',
    );
  }
}

/**
 * Throws when a gateway's answer names a key other than the one the profile pinned, or a key that
 * does not match its own id (a broken answer).
 */
export function checkSigningKey(profile: GatewayProfile, key: { publicKey: string; keyId: string }): void {
  if (safeKeyId(key.publicKey) !== key.keyId) {
    throw new GatewayError(0, 'BAD_RESPONSE', 'The gateway sent a signing key whose id does not match it');
  }
  const pinned = profile.signingKey?.keyId;
  if (pinned !== undefined && pinned !== key.keyId) throw new SigningKeyChangedError(pinned, key.keyId);
}

/** Like checkSigningKey, for a manifest answer: the key that signed it must be the pinned one too. */
export function checkSealedKey(profile: GatewayProfile, sealed: SealedRecording): void {
  checkSigningKey(profile, sealed);
  const pinned = profile.signingKey?.keyId;
  if (pinned !== undefined && sealed.manifest.gatewayKeyId !== pinned) {
    throw new SigningKeyChangedError(pinned, sealed.manifest.gatewayKeyId);
  }
}

/**
 * The recording signing key of each profile's gateway, pinned like its TLS certificate: shown on
 * first use, trusted only when the user says so, and a different key later is the alarm.
 */
export class SigningKeyService {
  constructor(private readonly deps: { auth: AuthService; profiles: ProfileStore; now: () => Date }) {}

  async status(profileId: string): Promise<SigningKeyStatus> {
    const profile = this.deps.profiles.get(profileId);
    if (this.deps.auth.state()?.profileId !== profileId) throw new NotLoggedInError();
    const key = await this.deps.auth.withSession((client, token) =>
      client.call('GET', `${API_PREFIX}/gateway/signing-key`, GatewaySigningKeySchema, { token }),
    );
    checkSigningKey(profile, key);
    return {
      profileId,
      keyId: key.keyId,
      publicKey: key.publicKey,
      trusted: profile.signingKey !== undefined,
    };
  }

  /** Pins the key the gateway shows now, if it is the one the user compared. */
  async trust(profileId: string, keyId: string): Promise<GatewayProfile> {
    const current = await this.status(profileId);
    if (current.keyId !== keyId) {
      throw new ValidationError(
        `The gateway's signing key is ${current.keyId}, not the ${keyId} you compared: nothing was trusted`,
      );
    }
    return this.deps.profiles.trustSigningKey(
      profileId,
      { keyId, publicKey: current.publicKey },
      this.deps.now(),
    );
  }

  forget(profileId: string): GatewayProfile {
    return this.deps.profiles.forgetSigningKey(profileId);
  }
}
