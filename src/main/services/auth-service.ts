import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { API_PREFIX, LoginResponseSchema, MeSchema, type Me } from '../../shared/api';
import type { AuthState, GatewayProfile, LoginInput, ProfileInput } from '../../shared/ipc';
import { GatewayError, KeychainUnavailableError, NotLoggedInError } from './errors';
import type { EventSink } from './events';
import { GatewayClient } from './gateway-client';
import { normalizeGatewayUrl, type ProfileStore } from './profile-store';
import type { SecretStore } from './secret-store';

export interface AuthServiceDeps {
  profiles: ProfileStore;
  secrets: SecretStore;
  events: EventSink;
  now?: () => number;
  timeoutMs?: number;
}

interface ActiveSession {
  profileId: string;
  token: string;
  expiresAt: string;
  user: Me;
  remembered: boolean;
}

/** A kept token names the gateway it came from: it is never offered to any other. */
const StoredTokenSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  expiresAt: Type.String(),
  url: Type.String(),
});

/** The keychain entry of a profile's token. The password itself is never stored anywhere. */
export const tokenAccount = (profileId: string): string => `token:${profileId}`;

/**
 * Login state of the app. The token stays in this process (and, if asked, in the OS keychain);
 * the renderer only ever sees AuthState. Keeping the token rather than the password bounds what a
 * stolen keychain entry is worth: it expires (8 h) and logout revokes it on the gateway.
 */
export class AuthService {
  private active: ActiveSession | null = null;
  private readonly listeners = new Set<(state: AuthState | null) => void>();
  private readonly expiring = new WeakMap<ActiveSession, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly deps: AuthServiceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** A client for the profile, pinned to the certificate the user trusted (none: nothing connects). */
  client(profileId: string): GatewayClient {
    const { profiles, events, timeoutMs } = this.deps;
    const profile = profiles.get(profileId);
    return new GatewayClient({
      profileId,
      url: profile.url,
      events,
      timeoutMs,
      pin: { current: () => profiles.get(profileId).fingerprint },
    });
  }

  state(): AuthState | null {
    return this.active ? toState(this.active) : null;
  }

  async login(input: LoginInput): Promise<AuthState> {
    const answer = await this.client(input.profileId).call(
      'POST',
      `${API_PREFIX}/auth/login`,
      LoginResponseSchema,
      {
        body: { username: input.username, password: input.password },
      },
    );
    await this.leave(input.profileId);
    const session: ActiveSession = {
      profileId: input.profileId,
      token: answer.token,
      expiresAt: answer.expiresAt,
      user: answer.user,
      remembered: input.remember,
    };
    const account = tokenAccount(input.profileId);
    if (input.remember) {
      try {
        await this.deps.secrets.set(
          account,
          JSON.stringify({
            token: answer.token,
            expiresAt: answer.expiresAt,
            url: this.deps.profiles.get(input.profileId).url,
          }),
        );
      } catch (error) {
        // The token cannot be kept as asked: do not leave it valid on the gateway either.
        await this.revoke(session);
        throw error instanceof KeychainUnavailableError ? error : new KeychainUnavailableError(error);
      }
    } else {
      await this.deps.secrets.delete(account).catch(() => false);
    }
    this.deps.profiles.setLastLogin(input.profileId, input.username);
    this.setActive(session);
    return toState(session);
  }

  /** Resumes with the token kept in the keychain; null when there is none or it is no longer valid. */
  async resume(profileId: string): Promise<AuthState | null> {
    if (this.active?.profileId === profileId) return toState(this.active);
    const client = this.client(profileId);
    const account = tokenAccount(profileId);
    const stored = await this.deps.secrets.get(account).catch(() => null);
    if (stored === null) return null;
    const parsed = parseStored(stored);
    const url = this.deps.profiles.get(profileId).url;
    if (parsed === null || parsed.url !== url || Date.parse(parsed.expiresAt) <= this.now()) {
      await this.deps.secrets.delete(account).catch(() => false);
      return null;
    }
    let user: Me;
    try {
      user = await client.call('GET', `${API_PREFIX}/me`, MeSchema, { token: parsed.token });
    } catch (error) {
      if (error instanceof GatewayError && error.status === 401) {
        await this.deps.secrets.delete(account).catch(() => false);
        return null;
      }
      throw error;
    }
    await this.leave(profileId);
    const session = { profileId, token: parsed.token, expiresAt: parsed.expiresAt, user, remembered: true };
    this.setActive(session);
    return toState(session);
  }

