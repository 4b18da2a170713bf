import { PERMISSIONS, ROLES, type Permission, type Role } from '../../../shared/permissions';
import type { UserRecord, UserStatus } from '../users';

export interface UserRow {
  id: number;
  login: string;
  name: string;
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  removed_at: number | null;
}

export const userStatusOf = (row: { disabled_at: number | null; removed_at: number | null }): UserStatus =>
  row.removed_at !== null ? 'removed' : row.disabled_at !== null ? 'disabled' : 'active';

export const userToRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  login: row.login,
  name: row.name,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  status: userStatusOf(row),
});

/** Sorted in the order of ROLES / PERMISSIONS, so responses are stable. */
export const byRoleOrder = (a: Role, b: Role) => ROLES.indexOf(a) - ROLES.indexOf(b);
export const byPermissionOrder = (a: Permission, b: Permission) =>
  PERMISSIONS.indexOf(a) - PERMISSIONS.indexOf(b);
