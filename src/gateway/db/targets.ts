import type { Db } from './database';
import type { Protocol } from './sessionTypes';

export interface TargetRecord {
  id: number;
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
}

export interface NewTarget {
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
  at: number;
}

export interface CredentialRecord {
  id: number;
  targetId: number;
  account: string;
  secret: Buffer;
}

/** Targets (devices), their credentials (encrypted blobs) and who may use which (access_grants). */
export class TargetsRepository {
  constructor(private readonly db: Db) {}

  /** null when a target with that name exists (names are case-insensitive). */
  addTarget(input: NewTarget): number | null {
    const result = this.db
      .prepare(
        `INSERT INTO targets (name, protocol, host, port, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO NOTHING`,
      )
      .run(input.name, input.protocol, input.host, input.port, input.at);
    return result.changes === 1 ? Number(result.lastInsertRowid) : null;
  }

  findTarget(name: string): TargetRecord | null {
    return (
      (this.db.prepare('SELECT id, name, protocol, host, port FROM targets WHERE name = ?').get(name) as
        TargetRecord | undefined) ?? null
    );
  }

  /** Stores (or replaces) the encrypted secret of an account; 'created' or 'updated'. */
  setCredential(targetId: number, account: string, secret: Buffer, at: number): 'created' | 'updated' {
    return this.db
      .transaction(() => {
        const updated = this.db
          .prepare('UPDATE credentials SET secret = ?, updated_at = ? WHERE target_id = ? AND account = ?')
          .run(secret, at, targetId, account);
        if (updated.changes === 1) return 'updated' as const;
        this.db
          .prepare(
            'INSERT INTO credentials (target_id, account, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(targetId, account, secret, at, at);
        return 'created' as const;
      })
      .immediate();
  }

  findCredential(targetId: number, account: string): CredentialRecord | null {
    const row = this.db
      .prepare('SELECT id, target_id, account, secret FROM credentials WHERE target_id = ? AND account = ?')
      .get(targetId, account) as
      { id: number; target_id: number; account: string; secret: Buffer } | undefined;
    return row === undefined
      ? null
      : { id: row.id, targetId: row.target_id, account: row.account, secret: row.secret };
  }

  /** true when the grant is new; an existing grant takes the given file-transfer flag. */
  grantAccess(userId: number, credentialId: number, at: number, fileTransfer = false): boolean {
    const flag = fileTransfer ? 1 : 0;
    return this.db
      .transaction(() => {
        const created =
          this.db
            .prepare(
              `INSERT OR IGNORE INTO access_grants (user_id, credential_id, granted_at, file_transfer)
               VALUES (?, ?, ?, ?)`,
            )
            .run(userId, credentialId, at, flag).changes === 1;
        if (!created) {
          this.db
            .prepare(
              `UPDATE access_grants SET file_transfer = ?
               WHERE user_id = ? AND credential_id = ? AND file_transfer <> ?`,
            )
            .run(flag, userId, credentialId, flag);
        }
        return created;
      })
      .immediate();
  }

  /** Whether the user's grant on the credential includes file transfer (SFTP, scp, rsync). */
  mayTransferFiles(userId: number, credentialId: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM access_grants WHERE user_id = ? AND credential_id = ? AND file_transfer = 1')
        .get(userId, credentialId) !== undefined
    );
  }

  /** Whether the user is active and holds a grant on the credential. */
  hasAccess(userId: number, credentialId: number): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM access_grants g JOIN users u ON u.id = g.user_id
           WHERE g.user_id = ? AND g.credential_id = ? AND u.disabled_at IS NULL AND u.removed_at IS NULL`,
        )
        .get(userId, credentialId) !== undefined
    );
  }

  /**
   * hasAccess() for a session row, which names its target and account: a live session whose
   * operator no longer passes this check is ended.
   */
  stillGranted(userId: number, targetName: string, account: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM access_grants g
           JOIN credentials c ON c.id = g.credential_id
           JOIN targets t ON t.id = c.target_id
           JOIN users u ON u.id = g.user_id
           WHERE g.user_id = ? AND t.name = ? AND c.account = ?
             AND u.disabled_at IS NULL AND u.removed_at IS NULL`,
        )
        .get(userId, targetName, account) !== undefined
    );
  }

  /** The targets of a protocol and their accounts the user may open, by target then account. */
  grantedChoices(userId: number, protocol: string): { target: string; account: string }[] {
    return this.db
      .prepare(
        `SELECT t.name AS target, c.account AS account FROM access_grants g
         JOIN credentials c ON c.id = g.credential_id
         JOIN targets t ON t.id = c.target_id
         JOIN users u ON u.id = g.user_id
         WHERE g.user_id = ? AND t.protocol = ? AND u.disabled_at IS NULL AND u.removed_at IS NULL
         ORDER BY t.name, c.account`,
      )
      .all(userId, protocol) as { target: string; account: string }[];
  }

  /** true when the grant existed. */
  revokeAccess(userId: number, credentialId: number): boolean {
    return (
      this.db
        .prepare('DELETE FROM access_grants WHERE user_id = ? AND credential_id = ?')
        .run(userId, credentialId).changes === 1
    );
  }

  /** Deletes a credential and the grants on it; true when it existed. */
  removeCredential(credentialId: number): boolean {
    return this.db.prepare('DELETE FROM credentials WHERE id = ?').run(credentialId).changes === 1;
  }

  /**
   * Deletes a target with its credentials and grants. Sessions keep the target's name (they are
   * evidence), so nothing else refers to it.
   */
  removeTarget(targetId: number): boolean {
    return this.db.prepare('DELETE FROM targets WHERE id = ?').run(targetId).changes === 1;
  }

  /** The sealed private key of a credential (null: password only). */
  credentialKey(credentialId: number): Buffer | null {
    const row = this.db.prepare('SELECT private_key FROM credentials WHERE id = ?').get(credentialId) as
      { private_key: Buffer | null } | undefined;
    return row?.private_key ?? null;
  }

  setCredentialKey(credentialId: number, sealedKey: Buffer | null): void {
    this.db.prepare('UPDATE credentials SET private_key = ? WHERE id = ?').run(sealedKey, credentialId);
  }

  /** The target's host key fingerprint pinned on first connection, or null. */
  hostKey(targetId: number): string | null {
    const row = this.db.prepare('SELECT host_key FROM targets WHERE id = ?').get(targetId) as
      { host_key: string | null } | undefined;
    return row?.host_key ?? null;
  }

  /**
   * Pins the host key unless one is pinned already (compare-and-set); true when this call pinned
   * it. A caller that loses to a concurrent pin must read the winner with hostKey().
   */
  pinHostKey(targetId: number, fingerprint: string): boolean {
    return (
      this.db
        .prepare('UPDATE targets SET host_key = ? WHERE id = ? AND host_key IS NULL')
        .run(fingerprint, targetId).changes === 1
    );
  }

  /** Registers the host key an administrator vouches for, replacing any pinned one. */
  setHostKey(targetId: number, fingerprint: string): void {
    this.db.prepare('UPDATE targets SET host_key = ? WHERE id = ?').run(fingerprint, targetId);
  }

  /** Forgets the pinned host key (the target was reinstalled); true when one was pinned. */
  forgetHostKey(targetId: number): boolean {
    return (
      this.db
        .prepare('UPDATE targets SET host_key = NULL WHERE id = ? AND host_key IS NOT NULL')
        .run(targetId).changes === 1
    );
  }
}
