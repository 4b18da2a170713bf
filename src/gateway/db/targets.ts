import type { Db } from './database';
import type { Protocol } from './sessionTypes';

export interface TargetRecord {
  id: number;
  name: string;
  protocol: Protocol;
  host: string;
  port: number;
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
  addTarget(input: {
    name: string;
    protocol: Protocol;
    host: string;
    port: number;
    at: number;
  }): number | null {
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

  /** true when the grant is new. */
  grantAccess(userId: number, credentialId: number, at: number): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO access_grants (user_id, credential_id, granted_at) VALUES (?, ?, ?)')
        .run(userId, credentialId, at).changes === 1
    );
  }

  hasAccess(userId: number, credentialId: number): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM access_grants WHERE user_id = ? AND credential_id = ?')
        .get(userId, credentialId) !== undefined
    );
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

  /** Pins the host key unless one is pinned already; true when this call pinned it. */
  pinHostKey(targetId: number, fingerprint: string): boolean {
    return (
      this.db
        .prepare('UPDATE targets SET host_key = ? WHERE id = ? AND host_key IS NULL')
        .run(fingerprint, targetId).changes === 1
    );
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
