import {
  isPermission,
  isRole,
  PERMISSIONS,
  ROLES,
  type Permission,
  type Role,
} from '../../shared/permissions';
import { generatePassword, hashPassword, DEFAULT_SCRYPT, type ScryptParams } from '../crypto/passwords';
import type { SecretBox } from '../crypto/secrets';
import type { Protocol } from '../db/sessionTypes';
import type { AsyncStore } from '../db/asyncStore';
import type { UserWithRoles } from '../db/users';
import { badRequest, conflict, notFound } from '../errors';
import type { Clock } from '../time';

/** Logins, target and account names appear in `ssh LOGIN@ACCOUNT@TARGET@GATEWAY`: no @, no spaces. */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TARGET = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ACCOUNT = /^[^\s@:/]{1,128}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}|[0-9a-fA-F:]{1,252})$/;
export const PASSWORD_MIN = 8;
export const BOOTSTRAP_KEY = 'bootstrap_admin';

/** The administration use cases behind the CLI. */
export class AdminService {
  constructor(
    private readonly store: AsyncStore,
    private readonly clock: Clock,
    private readonly secrets: () => SecretBox,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  /** Creates a user; without a password one is generated and returned (shown once by the CLI). */
  async addUser(input: {
    login: string;
    name: string;
    role: string;
    password?: string;
  }): Promise<{ id: number; password: string; generated: boolean }> {
    if (!LOGIN.test(input.login)) {
      throw badRequest(
        'LOGIN must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      );
    }
    const name = input.name.trim();
    if (name === '' || name.length > 128) throw badRequest('--name must be 1-128 characters');
    const role = parseRole(input.role);
    const generated = input.password === undefined;
    const password = input.password ?? generatePassword();
    checkPassword(password);
    if ((await this.store.users.findByLogin(input.login)) !== null)
      throw conflict(`User ${input.login} already exists`);
    const passwordHash = await hashPassword(password, this.scrypt);
    const id = await this.store.users.create({
      login: input.login,
      name,
      passwordHash,
      roles: [role],
      at: this.clock(),
    });
    if (id === null) throw conflict(`User ${input.login} already exists`);
    return { id, password, generated };
  }

  async listUsers(): Promise<UserWithRoles[]> {
    return await this.store.users.list();
  }

  /** true when the role did not have the permission yet. */
  async grant(role: string, permission: string): Promise<boolean> {
    return await this.store.users.grant(parseRole(role), parsePermission(permission));
  }

  /** true when the role had the permission. */
  async revoke(role: string, permission: string): Promise<boolean> {
    return await this.store.users.revoke(parseRole(role), parsePermission(permission));
  }

  async addTarget(input: {
    name: string;
    protocol: string;
    host: string;
    port: string | number;
  }): Promise<number> {
    if (!TARGET.test(input.name)) {
      throw badRequest(
        'NAME must be 1-128 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      );
    }
    if (input.protocol !== 'ssh' && input.protocol !== 'rdp')
      throw badRequest('--protocol must be ssh or rdp');
    if (!HOST.test(input.host)) throw badRequest('--host must be a host name or an IP address');
    const port = Number(input.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw badRequest('--port must be an integer from 1 to 65535');
    const id = await this.store.targets.addTarget({
      name: input.name,
      protocol: input.protocol as Protocol,
      host: input.host,
      port,
      at: this.clock(),
    });
    if (id === null) throw conflict(`Target ${input.name} already exists`);
    return id;
  }

  /** Stores the account's password encrypted (AES-256-GCM); replaces an existing one. */
  async addCredential(targetName: string, account: string, password: string): Promise<'created' | 'updated'> {
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    if (!ACCOUNT.test(account))
      throw badRequest('ACCOUNT must be 1-128 characters without spaces, @, : or /');
    if (password.length === 0) throw badRequest('The password read from stdin is empty');
    const secret = this.secrets().seal(password, credentialContext(target.id, account));
    return await this.store.targets.setCredential(target.id, account, secret, this.clock());
  }

  /**
   * Lets LOGIN open sessions to TARGET as ACCOUNT, with file transfer (SFTP, scp, rsync) only when
   * `fileTransfer` says so; false when the grant existed (it then takes the given file-transfer flag).
   */
  async grantAccess(
    login: string,
    targetName: string,
    account: string,
    options: { fileTransfer?: boolean } = {},
  ): Promise<boolean> {
    const user = await this.store.users.findByLogin(login);
    if (user === null) throw notFound(`Unknown user ${login}`);
    const target = await this.store.targets.findTarget(targetName);
    if (target === null) throw notFound(`Unknown target ${targetName}`);
    const credential = await this.store.targets.findCredential(target.id, account);
    if (credential === null) {
      throw notFound(
        `No credential for account ${account} on target ${target.name}: add it with "credential add"`,
      );
    }
    return await this.store.targets.grantAccess(
      user.id,
      credential.id,
      this.clock(),
      options.fileTransfer === true,
    );
  }

  /**
   * On the first start of a data folder: creates `admin` (System Administrator) once. Returns the
   * password when it was generated (the caller prints it once), or null when nothing was created.
   */
  async bootstrapAdmin(
    password: string | undefined,
  ): Promise<{ created: boolean; generatedPassword: string | null }> {
    if ((await this.store.meta.get(BOOTSTRAP_KEY)) !== null)
      return { created: false, generatedPassword: null };
    let generatedPassword: string | null = null;
    if ((await this.store.users.findByLogin('admin')) === null) {
      const result = await this.addUser({
        login: 'admin',
        name: 'Administrator',
        role: 'System Administrator',
        password,
      });
      generatedPassword = result.generated ? result.password : null;
    }
    await this.store.meta.setOnce(BOOTSTRAP_KEY, new Date(this.clock()).toISOString());
    return { created: true, generatedPassword };
  }
}

/** Binds a credential's ciphertext to its row (AES-GCM associated data). */
export function credentialContext(targetId: number, account: string): string {
  return `vigil-credential:${targetId}:${account}`;
}

function parseRole(value: string): Role {
  if (!isRole(value)) throw badRequest(`Unknown role "${value}". Roles: ${ROLES.join(', ')}`);
  return value;
}

function parsePermission(value: string): Permission {
  if (!isPermission(value))
    throw badRequest(`Unknown permission "${value}". Permissions: ${PERMISSIONS.join(', ')}`);
  return value;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN)
    throw badRequest(`The password needs at least ${PASSWORD_MIN} characters`);
  if (password.length > 1024) throw badRequest('The password may have at most 1024 characters');
}
