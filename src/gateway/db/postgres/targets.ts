import type { AsyncRepository } from '../asyncStore';
import type { CredentialRecord, NewTarget, TargetRecord, TargetsRepository } from '../targets';
import type { Executor } from './connection';

/** Targets, their credentials (encrypted blobs) and access grants, on PostgreSQL. */
export class PgTargetsRepository implements AsyncRepository<TargetsRepository> {
  constructor(private readonly sql: Executor) {}

  async addTarget(input: NewTarget): Promise<number | null> {
    const [row] = await this.sql.rows<{ id: number }>(
      `INSERT INTO targets (name, protocol, host, port, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [input.name, input.protocol, input.host, input.port, input.at],
    );
    return row?.id ?? null;
  }

  async findTarget(name: string): Promise<TargetRecord | null> {
    const [row] = await this.sql.rows<TargetRecord>(
      'SELECT id, name, protocol, host, port FROM targets WHERE name = $1',
      [name],
    );
    return row ?? null;
  }

  async setCredential(
    targetId: number,
    account: string,
    secret: Buffer,
    at: number,
  ): Promise<'created' | 'updated'> {
    // xmax is 0 on a row this statement inserted and set on one it updated.
    const [row] = await this.sql.rows<{ inserted: boolean }>(
      `INSERT INTO credentials (target_id, account, secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (target_id, account) DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at
       RETURNING (xmax = 0) AS inserted`,
      [targetId, account, secret, at],
    );
    return row!.inserted ? 'created' : 'updated';
  }

  async findCredential(targetId: number, account: string): Promise<CredentialRecord | null> {
    const [row] = await this.sql.rows<{ id: number; target_id: number; account: string; secret: Buffer }>(
      'SELECT id, target_id, account, secret FROM credentials WHERE target_id = $1 AND account = $2',
      [targetId, account],
    );
    return row === undefined
      ? null
      : { id: row.id, targetId: row.target_id, account: row.account, secret: row.secret };
  }

  grantAccess(userId: number, credentialId: number, at: number, fileTransfer = false): Promise<boolean> {
    const flag = fileTransfer ? 1 : 0;
    return this.sql.atomic(async (tx) => {
      const created =
        (await tx.run(
          `INSERT INTO access_grants (user_id, credential_id, granted_at, file_transfer) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [userId, credentialId, at, flag],
        )) === 1;
      if (!created) {
        // Only a real change is written: an UPDATE on access_grants bumps the access generation.
        await tx.run(
          `UPDATE access_grants SET file_transfer = $1
           WHERE user_id = $2 AND credential_id = $3 AND file_transfer <> $1`,
          [flag, userId, credentialId],
        );
      }
      return created;
    });
  }

  async mayTransferFiles(userId: number, credentialId: number): Promise<boolean> {
    const rows = await this.sql.rows(
      'SELECT 1 FROM access_grants WHERE user_id = $1 AND credential_id = $2 AND file_transfer = 1',
      [userId, credentialId],
    );
    return rows.length > 0;
  }

  async hasAccess(userId: number, credentialId: number): Promise<boolean> {
    const rows = await this.sql.rows(
      `SELECT 1 FROM access_grants g JOIN users u ON u.id = g.user_id
       WHERE g.user_id = $1 AND g.credential_id = $2 AND u.disabled_at IS NULL AND u.removed_at IS NULL`,
      [userId, credentialId],
    );
    return rows.length > 0;
  }

  async stillGranted(userId: number, targetName: string, account: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `SELECT 1 FROM access_grants g
       JOIN credentials c ON c.id = g.credential_id
       JOIN targets t ON t.id = c.target_id
       JOIN users u ON u.id = g.user_id
       WHERE g.user_id = $1 AND t.name = $2 AND c.account = $3
         AND u.disabled_at IS NULL AND u.removed_at IS NULL`,
      [userId, targetName, account],
    );
    return rows.length > 0;
  }

  async grantedChoices(userId: number, protocol: string): Promise<{ target: string; account: string }[]> {
    return this.sql.rows<{ target: string; account: string }>(
      `SELECT t.name::text AS target, c.account::text AS account FROM access_grants g
       JOIN credentials c ON c.id = g.credential_id
       JOIN targets t ON t.id = c.target_id
       JOIN users u ON u.id = g.user_id
       WHERE g.user_id = $1 AND t.protocol = $2 AND u.disabled_at IS NULL AND u.removed_at IS NULL
       ORDER BY t.name, c.account`,
      [userId, protocol],
    );
  }

  async revokeAccess(userId: number, credentialId: number): Promise<boolean> {
    return (
      (await this.sql.run('DELETE FROM access_grants WHERE user_id = $1 AND credential_id = $2', [
        userId,
        credentialId,
      ])) === 1
    );
  }

  async removeCredential(credentialId: number): Promise<boolean> {
    return (await this.sql.run('DELETE FROM credentials WHERE id = $1', [credentialId])) === 1;
  }

  async removeTarget(targetId: number): Promise<boolean> {
    return (await this.sql.run('DELETE FROM targets WHERE id = $1', [targetId])) === 1;
  }

  async credentialKey(credentialId: number): Promise<Buffer | null> {
    const [row] = await this.sql.rows<{ private_key: Buffer | null }>(
      'SELECT private_key FROM credentials WHERE id = $1',
      [credentialId],
    );
    return row?.private_key ?? null;
  }

  async setCredentialKey(credentialId: number, sealedKey: Buffer | null): Promise<void> {
    await this.sql.run('UPDATE credentials SET private_key = $1 WHERE id = $2', [sealedKey, credentialId]);
  }

  async hostKey(targetId: number): Promise<string | null> {
    const [row] = await this.sql.rows<{ host_key: string | null }>(
      'SELECT host_key FROM targets WHERE id = $1',
      [targetId],
    );
    return row?.host_key ?? null;
  }

  async pinHostKey(targetId: number, fingerprint: string): Promise<boolean> {
    return (
      (await this.sql.run('UPDATE targets SET host_key = $1 WHERE id = $2 AND host_key IS NULL', [
        fingerprint,
        targetId,
      ])) === 1
    );
  }

  async setHostKey(targetId: number, fingerprint: string): Promise<void> {
    await this.sql.run('UPDATE targets SET host_key = $1 WHERE id = $2', [fingerprint, targetId]);
  }

  async forgetHostKey(targetId: number): Promise<boolean> {
    return (
      (await this.sql.run('UPDATE targets SET host_key = NULL WHERE id = $1 AND host_key IS NOT NULL', [
        targetId,
      ])) === 1
    );
  }
}
