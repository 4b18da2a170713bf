import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Permission, Role } from '../../src/shared/permissions';
import { hashPassword } from '../../src/gateway/crypto/passwords';
import { ensureDataDir } from '../../src/gateway/datadir';
import { seededRandom, seedSessions } from './seed';
import type { NewSession } from '../../src/gateway/db/sessionTypes';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import { openGatewayStore } from '../../src/gateway/db/openGatewayStore';
import { openStore } from '../../src/gateway/db/store';
import { createDatabaseFor, databaseUrlOf } from './testDatabase';

/**
 * Test helpers around the REAL gateway: `startGatewayProcess` spawns `bin/vigil-gateway.js serve`
 * on free ports with a temp data folder; `seedDataDir` and friends write users and sessions into a
 * data folder through the gateway's repositories (safe while the gateway runs: SQLite WAL).
 */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GATEWAY_BIN = join(REPO_ROOT, 'bin', 'vigil-gateway.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GatewayProcess {
  /** e.g. https://127.0.0.1:41234 (self-signed: pin `fingerprint`, or use rejectUnauthorized:false). */
  url: string;
  /** SHA-256 of the TLS certificate as printed by the gateway: `AA:BB:…` uppercase. */
  fingerprint: string;
  dataDir: string;
  /** Password of the `admin` user (System Administrator). */
  adminPassword: string;
  httpPort: number;
  sshPort: number;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Runs `vigil-gateway ARGS --data <dataDir>`; `stdin` is written and closed (for --password-stdin). */
  cli(args: string[], stdin?: string): Promise<CliResult>;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s). Removes the data folder if this helper made it. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Reuse a data folder (e.g. to restart a gateway); default: a new temp folder. */
  dataDir?: string;
  /** Default: a random password. Ignored by the gateway when the data folder already has its admin. */
  adminPassword?: string;
  env?: Record<string, string>;
  /** More `serve` options (e.g. several nodes: `--database`, `--nats`, `--node`). */
  args?: string[];
  timeoutMs?: number;
}

export function makeTempDir(prefix = 'vigil-gw-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `--database URL` when the `--data` folder among `args` was given a PostgreSQL database. */
function databaseArgs(args: string[]): string[] {
  const at = args.indexOf('--data');
  const url = at < 0 ? undefined : databaseUrlOf(args[at + 1]!);
  return url === undefined || args.includes('--database') ? [] : ['--database', url];
}

/**
 * Runs the gateway CLI (`node bin/vigil-gateway.js ...args`) to completion, on the database the
 * test gave the `--data` folder.
 */
export function runGatewayCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GATEWAY_BIN, ...args, ...databaseArgs(args)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

const FINGERPRINT_LINE = /TLS certificate SHA-256 fingerprint: ([0-9A-F:]{95})/;
const LISTENING_LINE = /Vigil gateway listening on (https:\/\/\S+)/;
const SSH_LISTENING_LINE = /Vigil SSH proxy listening on \S+:(\d+)/;

export async function startGatewayProcess(options: StartOptions = {}): Promise<GatewayProcess> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? makeTempDir();
  // A folder given by the test may have its database already (a restart); a new one gets one.
  const given = options.args?.includes('--database') === true;
  const database =
    databaseUrlOf(dataDir) === undefined && !given
      ? await createDatabaseFor(dataDir)
      : { url: given ? undefined : databaseUrlOf(dataDir), drop: () => Promise.resolve() };
  const adminPassword = options.adminPassword ?? `admin-${randomBytes(9).toString('base64url')}`;
  const child = spawn(
    process.execPath,
    [
      GATEWAY_BIN,
      'serve',
      '--data',
      dataDir,
      '--http',
      // Port 0 on both: chosen by the kernel at bind time, so parallel test files never collide.
      '127.0.0.1:0',
      '--ssh',
      '127.0.0.1:0',
      ...(database.url === undefined ? [] : ['--database', database.url]),
      ...(options.args ?? []),
    ],
    {
      cwd: REPO_ROOT,
      // Sessions seeded with past dates stay unless a test asks for retention.
      env: {
        ...process.env,
        VIGIL_RETENTION_DAYS: 'off',
        VIGIL_ADMIN_PASSWORD: adminPassword,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const ready = new Promise<{ url: string; fingerprint: string }>((resolve, reject) => {
    let fingerprint: string | null = null;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      fingerprint ??= FINGERPRINT_LINE.exec(output)?.[1] ?? null;
      const listening = LISTENING_LINE.exec(output);
      if (listening !== null && fingerprint !== null) resolve({ url: listening[1]!, fingerprint });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`vigil-gateway exited with ${code} before listening:\n${output}`)),
    );
    setTimeout(
      () =>
        reject(new Error(`vigil-gateway did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`)),
      options.timeoutMs ?? 30_000,
    ).unref();
  });

  let started: { url: string; fingerprint: string };
  try {
    started = await ready;
  } catch (err) {
    child.kill('SIGKILL');
    if (ownsDataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    }
    throw err;
  }

  const httpPort = Number(new URL(started.url).port);
  const sshPort = Number(SSH_LISTENING_LINE.exec(output)?.[1] ?? 0);
  return {
    ...started,
    dataDir,
    adminPassword,
    httpPort,
    sshPort,
    child,
    output: () => output,
    cli: (args, stdin) =>
      runGatewayCli([...args, '--data', dataDir, ...(givenDatabase(options.args) ?? [])], { stdin }),
    stop: async (stopOptions = {}) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownsDataDir && stopOptions.keepData !== true) {
        rmSync(dataDir, { recursive: true, force: true });
        await database.drop();
      }
    },
  };
}

