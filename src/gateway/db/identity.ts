import type { Db } from './database';

export interface TokenRecord {
  userId: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** Login tokens (stored as SHA-256), failed logins and login locks. */
export class IdentityRepository {
  constructor(private readonly db: Db) {}

  insertToken(
    tokenHash: string,
    userId: number,
    createdAt: number,
    expiresAt: number,
    originIp: string | null,
  ): void {
    this.db
      .prepare(
        'INSERT INTO tokens (token_hash, user_id, created_at, expires_at, origin_ip) VALUES (?, ?, ?, ?, ?)',
      )
      .run(tokenHash, userId, createdAt, expiresAt, originIp);
  }

  findToken(tokenHash: string): TokenRecord | null {
    const row = this.db
      .prepare('SELECT user_id, expires_at, revoked_at FROM tokens WHERE token_hash = ?')
      .get(tokenHash) as { user_id: number; expires_at: number; revoked_at: number | null } | undefined;
    return row === undefined
      ? null
      : { userId: row.user_id, expiresAt: row.expires_at, revokedAt: row.revoked_at };
  }

  revokeToken(tokenHash: string, at: number): boolean {
    return (
      this.db
        .prepare('UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL')
        .run(at, tokenHash).changes === 1
    );
  }

  /** Drops tokens that can no longer be used (expired a day ago or revoked). */
  pruneTokens(now: number): void {
    this.db
      .prepare('DELETE FROM tokens WHERE expires_at < ? OR revoked_at IS NOT NULL')
      .run(now - 86_400_000);
  }

  /**
   * Writes a pending attempt unless the login already has `max` attempts (failed or still being
   * checked) since `since`; its id, or null when refused. Synchronous, so concurrent logins can
   * never take more than `max` slots between them.
   */
  reserveAttempt(
    login: string,
    at: number,
    originIp: string | null,
    max: number,
    since: number,
  ): number | null {
    const taken = (
      this.db
        .prepare('SELECT count(*) AS n FROM login_failures WHERE login = ? AND at >= ?')
        .get(login, since) as {
        n: number;
      }
    ).n;
    if (taken >= max) return null;
    return Number(
      this.db
        .prepare('INSERT INTO login_failures (login, at, origin_ip, pending) VALUES (?, ?, ?, 1)')
        .run(login, at, originIp).lastInsertRowid,
    );
  }

  /** The reserved attempt turned out wrong: it now counts as a failure. */
  failAttempt(id: number): void {
    this.db.prepare('UPDATE login_failures SET pending = 0 WHERE id = ?').run(id);
  }

  /** Failed attempts (not those still being checked). */
  failuresSince(login: string, since: number): number {
    return (
      this.db
        .prepare('SELECT count(*) AS n FROM login_failures WHERE login = ? AND at >= ? AND pending = 0')
        .get(login, since) as {
        n: number;
      }
    ).n;
  }

  clearFailures(login: string): void {
    this.db.prepare('DELETE FROM login_failures WHERE login = ?').run(login);
  }

  lock(login: string, until: number): void {
    this.db
      .prepare(
        `INSERT INTO login_locks (login, locked_until) VALUES (?, ?)
         ON CONFLICT (login) DO UPDATE SET locked_until = excluded.locked_until`,
      )
      .run(login, until);
  }

  lockedUntil(login: string): number | null {
    const row = this.db.prepare('SELECT locked_until FROM login_locks WHERE login = ?').get(login) as
      { locked_until: number } | undefined;
    return row?.locked_until ?? null;
  }
}
