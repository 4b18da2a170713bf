/**
 * The SSH username `LOGIN@ACCOUNT@TARGET`: the Vigil login, then the remote account and
 * the target to open. Logins, accounts and target names never contain `@` (see services/admin.ts).
 */
export interface SshRoute {
  account: string;
  target: string;
}

export interface SshUsername {
  login: string;
  /** null when the username does not name ACCOUNT@TARGET (the operator is told how at session start). */
  route: SshRoute | null;
}

export function parseSshUsername(username: string): SshUsername {
  const parts = username.split('@');
  const login = parts[0] ?? '';
  if (parts.length !== 3 || parts.some((p) => p === '')) return { login, route: null };
  return { login, route: { account: parts[1]!, target: parts[2]! } };
}
