import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findProgram, missingProgram, requireAll } from './programs';
import { addUser, freePort, killTree, removeUser, removeUserWhenIdle, run } from './systemPeers';

/** A real OpenSSH server on 127.0.0.1 with a throwaway local user, for tests that need a target. */
export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** OpenSSH private key (unencrypted ed25519) authorized for `user`. */
  privateKey: string;
  /** The same key as a 0600 file, for `ssh -i`. */
  privateKeyPath: string;
  publicKey: string;
  /** The server's host key line ("ssh-ed25519 AAAA..."). */
  hostPublicKey: string;
  home: string;
  /** sshd's own log (LogLevel VERBOSE): read it when a test fails. */
  logPath: string;
  stop(): Promise<void>;
}

export interface StartSshdOptions {
  /** More sshd_config lines (they win over the defaults: sshd keeps the first value it reads). */
  extraConfig?: string[];
}

const PROGRAMS = ['sshd', 'ssh-keygen', 'useradd', 'chpasswd', 'userdel'];

/**
 * Why sshd tests cannot run here (for `describe.skipIf`), or null. Under VIGIL_REQUIRE_ALL=1 a missing
 * program or privilege throws instead, so CI cannot pass by skipping.
 */
export function sshdSkipReason(): string | null {
  const missing = missingProgram(...PROGRAMS);
  if (missing) return missing;
  if (process.getuid?.() !== 0) {
    const reason = 'needs root (it creates a throwaway local user for sshd)';
    if (requireAll) throw new Error(`VIGIL_REQUIRE_ALL=1 but this test ${reason}`);
    return reason;
  }
  return null;
}

export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshd> {
  const dir = mkdtempSync('/tmp/vigil-sshd-');
  // The user's own processes read authorized_keys and live in the home below: let them through.
  chmodSync(dir, 0o755);
  const user = `vigiltgt${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  let userCreated = false;
  let child: ChildProcess | null = null;
  const cleanupOnExit = (): void => {
    if (child?.pid) killTree(child.pid);
    if (userCreated) removeUser(user);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupOnExit);
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
    const hostKeyPath = join(dir, 'host_ed25519_key');
    const privateKeyPath = join(dir, 'user_ed25519');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-test-host', '-f', hostKeyPath]);
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vigil-test-user', '-f', privateKeyPath]);
    const publicKey = readFileSync(`${privateKeyPath}.pub`, 'utf8').trim();
    const authorizedKeys = join(dir, 'authorized_keys');
    writeFileSync(authorizedKeys, `${publicKey}\n`, { mode: 0o644 });
    const home = join(dir, 'home');
    await addUser(user, home);
    userCreated = true;
    run('chpasswd', [], `${user}:${password}\n`);

    const logPath = join(dir, 'sshd.log');
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const config = join(dir, 'sshd_config');
      writeFileSync(
        config,
        sshdConfig({ dir, port, user, hostKeyPath, authorizedKeys }, options.extraConfig),
      );
      run(findProgram('sshd')!, ['-t', '-f', config]);
      child = spawn(findProgram('sshd')!, ['-D', '-e', '-f', config], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (chunk: Buffer) => writeFileSync(logPath, chunk, { flag: 'a' }));
      if (await serving(child, port)) break;
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
      killTree(child.pid!);
      if (attempt === 3 || !/Address already in use|Bind to port/.test(log)) {
        throw new Error(`sshd did not start on 127.0.0.1:${port}:\n${log}`);
      }
    }

    let stopped = false;
    const sshd = child!;
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      privateKey: readFileSync(privateKeyPath, 'utf8'),
      privateKeyPath,
      publicKey,
      hostPublicKey: readFileSync(`${hostKeyPath}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '),
      home,
      logPath,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', cleanupOnExit);
        const exited = new Promise((resolve) =>
          sshd.exitCode !== null ? resolve(null) : sshd.once('exit', resolve),
        );
        killTree(sshd.pid!);
        await Promise.race([exited, sleep(5000)]);
        await removeUserWhenIdle(user);
        // Processes of the killed tree may still write to the pipe: stop logging before the folder goes.
        sshd.stderr?.removeAllListeners('data');
        sshd.stderr?.resume();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', cleanupOnExit);
    cleanupOnExit();
    throw err;
  }
}

interface ConfigFacts {
  dir: string;
  port: number;
  user: string;
  hostKeyPath: string;
  authorizedKeys: string;
}

function sshdConfig(f: ConfigFacts, extra: string[] = []): string {
  return [
    ...extra,
    'ListenAddress 127.0.0.1',
    `Port ${f.port}`,
    `HostKey ${f.hostKeyPath}`,
    `PidFile ${join(f.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${f.authorizedKeys}`,
    `AllowUsers ${f.user}`,
    'PasswordAuthentication yes',
    'PubkeyAuthentication yes',
    'KbdInteractiveAuthentication no',
    // Without PAM, sshd checks passwords against /etc/shadow itself; PAM's session modules
    // (pam_loginuid) fail in containers and would refuse every login.
    'UsePAM no',
    'PermitRootLogin no',
    'StrictModes no',
    'LogLevel VERBOSE',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Benchmarks open many sessions at once.
    'MaxStartups 300:30:600',
    'MaxSessions 300',
    'LoginGraceTime 30',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

/** Resolves true once the port answers with an SSH banner, false if sshd exits first. */
async function serving(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    if (await banner(port)) return true;
    await sleep(50);
  }
  return false;
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let seen = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n')) done(seen.startsWith('SSH-2.0-'));
    });
  });
}