  /**
   * Creates or edits a profile. A token belongs to the gateway that issued it: when the URL changes,
   * the profile's session ends (revoked at the old address) and its kept token is deleted before the
   * new address is saved, so nothing can resume with it against the new server. The store forgets
   * the old certificate pin at the same time.
   */
  async saveProfile(input: ProfileInput): Promise<GatewayProfile> {
    if (input.id !== undefined) {
      const current = this.deps.profiles.get(input.id);
      if (normalizeGatewayUrl(input.url) !== current.url) {
        if (this.active?.profileId === input.id) await this.logout();
        await this.forget(input.id);
      }
    }
    return this.deps.profiles.save(input);
  }

  /** Revokes the token on the gateway (when it can be reached) and forgets it here and in the keychain. */
  async logout(): Promise<void> {
    const session = this.active;
    if (!session) return;
    this.setActive(null);
    await this.revoke(session);
    await this.deps.secrets.delete(tokenAccount(session.profileId)).catch(() => false);
  }

  /**
   * Drops a profile's session without contacting its gateway: used once the user accepted a new
   * certificate, since the old token must not be handed to a server that was not the one it came from.
   */
  async forget(profileId: string): Promise<void> {
    if (this.active?.profileId === profileId) this.setActive(null);
    await this.deps.secrets.delete(tokenAccount(profileId)).catch(() => false);
  }

  /** Runs an authenticated call; a 401 ends the session and tells the renderer to show login. */
  async withSession<T>(call: (client: GatewayClient, token: string) => Promise<T>): Promise<T> {
    const session = this.active;
    if (!session) throw new NotLoggedInError();
    if (Date.parse(session.expiresAt) <= this.now()) {
      await this.expire(session);
      throw new NotLoggedInError();
    }
    try {
      return await call(this.client(session.profileId), session.token);
    } catch (error) {
      if (error instanceof GatewayError && error.status === 401) await this.expire(session);
      throw error;
    }
  }

  /**
   * Calls `listener` whenever the logged-in session changes (login, resume, logout, expiry):
   * connections held for a login (live streams, session updates) must not outlive it.
   */
  onSessionChange(listener: (state: AuthState | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setActive(session: ActiveSession | null): void {
    this.active = session;
    const state = session ? toState(session) : null;
    for (const listener of this.listeners) listener(state);
  }

  /**
   * Several calls can meet the same dead token at once (a list refresh and the updates socket):
   * all of them wait for the one expiry, so each caller returns only after 'auth:expired' is out.
   */
  private expire(session: ActiveSession): Promise<void> {
    const pending = this.expiring.get(session);
    if (pending !== undefined) return pending;
    if (this.active !== session) return Promise.resolve();
    this.setActive(null);
    const done = this.deps.secrets
      .delete(tokenAccount(session.profileId))
      .catch(() => false)
      .then(() => this.deps.events('auth:expired', { profileId: session.profileId }));
    this.expiring.set(session, done);
    return done;
  }

  /** Before switching: a remembered session of another profile stays resumable, any other is revoked. */
  private async leave(nextProfileId: string): Promise<void> {
    const session = this.active;
    if (!session) return;
    this.setActive(null);
    if (session.remembered && session.profileId !== nextProfileId) return;
    await this.revoke(session);
  }

  private async revoke(session: ActiveSession): Promise<void> {
    try {
      await this.client(session.profileId).call('POST', `${API_PREFIX}/auth/logout`, Type.Unknown(), {
        token: session.token,
      });
    } catch {
      // Unreachable gateway, already revoked, or a changed certificate (nothing was sent): the token
      // is forgotten here either way and expires on the gateway by itself.
    }
  }
}

function toState(session: ActiveSession): AuthState {
  return { profileId: session.profileId, user: session.user, expiresAt: session.expiresAt };
}

function parseStored(text: string): Static<typeof StoredTokenSchema> | null {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(StoredTokenSchema, value) ? value : null;
  } catch {
    return null;
  }
}
