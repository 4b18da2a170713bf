import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { hashPassword } from '../../src/gateway/crypto/passwords';
import { SecretBox } from '../../src/gateway/crypto/secrets';
import { dataPaths, loadMasterKey } from '../../src/gateway/datadir';
import type { AsyncStore } from '../../src/gateway/db/asyncStore';
import { createDatabaseFor, databaseUrlOf, openSqlAccess, type SqlAccess } from '../support/testDatabase';
import type { RunningGateway } from '../../src/gateway/server';
import { startGateway } from '../../src/gateway/server';
import { AdminService } from '../../src/gateway/services/admin';
import { systemClock } from '../../src/gateway/time';
import { SshAdminService } from '../../src/gateway/services/sshAdmin';
import type { TestSshd } from '../support/sshd';
import { FAST_SCRYPT } from '../support/gatewayApp';
import { makeTempDir } from '../support/gateway';

/** The listening sshd's pid (from its PidFile, next to its log). */
export function sshdPid(sshd: TestSshd): number {
  return Number(readFileSync(join(dirname(sshd.logPath), 'sshd.pid'), 'utf8').trim());
}

/** Parent pid of a process (from /proc). */
export function parentPid(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^PPid:\s+(\d+)/m.exec(status)![1]);
}

/** The sshd processes serving one connection: the ancestors of `pid` below the listening sshd. */
export function connectionProcesses(sshd: TestSshd, pid: number): number[] {
  const listener = sshdPid(sshd);
  const chain: number[] = [];
  for (let parent = parentPid(pid); parent !== listener; parent = parentPid(parent)) {
    if (parent <= 1) throw new Error(`process ${pid} does not descend from sshd ${listener}`);
    chain.push(parent);
  }
  return chain;
}

/**
 * SIGKILLs every process listed. One may already be gone: killing an sshd connection process
 * makes its own children and parent exit by themselves, which is no failure here.
 */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A gateway (the real server code, in this process) with an operator allowed onto the sshd target. */
export interface Testbed extends SqlAccess {
  gateway: RunningGateway;
  /** The gateway's store (SQLite or PostgreSQL, as the test run says). */
  store: AsyncStore;
  sshd: TestSshd;
  dataDir: string;
  sshPort: number;
  admin: AdminService;
  sshAdmin: SshAdminService;
  /** Creates a user with a password (cheap scrypt) and returns its id. */
  addUser(login: string, password: string, role?: 'Operator' | 'System Administrator'): Promise<number>;
  stop(): Promise<void>;
}

export const TARGET_NAME = 'web-01';

export async function startTestbed(sshd: TestSshd, options: { dataDir?: string } = {}): Promise<Testbed> {
  const dataDir = options.dataDir ?? makeTempDir('vigil-sshgw-');
  // A restart on a given folder keeps its database.
  const database =
    databaseUrlOf(dataDir) === undefined
      ? await createDatabaseFor(dataDir)
      : { url: databaseUrlOf(dataDir), drop: () => Promise.resolve() };
  const lines: string[] = [];
  const gateway = await startGateway(
    {
      dataDir,
      databaseUrl: database.url,
      http: { host: '127.0.0.1', port: 0 },
      // Port 0: the kernel picks a port nobody else can take between choosing and binding.
      ssh: { host: '127.0.0.1', port: 0 },
      // Sessions seeded with past dates stay; retention has tests of its own.
      retentionDays: null,
    },
    {
      adminPassword: `admin-${randomBytes(6).toString('hex')}`,
      print: (l) => lines.push(l),
      logLevel: 'silent',
    },
  );
  const sshPort = Number(gateway.sshAddress.slice(gateway.sshAddress.lastIndexOf(':') + 1));
  const secrets = () => new SecretBox(loadMasterKey(dataPaths(dataDir)));
  const admin = new AdminService(gateway.store, systemClock, secrets, FAST_SCRYPT);
  const sshAdmin = new SshAdminService(gateway.store, systemClock, secrets);
  const { store } = gateway;
  // The test's own connection for SQL the repositories do not offer, as the CLI would open it.
  const access = await openSqlAccess({ url: database.url, sqlitePath: dataPaths(dataDir).database });
  if ((await store.targets.findTarget(TARGET_NAME)) === null) {
    await admin.addTarget({ name: TARGET_NAME, protocol: 'ssh', host: sshd.host, port: sshd.port });
    await admin.addCredential(TARGET_NAME, sshd.user, sshd.password);
  }
  return {
    gateway,
    store,
    sql: access.sql,
    count: access.count,
    sshd,
    dataDir,
    sshPort,
    admin,
    sshAdmin,
    addUser: async (login, password, role = 'Operator') => {
      const id = await store.users.create({
        login,
        name: `${login} name`,
        passwordHash: await hashPassword(password, FAST_SCRYPT),
        roles: [role],
        at: Date.now(),
      });
      if (id === null) throw new Error(`user ${login} exists`);
      return id;
    },
    stop: async () => {
      await access.close();
      await gateway.close();
      if (options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
        await database.drop();
      }
    },
  };
}

