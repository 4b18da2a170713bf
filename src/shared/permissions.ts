/** Permission names are part of the gateway API: never rename them. */
export const PERMISSIONS = [
  'PAM.SessionManagement.Livestream',
  'PAM.SessionManagement.Recording',
  'PAM.SessionManagement.Drop',
  'PAM.SessionManagement.PreventPurge',
  'PAM.SessionManagement.Auditors',
  'PAM.SessionManagement.Logs',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['PAM Administrator', 'PAM Auditor', 'System Administrator', 'Operator'] as const;
export type Role = (typeof ROLES)[number];

/** Only these roles reach the audit area; Operators see nothing of it. */
export const AUDIT_ROLES: readonly Role[] = ['PAM Administrator', 'PAM Auditor', 'System Administrator'];

/** What each role holds on a fresh gateway; `role grant/revoke` changes it later. */
export const DEFAULT_ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  'System Administrator': PERMISSIONS,
  'PAM Administrator': PERMISSIONS,
  'PAM Auditor': [
    'PAM.SessionManagement.Livestream',
    'PAM.SessionManagement.Recording',
    'PAM.SessionManagement.Logs',
  ],
  Operator: [],
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
