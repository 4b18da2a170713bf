import type { Permission, Role } from '../../shared/permissions';
import type { Principal } from '../../shared/policy';
import type { Db } from './database';
import { byPermissionOrder, byRoleOrder, userStatusOf, userToRecord, type UserRow } from './rows/users';

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  passwordHash: string;
  createdAt: number;
  status: UserStatus;
}

/** Disabled users may not log in and can be enabled again; removed users stay only as history. */
export type UserStatus = 'active' | 'disabled' | 'removed';

export interface NewUser {
  login: string;
  name: string;
  passwordHash: string;
  roles: readonly Role[];
  at: number;
}

export interface UserWithRoles {
  id: number;
  login: string;
  name: string;
  roles: Role[];
  status: UserStatus;
}

/** Users, their roles and what each role may do (users, user_roles, role_permissions). */
export class UsersRepository {
  constructor(private readonly db: Db) {}

  /** Creates a user with roles; null when the login is taken (logins are case-insensitive). */
  create(input: NewUser): number | null {
    return this.db
      .transaction(() => {
        const inserted = this.db
          .prepare(
            `INSERT INTO users (login, name, password_hash, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (login) DO NOTHING`,
          )
          .run(input.login, input.name, input.passwordHash, input.at);
        if (inserted.changes === 0) return null;
        const id = Number(inserted.lastInsertRowid);
        const addRole = this.db.prepare('INSERT OR IGNORE INTO user_roles (user_id, role) VALUES (?, ?)');
        for (const role of input.roles) addRole.run(id, role);
        return id;
      })
      .immediate();
  }

  /** An active user (disabled and removed users cannot log in or act: for them this is null). */
  findByLogin(login: string): UserRecord | null {
    const user = this.findAnyByLogin(login);
    return user?.status === 'active' ? user : null;
  }

  /** An active user by id (null for disabled and removed users, as findByLogin). */
  findById(id: number): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row === undefined || userStatusOf(row) !== 'active' ? null : userToRecord(row);
  }

  /** Any user with this login, whatever its status (administration). */
  findAnyByLogin(login: string): UserRecord | null {
    const row = this.db.prepare('SELECT * FROM users WHERE login = ?').get(login) as UserRow | undefined;
    return row === undefined ? null : userToRecord(row);
  }

  /** Disables (true) or enables (false) an existing, not removed user; true when it changed. */
  setDisabled(id: number, disabled: boolean, at: number): boolean {
    const result = disabled
      ? this.db
          .prepare(
            'UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL AND removed_at IS NULL',
          )
          .run(at, id)
      : this.db
          .prepare(
            'UPDATE users SET disabled_at = NULL WHERE id = ? AND disabled_at IS NOT NULL AND removed_at IS NULL',
          )
          .run(id);
    return result.changes === 1;
  }

  /** Ends every login token of the user (disabling and removing log the user out everywhere). */
  revokeTokens(id: number, at: number): number {
    return this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
      .run(at, id).changes;
  }

  /**
   * Removes a user from everything that gives access (SSH keys, access grants) but keeps the
   * row, so the sessions, blocks and events that name the user stay readable. The login stays taken.
   */
  remove(id: number, at: number): boolean {
    return this.db
      .transaction(() => {
        const changed =
          this.db
            .prepare(
              'UPDATE users SET removed_at = ?, disabled_at = coalesce(disabled_at, ?) WHERE id = ? AND removed_at IS NULL',
            )
            .run(at, at, id).changes === 1;
        if (!changed) return false;
        this.db.prepare('DELETE FROM user_keys WHERE user_id = ?').run(id);
        this.db.prepare('DELETE FROM access_grants WHERE user_id = ?').run(id);
        return true;
      })
      .immediate();
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  rolesOf(userId: number): Role[] {
    const rows = this.db.prepare('SELECT role FROM user_roles WHERE user_id = ?').all(userId) as {
      role: Role;
    }[];
    return rows.map((r) => r.role).sort(byRoleOrder);
  }

  /** What the user may do: their roles and the union of those roles' permissions. */
  principal(userId: number): Principal {
    const permissions = this.db
      .prepare(
        `SELECT DISTINCT rp.permission FROM user_roles ur JOIN role_permissions rp ON rp.role = ur.role
         WHERE ur.user_id = ?`,
      )
      .all(userId) as { permission: Permission }[];
    return {
      roles: this.rolesOf(userId),
      permissions: permissions.map((p) => p.permission).sort(byPermissionOrder),
    };
  }

  /** Every user with their roles, by login; optionally only holders of one of `roles`. */
  list(roles?: readonly Role[]): UserWithRoles[] {
    const rows = this.db
      .prepare(
        `SELECT u.id, u.login, u.name, u.disabled_at, u.removed_at, group_concat(ur.role, char(10)) AS roles
         FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id
         GROUP BY u.id ORDER BY u.login COLLATE NOCASE, u.id`,
      )
      .all() as {
      id: number;
      login: string;
      name: string;
      disabled_at: number | null;
      removed_at: number | null;
      roles: string | null;
    }[];
    const users = rows.map((r) => ({
      id: r.id,
      login: r.login,
      name: r.name,
      roles: ((r.roles ?? '').split('\n').filter((x) => x !== '') as Role[]).sort(byRoleOrder),
      status: userStatusOf(r),
    }));
    return roles === undefined
      ? users
      : users.filter((u) => u.status === 'active' && u.roles.some((r) => roles.includes(r)));
  }

  /** Users by id with their roles; unknown ids are simply absent. */
  withRoles(ids: readonly number[]): UserWithRoles[] {
    const wanted = new Set(ids);
    return this.list().filter((u) => wanted.has(u.id));
  }

  permissionsOf(role: Role): Permission[] {
    const rows = this.db.prepare('SELECT permission FROM role_permissions WHERE role = ?').all(role) as {
      permission: Permission;
    }[];
    return rows.map((r) => r.permission).sort(byPermissionOrder);
  }

  /** true when the role did not hold the permission before. */
  grant(role: Role, permission: Permission): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO role_permissions (role, permission) VALUES (?, ?)')
        .run(role, permission).changes === 1
    );
  }

  /** true when the role held the permission before. */
  revoke(role: Role, permission: Permission): boolean {
    return (
      this.db.prepare('DELETE FROM role_permissions WHERE role = ? AND permission = ?').run(role, permission)
        .changes === 1
    );
  }
}