/** An operator's SSH connection to the proxy (ssh2's client, as any SSH client would connect). */
export function connectOperator(
  port: number,
  username: string,
  auth: Partial<ConnectConfig>,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username, readyTimeout: 20_000, ...auth });
  });
}

export interface Terminal {
  channel: ClientChannel;
  /** Everything received on stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once `pattern` appears in stdout+stderr after `from` (an offset into the combined text). */
  waitFor(pattern: string | RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** Length of the combined text so far (for waitFor's `from`). */
  mark(): number;
  send(text: string): void;
  /** Exit status (or signal) and close of the channel. */
  closed: Promise<{ code: number | null; signal: string | null }>;
}

export function wrapChannel(channel: ClientChannel): Terminal {
  let out = '';
  let err = '';
  let all = '';
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((w) => w());
  channel.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    all += d.toString('utf8');
    changed();
  });
  channel.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    all += d.toString('utf8');
    changed();
  });
  let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
  channel.on('exit', (code: number | null, signal?: string) => (exit = { code, signal: signal ?? null }));
  const closed = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    channel.once('close', () => resolve(exit)),
  );
  return {
    channel,
    stdout: () => out,
    stderr: () => err,
    mark: () => all.length,
    send: (text) => channel.write(text),
    closed,
    waitFor: (pattern, timeoutMs = 10_000, from = 0) =>
      new Promise((resolve, reject) => {
        const test = () =>
          typeof pattern === 'string' ? all.indexOf(pattern, from) >= 0 : pattern.test(all.slice(from));
        if (test()) return resolve();
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`timed out waiting for ${String(pattern)}; got:\n${all.slice(from).slice(-2000)}`),
          );
        }, timeoutMs);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      }),
  };
}

export function openShell(
  client: Client,
  size: { cols: number; rows: number } = { cols: 100, rows: 30 },
): Promise<Terminal> {
  return new Promise((resolve, reject) =>
    client.shell({ term: 'xterm-256color', ...size }, (err, channel) =>
      err ? reject(err) : resolve(wrapChannel(channel)),
    ),
  );
}

export function execCommand(
  client: Client,
  command: string,
  options: { pty?: boolean } = {},
): Promise<Terminal> {
  return new Promise((resolve, reject) =>
    client.exec(command, { pty: options.pty === true }, (err, channel) =>
      err ? reject(err) : resolve(wrapChannel(channel)),
    ),
  );
}

/** Adds a System Administrator and signs it in to the gateway's API; returns its bearer token. */
export async function adminToken(tb: Testbed, login = 'boss'): Promise<string> {
  const password = `${login}-password`;
  await tb.addUser(login, password, 'System Administrator');
  const res = await tb.gateway.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { username: login, password },
  });
  return (res.json() as { token: string }).token;
}

/** When each `tick-N` line (of a loop printing them) first reached the operator, by N. */
export function tickArrivals(term: Terminal): Map<number, number> {
  const received = new Map<number, number>();
  term.channel.on('data', () => {
    for (const m of term.stdout().matchAll(/tick-(\d+)\r\n/g))
      if (!received.has(Number(m[1]))) received.set(Number(m[1]), Date.now());
  });
  return received;
}
