import type { Me } from '../../shared/api';
import {
  hashPassword,
  verifyPassword,
  decoyHash,
  DEFAULT_SCRYPT,
  type ScryptParams,
} from '../crypto/passwords';
import { hashToken, newToken } from '../crypto/tokens';
import type { Store } from '../db/store';
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
    private readonly store: Store,
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
    this.store.transaction(() => {
      this.store.identity.clearFailures(username);
      this.store.identity.insertToken(hashToken(token), user.id, now, expiresAt, originIp);
      this.store.identity.pruneTokens(now);
      this.event('Login', user.id, originIp, '');
    });
    return { token, expiresAt: iso(expiresAt), user: this.me(user.id) };
  }

  /**
   * Checks a password outside the API (the SSH proxy): the same lock, failure count and events as
   * login(), without a token. Resolves with the user's id; rejects like login() (401 or 429).
   */
  async verifyLogin(username: string, password: string, originIp: string | null): Promise<number> {
    const user = await this.checkPassword(username, password, originIp);
    this.store.identity.clearFailures(username);
    return user.id;
  }

  /** Throws login()'s 429 while the login is locked (also for logins without a password). */
  assertNotLocked(username: string, originIp: string | null): void {
    const lockedUntil = this.store.identity.lockedUntil(username);
    if (lockedUntil !== null && lockedUntil > this.clock()) {
      this.refusalEvent(
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
    const reservation = this.reserve(username, originIp);
    const user = this.store.users.findByLogin(username);
    // Unknown logins are checked against a decoy hash: same work, same answer, no enumeration.
    const matches = await verifyPassword(password, user?.passwordHash ?? (await this.decoyHash()));
    if (user === null || !matches) throw this.failed(username, user?.id ?? null, reservation);
    if (reservation.originIp !== null) this.perIp.release(reservation.originIp, reservation.at);
    // Failures of checks that ran alongside this one may have locked the login meanwhile.
    this.assertNotLocked(username, originIp);
    return user;
  }

  /** Takes this check's slots before any hashing, or throws the 429 that refuses it. */
  private reserve(username: string, originIp: string | null): Reservation {
    this.assertNotLocked(username, originIp);
    const at = this.clock();
    if (originIp !== null && !this.perIp.reserve(originIp, at)) {
      this.refusalEvent(
        `address ${originIp}`,
        username,
        originIp,
        `Login "${username}" refused: too many failed logins from ${originIp}`,
      );
      throw tooManyRequests('Too many failed logins from this address: try again later', 'RATE_LIMITED');
    }
    const { maxFailures, failureWindowMs } = this.options;
    const id = this.store.transaction(() =>
      this.store.identity.reserveAttempt(username, at, originIp, maxFailures, at - failureWindowMs),
    );
    if (id === null) {
      if (originIp !== null) this.perIp.release(originIp, at);
      this.refusalEvent(
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
  private refusalEvent(key: string, username: string, originIp: string | null, note: string): void {
    const held = this.refusals.take(key.toLowerCase(), this.clock());
    if (held === null) return;
    const userId = this.store.users.findByLogin(username)?.id ?? null;
    const more = held === 0 ? '' : ` (${held} more refused since the previous event)`;
    this.event('Login locked', userId, originIp, `${note}${more}`);
  }

  /** The caller behind a bearer token, or null when it is unknown, revoked or expired. */
  authenticate(token: string, originIp: string | null): Caller | null {
    return this.authenticateHash(hashToken(token), originIp);
  }

  /** As authenticate(), for a token known by its hash (a live ticket keeps only that). */
  authenticateHash(tokenHash: string, originIp: string | null): Caller | null {
    const record = this.store.identity.findToken(tokenHash);
    if (record === null || record.revokedAt !== null || record.expiresAt <= this.clock()) return null;
    const user = this.store.users.findById(record.userId);
    if (user === null) return null;
    return {
      userId: user.id,
      login: user.login,
      name: user.name,
      principal: this.store.users.principal(user.id),
      tokenHash,
      originIp,
    };
  }

  logout(caller: Caller): void {
    this.store.transaction(() => {
      this.store.identity.revokeToken(caller.tokenHash, this.clock());
      this.event('Logout', caller.userId, caller.originIp, '');
    });
  }

  me(userId: number): Me {
    const user = this.store.users.findById(userId);
    if (user === null) throw unauthorized('The user no longer exists');
    const principal = this.store.users.principal(userId);
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

  private failed(username: string, userId: number | null, reservation: Reservation): Error {
    const { maxFailures, failureWindowMs, lockMs } = this.options;
    const { originIp } = reservation;
    const now = this.clock();
    return this.store.transaction(() => {
      this.store.identity.failAttempt(reservation.id);
      this.event('Login failed', userId, originIp, `Login "${username}" failed`);
      if (this.store.identity.failuresSince(username, now - failureWindowMs) < maxFailures) {
        return unauthorized(INVALID, 'INVALID_CREDENTIALS');
      }
      const until = now + lockMs;
      this.store.identity.lock(username, until);
      this.store.identity.clearFailures(username);
      this.event(
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

  private event(
    type: 'Login' | 'Login failed' | 'Login locked' | 'Logout',
    actorId: number | null,
    originIp: string | null,
    note: string,
  ) {
    this.store.events.append({ type, at: this.clock(), actorId, originIp, sessionId: null, note });
  }
}

function lockedError(until: number) {
  return tooManyRequests(`Too many failed logins: this login is locked until ${iso(until)}`);
}
