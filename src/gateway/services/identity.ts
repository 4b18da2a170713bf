import type { Me } from '../../shared/api';
import {
  hashPassword,
  verifyPassword,
  decoyHash,
  DEFAULT_SCRYPT,
  type ScryptParams,
} from '../crypto/passwords';
import { hashToken, newToken } from '../crypto/tokens';
import type { AsyncRepositories, AsyncStore } from '../db/asyncStore';
import type { UserRecord } from '../db/users';
import { tooManyRequests, unauthorized } from '../errors';
import { RefusalThrottle, SlidingWindow } from './loginLimits';
import { iso, type Clock } from '../time';
import type { Caller } from './caller';

export interface IdentityOptions {
  tokenTtlMs: number;
  maxFailures: number;
  failureWindowMs: number;
  lockMs: number;
  /**
   * Password checks one source address may have failed or in progress within `perIpWindowMs`:
   * caps spraying one password across many logins and the scrypt work of unknown logins.
   */
  perIpMaxAttempts: number;
  perIpWindowMs: number;
  /** Refusals of a locked login leave at most one event per login per interval (with a count). */
  lockedEventIntervalMs: number;
  scrypt: ScryptParams;
}

export const DEFAULT_IDENTITY: IdentityOptions = {
  tokenTtlMs: 8 * 3_600_000,
  maxFailures: 5,
  failureWindowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  perIpMaxAttempts: 30,
  perIpWindowMs: 15 * 60_000,
  lockedEventIntervalMs: 60_000,
  scrypt: DEFAULT_SCRYPT,
};

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: Me;
}

const INVALID = 'Invalid username or password';

/** The slots one password check holds until its outcome is known. */
interface Reservation {
  id: number;
  at: number;
  originIp: string | null;
}

/**
 * Logins, bearer tokens and the failed-login lock (5 failures in 15 min lock the login for 15 min).
 * Each password check takes its slot (per login, per source address) before any hashing, so however
 * many arrive at once, no more than the lock allows are ever evaluated.
 */
