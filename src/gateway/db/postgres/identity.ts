import type { AsyncRepository } from '../asyncStore';
import type { IdentityRepository, TokenRecord } from '../identity';
import type { Executor } from './connection';

/** Login tokens, failed logins and login locks on PostgreSQL. */
export class PgIdentityRepository implements AsyncRepository<IdentityRepository> {
  constructor(private readonly sql: Executor) {}

  async insertToken(
    tokenHash: string,
    userId: number,
    createdAt: number,
    expiresAt: number,
    originIp: string | null,
  ): Promise<void> {
    await this.sql.run(
      'INSERT INTO tokens (token_hash, user_id, created_at, expires_at, origin_ip) VALUES ($1, $2, $3, $4, $5)',
      [tokenHash, userId, createdAt, expiresAt, originIp],
    );
  }

  async findToken(tokenHash: string): Promise<TokenRecord | null> {
    const [row] = await this.sql.rows<{ user_id: number; expires_at: number; revoked_at: number | null }>(
      'SELECT user_id, expires_at, revoked_at FROM tokens WHERE token_hash = $1',
      [tokenHash],
    );
    return row === undefined
      ? null
      : { userId: row.user_id, expiresAt: row.expires_at, revokedAt: row.revoked_at };
  }

  async revokeToken(tokenHash: string, at: number): Promise<boolean> {
    return (
      (await this.sql.run('UPDATE tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL', [
        at,
        tokenHash,
      ])) === 1
    );
  }

  async pruneTokens(now: number): Promise<void> {
    await this.sql.run('DELETE FROM tokens WHERE expires_at < $1 OR revoked_at IS NOT NULL', [
      now - 86_400_000,
    ]);
  }

  /**
   * As on SQLite: a pending attempt unless the login already has `max` since `since`. Several
   * nodes check the same login at once, so the count and the insert run under a lock on the login
   * (transaction-scoped advisory lock on its lower-case hash); without it each node could see
   * `max - 1` and all of them insert.
   */
  reserveAttempt(
    login: string,
    at: number,
    originIp: string | null,
    max: number,
    since: number,
  ): Promise<number | null> {
    return this.sql.atomic(async (tx) => {
      await tx.rows("SELECT pg_advisory_xact_lock(hashtext('login:' || lower($1)))", [login]);
      const [taken] = await tx.rows<{ n: number }>(
        'SELECT count(*) AS n FROM login_failures WHERE login = $1 AND at >= $2',
        [login, since],
      );
      if ((taken?.n ?? 0) >= max) return null;
      const [row] = await tx.rows<{ id: number }>(
        'INSERT INTO login_failures (login, at, origin_ip, pending) VALUES ($1, $2, $3, 1) RETURNING id',
        [login, at, originIp],
      );
      return row!.id;
    });
  }

  async failAttempt(id: number): Promise<void> {
    await this.sql.run('UPDATE login_failures SET pending = 0 WHERE id = $1', [id]);
  }

  async failuresSince(login: string, since: number): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>(
      'SELECT count(*) AS n FROM login_failures WHERE login = $1 AND at >= $2 AND pending = 0',
      [login, since],
    );
    return row?.n ?? 0;
  }

  async clearFailures(login: string): Promise<void> {
    await this.sql.run('DELETE FROM login_failures WHERE login = $1', [login]);
  }

  async lock(login: string, until: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO login_locks (login, locked_until) VALUES ($1, $2)
       ON CONFLICT (login) DO UPDATE SET locked_until = excluded.locked_until`,
      [login, until],
    );
  }

  async lockedUntil(login: string): Promise<number | null> {
    const [row] = await this.sql.rows<{ locked_until: number }>(
      'SELECT locked_until FROM login_locks WHERE login = $1',
      [login],
    );
    return row?.locked_until ?? null;
  }
}
