import type { Permission, Role } from '../../../shared/permissions';
import type { Principal } from '../../../shared/policy';
import type { AsyncRepository } from '../asyncStore';
import type { NewUser, UserRecord, UsersRepository, UserWithRoles } from '../users';
import { byPermissionOrder, byRoleOrder, userStatusOf, userToRecord, type UserRow } from '../rows/users';
import type { Executor } from './connection';

/** Users, their roles and what each role may do, on PostgreSQL. */
export class PgUsersRepository implements AsyncRepository<UsersRepository> {
  constructor(private readonly sql: Executor) {}

  create(input: NewUser): Promise<number | null> {
    return this.sql.atomic(async (tx) => {
      const [row] = await tx.rows<{ id: number }>(
        `INSERT INTO users (login, name, password_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (login) DO NOTHING RETURNING id`,
        [input.login, input.name, input.passwordHash, input.at],
      );
      if (row === undefined) return null;
      if (input.roles.length > 0) {
        await tx.run(
          'INSERT INTO user_roles (user_id, role) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
          [row.id, [...new Set(input.roles)]],
        );
      }
      return row.id;
    });
  }

  async findByLogin(login: string): Promise<UserRecord | null> {
    const user = await this.findAnyByLogin(login);
    return user?.status === 'active' ? user : null;
  }

  async findById(id: number): Promise<UserRecord | null> {
    const [row] = await this.sql.rows<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return row === undefined || userStatusOf(row) !== 'active' ? null : userToRecord(row);
  }

  async findAnyByLogin(login: string): Promise<UserRecord | null> {
    const [row] = await this.sql.rows<UserRow>('SELECT * FROM users WHERE login = $1', [login]);
    return row === undefined ? null : userToRecord(row);
  }

  async setDisabled(id: number, disabled: boolean, at: number): Promise<boolean> {
    const changed = disabled
      ? await this.sql.run(
          'UPDATE users SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL AND removed_at IS NULL',
          [at, id],
        )
      : await this.sql.run(
          'UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL AND removed_at IS NULL',
          [id],
        );
    return changed === 1;
  }

  revokeTokens(id: number, at: number): Promise<number> {
    return this.sql.run('UPDATE tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL', [
      at,
      id,
    ]);
  }

  remove(id: number, at: number): Promise<boolean> {
    return this.sql.atomic(async (tx) => {
      const changed = await tx.run(
        'UPDATE users SET removed_at = $1, disabled_at = coalesce(disabled_at, $1) WHERE id = $2 AND removed_at IS NULL',
        [at, id],
      );
      if (changed !== 1) return false;
      await tx.run('DELETE FROM user_keys WHERE user_id = $1', [id]);
      await tx.run('DELETE FROM access_grants WHERE user_id = $1', [id]);
      return true;
    });
  }

  async count(): Promise<number> {
    const [row] = await this.sql.rows<{ n: number }>('SELECT count(*) AS n FROM users');
    return row?.n ?? 0;
  }

  async rolesOf(userId: number): Promise<Role[]> {
    const rows = await this.sql.rows<{ role: Role }>('SELECT role FROM user_roles WHERE user_id = $1', [
      userId,
    ]);
    return rows.map((r) => r.role).sort(byRoleOrder);
  }

  async principal(userId: number): Promise<Principal> {
    const permissions = await this.sql.rows<{ permission: Permission }>(
      `SELECT DISTINCT rp.permission FROM user_roles ur JOIN role_permissions rp ON rp.role = ur.role
       WHERE ur.user_id = $1`,
      [userId],
    );
    return {
      roles: await this.rolesOf(userId),
      permissions: permissions.map((p) => p.permission).sort(byPermissionOrder),
    };
  }

  async list(roles?: readonly Role[]): Promise<UserWithRoles[]> {
    // CITEXT orders case-insensitively, as COLLATE NOCASE does on SQLite.
    const rows = await this.sql.rows<{
      id: number;
      login: string;
      name: string;
      disabled_at: number | null;
      removed_at: number | null;
      roles: Role[];
    }>(
      `SELECT u.id, u.login, u.name, u.disabled_at, u.removed_at,
         coalesce(array_agg(ur.role) FILTER (WHERE ur.role IS NOT NULL), '{}') AS roles
       FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id
       GROUP BY u.id ORDER BY u.login, u.id`,
    );
    const users = rows.map((r) => ({
      id: r.id,
      login: r.login,
      name: r.name,
      roles: [...r.roles].sort(byRoleOrder),
      status: userStatusOf(r),
    }));
    return roles === undefined
      ? users
      : users.filter((u) => u.status === 'active' && u.roles.some((r) => roles.includes(r)));
  }

  async withRoles(ids: readonly number[]): Promise<UserWithRoles[]> {
    const wanted = new Set(ids);
    return (await this.list()).filter((u) => wanted.has(u.id));
  }

  async permissionsOf(role: Role): Promise<Permission[]> {
    const rows = await this.sql.rows<{ permission: Permission }>(
      'SELECT permission FROM role_permissions WHERE role = $1',
      [role],
    );
    return rows.map((r) => r.permission).sort(byPermissionOrder);
  }

  async grant(role: Role, permission: Permission): Promise<boolean> {
    return (
      (await this.sql.run(
        'INSERT INTO role_permissions (role, permission) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [role, permission],
      )) === 1
    );
  }

  async revoke(role: Role, permission: Permission): Promise<boolean> {
    return (
      (await this.sql.run('DELETE FROM role_permissions WHERE role = $1 AND permission = $2', [
        role,
        permission,
      ])) === 1
    );
  }
}