export class IdentityService {
  private decoy: Promise<string> | null = null;
  private readonly perIp: SlidingWindow;
  private readonly refusals: RefusalThrottle;

  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    private readonly options: IdentityOptions = DEFAULT_IDENTITY,
  ) {
    this.perIp = new SlidingWindow(options.perIpMaxAttempts, options.perIpWindowMs);
    this.refusals = new RefusalThrottle(options.lockedEventIntervalMs);
  }

  async login(username: string, password: string, originIp: string | null): Promise<LoginResult> {
    const user = await this.checkPassword(username, password, originIp);
    const now = this.clock();
    const token = newToken();
    const expiresAt = now + this.options.tokenTtlMs;
    await this.store.transaction(async (tx) => {
      await tx.identity.clearFailures(username);
      await tx.identity.insertToken(hashToken(token), user.id, now, expiresAt, originIp);
      await tx.identity.pruneTokens(now);
      await this.event(tx, 'Login', user.id, originIp, '');
    });
    return { token, expiresAt: iso(expiresAt), user: await this.me(user.id) };
  }

  /**
   * Checks a password outside the API (the SSH proxy): the same lock, failure count and events as
   * login(), without a token. Resolves with the user's id; rejects like login() (401 or 429).
   */
  async verifyLogin(username: string, password: string, originIp: string | null): Promise<number> {
    const user = await this.checkPassword(username, password, originIp);
    await this.store.identity.clearFailures(username);
    return user.id;
  }

  /** Throws login()'s 429 while the login is locked (also for logins without a password). */
  async assertNotLocked(username: string, originIp: string | null): Promise<void> {
    const lockedUntil = await this.store.identity.lockedUntil(username);
    if (lockedUntil !== null && lockedUntil > this.clock()) {
      await this.refusalEvent(
        username,
        username,
        originIp,
        `Login "${username}" refused while locked until ${iso(lockedUntil)}`,
      );
      throw lockedError(lockedUntil);
    }
  }

  private async checkPassword(
    username: string,
    password: string,
    originIp: string | null,
  ): Promise<UserRecord> {
    const reservation = await this.reserve(username, originIp);
    const user = await this.store.users.findByLogin(username);
    // Unknown logins are checked against a decoy hash: same work, same answer, no enumeration.
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.decoyHash()));
    if (user === null || !matches) throw await this.failed(username, user?.id ?? null, reservation);
    if (reservation.originIp !== null) this.perIp.release(reservation.originIp, reservation.at);
    // Failures of checks that ran alongside this one may have locked the login meanwhile.
    await this.assertNotLocked(username, originIp);
    return user;
  }

  /** Takes this check's slots before any hashing, or throws the 429 that refuses it. */
  private async reserve(username: string, originIp: string | null): Promise<Reservation> {
    await this.assertNotLocked(username, originIp);
    const at = this.clock();
    if (originIp !== null && !this.perIp.reserve(originIp, at)) {
      await this.refusalEvent(
        `address ${originIp}`,
        username,
        originIp,
        `Login "${username}" refused: too many failed logins from ${originIp}`,
      );
      throw tooManyRequests('Too many failed logins from this address: try again later', 'RATE_LIMITED');
    }
    const { maxFailures, failureWindowMs } = this.options;
    const id = await this.store.transaction((tx) =>
      tx.identity.reserveAttempt(username, at, originIp, maxFailures, at - failureWindowMs),
    );
    if (id === null) {
      if (originIp !== null) this.perIp.release(originIp, at);
      await this.refusalEvent(
        username,
        username,
        originIp,
        `Login "${username}" refused: ${maxFailures} attempts are already failed or being checked`,
      );
      throw tooManyRequests('Too many login attempts for this login at once: try again later');
    }
    return { id, at, originIp };
  }

  /** A refusal event, at most one per key and interval; the note counts the ones held back. */
  private async refusalEvent(
    key: string,
    username: string,
    originIp: string | null,
    note: string,
  ): Promise<void> {
    const held = this.refusals.take(key.toLowerCase(), this.clock());
    if (held === null) return;
    const userId = (await this.store.users.findByLogin(username))?.id ?? null;
    const more = held === 0 ? '' : ` (${held} more refused since the previous event)`;
    await this.event(this.store, 'Login locked', userId, originIp, `${note}${more}`);
  }

  /** The caller behind a bearer token, or null when it is unknown, revoked or expired. */
  authenticate(token: string, originIp: string | null): Promise<Caller | null> {
    return this.authenticateHash(hashToken(token), originIp);
  }

  /** As authenticate(), for a token known by its hash (a live ticket keeps only that). */
  async authenticateHash(tokenHash: string, originIp: string | null): Promise<Caller | null> {
    const record = await this.store.identity.findToken(tokenHash);
    if (record === null || record.revokedAt !== null || record.expiresAt <= this.clock()) return null;
    const user = await this.store.users.findById(record.userId);
    if (user === null) return null;
    return {
      userId: user.id,
      login: user.login,
      name: user.name,
      principal: await this.store.users.principal(user.id),
      tokenHash,
      originIp,
    };
  }

  async logout(caller: Caller): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.identity.revokeToken(caller.tokenHash, this.clock());
      await this.event(tx, 'Logout', caller.userId, caller.originIp, '');
    });
  }

  async me(userId: number): Promise<Me> {
    const user = await this.store.users.findById(userId);
    if (user === null) throw unauthorized('The user no longer exists');
    const principal = await this.store.users.principal(userId);
    return {
      id: user.id,
      login: user.login,
      name: user.name,
      roles: [...principal.roles],
      permissions: [...principal.permissions],
    };
  }

  hashPassword(password: string): Promise<string> {
    return hashPassword(password, this.options.scrypt);
  }

  private failed(username: string, userId: number | null, reservation: Reservation): Promise<Error> {
    const { maxFailures, failureWindowMs, lockMs } = this.options;
    const { originIp } = reservation;
    const now = this.clock();
    return this.store.transaction(async (tx) => {
      await tx.identity.failAttempt(reservation.id);
      await this.event(tx, 'Login failed', userId, originIp, `Login "${username}" failed`);
      if ((await tx.identity.failuresSince(username, now - failureWindowMs)) < maxFailures) {
        return unauthorized(INVALID, 'INVALID_CREDENTIALS');
      }
      const until = now + lockMs;
      await tx.identity.lock(username, until);
      await tx.identity.clearFailures(username);
      await this.event(
        tx,
        'Login locked',
        userId,
        originIp,
        `Login "${username}" locked until ${iso(until)} after ${maxFailures} failed attempts`,
      );
      return lockedError(until);
    });
  }

  private decoyHash(): Promise<string> {
    this.decoy ??= decoyHash(this.options.scrypt);
    return this.decoy;
  }

  private async event(
    repos: Pick<AsyncRepositories, 'events'>,
    type: 'Login' | 'Login failed' | 'Login locked' | 'Logout',
    actorId: number | null,
    originIp: string | null,
    note: string,
  ): Promise<void> {
    await repos.events.append({ type, at: this.clock(), actorId, originIp, sessionId: null, note });
  }
}

function lockedError(until: number) {
  return tooManyRequests(`Too many failed logins: this login is locked until ${iso(until)}`);
}