/** `--database URL` among a gateway's own options, for CLI runs on its data. */
function givenDatabase(args: string[] | undefined): string[] | undefined {
  const at = args?.indexOf('--database') ?? -1;
  return at < 0 ? undefined : ['--database', args![at + 1]!];
}

/**
 * A new data folder holding the keys of `dataDir` (credential key, signing key, TLS and SSH host
 * keys), as every node of a cluster must: they decrypt the same credentials and sign and show the
 * same keys. The database and recordings are not copied.
 */
export function copyNodeKeys(dataDir: string, prefix = 'vigil-node-'): string {
  const copy = makeTempDir(prefix);
  for (const name of [
    'master.key',
    'signing-key.pem',
    'tls-key.pem',
    'tls-cert.pem',
    'ssh-host-ed25519-key',
  ]) {
    copyFileSync(join(dataDir, name), join(copy, name));
  }
  return copy;
}

/** An SSH server the gateway can reach, as the tests' sshd describes itself. */
export interface SshTargetHost {
  host: string;
  port: number;
  user: string;
  password: string;
}

/**
 * Sets up, through the gateway's own CLI, what an administrator would for one operator: the SSH
 * target, its credential, the operator (role Operator) and the operator's access to that account.
 */
export async function grantOperatorSsh(
  gateway: Pick<GatewayProcess, 'cli'>,
  target: { name: string; sshd: SshTargetHost },
  operator: { login: string; name: string; password: string },
): Promise<void> {
  const cli = async (args: string[], stdin?: string) => {
    const result = await gateway.cli(args, stdin);
    if (result.code !== 0) throw new Error(`vigil-gateway ${args.join(' ')}: ${result.stderr}`);
  };
  const { sshd } = target;
  await cli([
    'target',
    'add',
    target.name,
    '--protocol',
    'ssh',
    '--host',
    sshd.host,
    '--port',
    String(sshd.port),
  ]);
  await cli(['credential', 'add', target.name, sshd.user, '--password-stdin'], `${sshd.password}\n`);
  await cli(
    ['user', 'add', operator.login, '--name', operator.name, '--role', 'Operator', '--password-stdin'],
    `${operator.password}\n`,
  );
  await cli(['access', 'grant', operator.login, target.name, sshd.user]);
}

/** An RDP server as the tests start it (tests/support/xrdpTestbed.ts): where, its certificate, an account. */
export interface RdpTargetHost {
  host: string;
  port: number;
  certificateFingerprint: string;
  user: string;
  password: string;
}

/**
 * Registers an RDP target (its certificate pinned), its account's password, an Operator and the
 * grant, through the CLI as an administrator would.
 */
export async function grantOperatorRdp(
  gateway: Pick<GatewayProcess, 'cli'>,
  name: string,
  desktop: RdpTargetHost,
  operator: { login: string; name: string; password: string },
): Promise<void> {
  const target = { name, ...desktop, account: desktop.user };
  const cli = async (args: string[], stdin?: string) => {
    const result = await gateway.cli(args, stdin);
    if (result.code !== 0) throw new Error(`vigil-gateway ${args.join(' ')}: ${result.stderr}`);
  };
  await cli([
    'target',
    'add',
    target.name,
    '--protocol',
    'rdp',
    '--host',
    target.host,
    '--port',
    String(target.port),
    '--host-key',
    target.certificateFingerprint,
  ]);
  await cli(['credential', 'add', target.name, target.account, '--password-stdin'], `${target.password}\n`);
  await cli(
    ['user', 'add', operator.login, '--name', operator.name, '--role', 'Operator', '--password-stdin'],
    `${operator.password}\n`,
  );
  await cli(['access', 'grant', operator.login, target.name, target.account]);
}

/**
 * Opens the data folder's database (the PostgreSQL one the test gave it, or its SQLite file)
 * through the gateway's repositories, runs `fn`, closes it.
 */
export async function withDataDir<T>(dataDir: string, fn: (store: AsyncStore) => T | Promise<T>): Promise<T> {
  const store = await openGatewayStore({
    url: databaseUrlOf(dataDir),
    sqlitePath: ensureDataDir(dataDir).database,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export interface SeedUser {
  login: string;
  name?: string;
  role: Role;
  /** Needed to log in; without it the user cannot log in (fine for session owners). */
  password?: string;
}

/** A session to insert; `user` is a login (created as an Operator if missing). */
export type SeedSession = Omit<NewSession, 'userId' | 'hash' | 'startedAt'> & {
  user: string;
  hash?: string;
  /** ms since the epoch or an ISO string. */
  startedAt: number | string;
};

export interface SeedSpec {
  users?: SeedUser[];
  /** Role permission changes, applied after users. */
  grant?: { role: Role; permission: Permission }[];
  revoke?: { role: Role; permission: Permission }[];
  sessions?: SeedSession[];
  /** Bulk realistic sessions (seed.ts): count, optional RNG seed and time range. */
  randomSessions?: { count: number; seed?: number; from?: number; to?: number };
  /** Session auditors by login, applied after sessions; `session` is an id or an index into `sessions`. */
  auditors?: { session: number | { index: number }; logins: string[] }[];
}

export interface SeedResult {
  /** login → user id of every user this call created or touched. */
  users: Record<string, number>;
  /** Ids of `spec.sessions`, in order. */
  sessionIds: number[];
}

/**
 * Writes test data into a gateway data folder (also while the gateway runs). Users get their
 * password hashed like real ones (scrypt), so they can log in over the API.
 */
export async function seedDataDir(dataDir: string, spec: SeedSpec): Promise<SeedResult> {
  const hashes = await Promise.all(
    (spec.users ?? []).map((u) => (u.password === undefined ? null : hashPassword(u.password))),
  );
  const result = await withDataDir(dataDir, (outer) =>
    outer.transaction(async (store) => {
      const users: Record<string, number> = {};
      const userId = async (
        login: string,
        role: Role = 'Operator',
        passwordHash = 'seeded-no-login',
        name?: string,
      ) => {
        const existing = await store.users.findByLogin(login);
        const id =
          existing?.id ??
          (await store.users.create({
            login,
            name: name ?? login,
            passwordHash,
            roles: [role],
            at: Date.now(),
          })) ??
          (await store.users.findByLogin(login))!.id;
        users[login] = id;
        return id;
      };
      for (const [i, u] of (spec.users ?? []).entries()) {
        if ((await store.users.findByLogin(u.login)) !== null)
          throw new Error(`seedDataDir: user ${u.login} already exists`);
        await userId(u.login, u.role, hashes[i] ?? 'seeded-no-login', u.name);
      }
      for (const g of spec.grant ?? []) await store.users.grant(g.role, g.permission);
      for (const r of spec.revoke ?? []) await store.users.revoke(r.role, r.permission);
      const sessionIds: number[] = [];
      for (const s of spec.sessions ?? []) {
        const { user, hash, startedAt, ...rest } = s;
        sessionIds.push(
          await store.sessions.insert({
            ...rest,
            userId: await userId(user),
            hash: hash ?? randomBytes(16).toString('hex'),
            startedAt: typeof startedAt === 'string' ? Date.parse(startedAt) : startedAt,
          }),
        );
      }
      for (const a of spec.auditors ?? []) {
        const sessionId = typeof a.session === 'number' ? a.session : sessionIds[a.session.index]!;
        const ids: number[] = [];
        for (const login of a.logins) {
          const user = await store.users.findByLogin(login);
          if (user === null) throw new Error(`seedDataDir: unknown auditor ${login}`);
          ids.push(user.id);
        }
        const listed = (await store.auditors.list(sessionId)).map((u) => u.id);
        await store.auditors.replace(sessionId, [...listed, ...ids], null, Date.now());
      }
      return { users, sessionIds };
    }),
  );
  if (spec.randomSessions !== undefined) {
    // Bulk rows straight into the SQLite file (the desktop app's tests run their gateway on SQLite).
    if (databaseUrlOf(dataDir) !== undefined) throw new Error('seedDataDir: random sessions are for SQLite');
    const { count, seed, from, to } = spec.randomSessions;
    const store = openStore(ensureDataDir(dataDir).database);
    try {
      seedSessions(store.db, count, seededRandom(seed ?? 1), { from, to });
    } finally {
      store.close();
    }
  }
  return result;
}

/** A finished SSH session starting at `startedAt`, for quick fixtures. */
export function finishedSession(
  user: string,
  startedAt: number | string,
  overrides: Partial<SeedSession> = {},
): SeedSession {
  const start = typeof startedAt === 'string' ? Date.parse(startedAt) : startedAt;
  return {
    user,
    originIp: '10.0.0.10',
    credential: 'root',
    device: 'web-001',
    protocol: 'ssh',
    proxy: 'SSH Proxy',
    status: 'finished',
    startedAt: start,
    endedAt: start + 600_000,
    durationMs: 600_000,
    recording: { path: `recordings/${start}.rec`, size: 12_345, sha256: 'ab'.repeat(32) },
    ...overrides,
  };
}

/** A live session (no end, no recording yet). */
export function liveSession(
  user: string,
  startedAt: number | string,
  overrides: Partial<SeedSession> = {},
): SeedSession {
  return {
    ...finishedSession(user, startedAt),
    status: 'live',
    endedAt: null,
    durationMs: null,
    recording: null,
    ...overrides,
  };
}
