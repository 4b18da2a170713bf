import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findProgram, missingProgram, requireAll } from './programs';
import {
  addUser,
  freePort,
  killTree,
  listPids,
  readProc,
  removeUser,
  removeUserWhenIdle,
  run,
  signalUserProcesses,
} from './systemPeers';

/** A private xrdp (with its own sesman) on 127.0.0.1 and a throwaway user whose session is one xterm. */
export interface XrdpTestbed {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** SHA-256 of the server's TLS certificate, `AB:CD:…` as openssl and Node print it. */
  certificateFingerprint: string;
  userHome: string;
  /** A folder the session's user may write to (typed commands run as that user). */
  writableDir: string;
  /** xrdp's and sesman's logs, for a failing test's message. */
  logs(): string;
  close(): Promise<void>;
}

export interface XrdpTestbedOptions {
  /** xrdp's security_layer: `rdp` offers no TLS at all. */
  securityLayer?: 'tls' | 'negotiate' | 'rdp';
}

/** The session's xterm fills the screen with these colours (the bitmap fixture's decoder checks them). */
export const XTERM_BACKGROUND = '#1e3a5f';
export const XTERM_FOREGROUND = '#f0e68c';

const PROGRAMS = [
  'xrdp',
  'xrdp-sesman',
  'xterm',
  'openssl',
  'useradd',
  'chpasswd',
  'userdel',
  'unshare',
  'mount',
];
const XORGXRDP_DRIVER = '/usr/lib/xorg/modules/drivers/xrdpdev_drv.so';
const SOCKSETUP = '/usr/share/xrdp/socksetup';
/** xrdp reads sesman's port from this fixed path: each testbed bind-mounts its own over it. */
const SYSTEM_SESMAN_INI = '/etc/xrdp/sesman.ini';
const BIND_SESMAN_INI_THEN_RUN = 'mount --bind "$0" "$1" && exec "$2" -n -c "$3"';

/** Why xrdp tests cannot run here (for `describe.skipIf`), or null; throws under VIGIL_REQUIRE_ALL=1. */
export function xrdpSkipReason(): string | null {
  const missing = missingProgram(...PROGRAMS);
  if (missing) return missing;
  const reason = unmetNeed();
  if (reason !== null && requireAll) throw new Error(`VIGIL_REQUIRE_ALL=1 but this test ${reason}`);
  return reason;
}

function unmetNeed(): string | null {
  if (!existsSync(XORGXRDP_DRIVER)) return 'needs xorgxrdp (not installed)';
  if (process.getuid?.() !== 0) return 'needs root (it starts xrdp and creates a throwaway local user)';
  if (spawnSync(findProgram('unshare')!, ['--mount', 'true']).status !== 0) {
    return 'needs a private mount namespace (unshare --mount is not permitted here)';
  }
  return null;
}

export async function startXrdp(options: XrdpTestbedOptions = {}): Promise<XrdpTestbed> {
  const dir = mkdtempSync('/tmp/vigil-xrdp-');
  chmodSync(dir, 0o755); // the session's user lives below
  const user = `vigilrdp${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const children: ChildProcess[] = [];
  let userCreated = false;
  const cleanupOnExit = (): void => {
    for (const child of children) if (child.pid) killTree(child.pid);
    if (userCreated) removeUser(user);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupOnExit);
  try {
    if (existsSync(SOCKSETUP)) run('sh', [SOCKSETUP]);
    const certificatePath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    const selfSigned = 'req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=vigil-xrdp-test'.split(' ');
    run('openssl', [...selfSigned, '-keyout', keyPath, '-out', certificatePath]);
    const certificateFingerprint = new X509Certificate(readFileSync(certificatePath)).fingerprint256;

    const home = join(dir, 'home');
    await addUser(user, home);
    userCreated = true;
    run('chpasswd', [], `${user}:${password}\n`);
    const { uid, gid } = statSync(home);
    const xsession = join(home, '.xsession');
    writeFileSync(xsession, xsessionScript(), { mode: 0o755 });
    chownSync(xsession, uid, gid);
    const writableDir = join(home, 'drop');
    mkdirSync(writableDir, { mode: 0o755 });
    chownSync(writableDir, uid, gid);

    const logPaths = ['sesman.log', 'sesman.out', 'xrdp.log', 'xrdp.out'].map((name) => join(dir, name));
    const logs = (): string =>
      logPaths
        .filter((path) => existsSync(path))
        .map((path) => `--- ${path}\n${readFileSync(path, 'utf8').slice(-6000)}`)
        .join('\n');

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const sesmanPort = await freePort();
      const sesmanIni = join(dir, 'sesman.ini');
      const xrdpIni = join(dir, 'xrdp.ini');
      writeFileSync(sesmanIni, sesmanConfig(dir, sesmanPort));
      writeFileSync(xrdpIni, xrdpConfig(dir, port, certificatePath, keyPath, options));
      const sesman = startLogged(
        findProgram('xrdp-sesman')!,
        ['-n', '-c', sesmanIni],
        join(dir, 'sesman.out'),
      );
      children.push(sesman);
      // In a mount namespace of its own, where sesman.ini names this testbed's sesman.
      const namespace = ['--mount', '--propagation', 'private', 'sh', '-c', BIND_SESMAN_INI_THEN_RUN];
      const xrdp = startLogged(
        findProgram('unshare')!,
        [...namespace, sesmanIni, SYSTEM_SESMAN_INI, findProgram('xrdp')!, xrdpIni],
        join(dir, 'xrdp.out'),
      );
      children.push(xrdp);
      const up =
        (await listening(sesman, sesmanPort, ['::1', '127.0.0.1'])) &&
        (await listening(xrdp, port, ['127.0.0.1']));
      if (up) break;
      const seen = logs();
      for (const child of children.splice(0)) killTree(child.pid!);
      if (attempt === 3 || !/already in use|could not bind|bind failed|listen error/i.test(seen)) {
        throw new Error(`xrdp did not start on 127.0.0.1:${port} (sesman on ${sesmanPort}):\n${seen}`);
      }
    }

    let closed = false;
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      certificateFingerprint,
      userHome: home,
      writableDir,
      logs,
      async close() {
        if (closed) return;
        closed = true;
        process.removeListener('exit', cleanupOnExit);
        const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
        // Politely first: the X server then removes its display socket and lock file itself.
        if (uid) signalUserProcesses(uid, 'SIGTERM');
        await sleep(300);
        await Promise.all(children.map((child) => stop(child)));
        if (uid) {
          signalUserProcesses(uid, 'SIGKILL');
          removeDisplayLeftovers(Number(uid));
        }
        await removeUserWhenIdle(user);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', cleanupOnExit);
    cleanupOnExit();
    throw err;
  }
}

function xsessionScript(): string {
  // A plain prompt and no rc files: what the session shows is the same on every machine.
  return [
    '#!/bin/sh',
    `exec env PS1='$ ' xterm -maximized -bg '${XTERM_BACKGROUND}' -fg '${XTERM_FOREGROUND}' ` +
      '-xrm "XTerm*cursorBlink: false" -e bash --norc --noprofile',
    '',
  ].join('\n');
}

function sesmanConfig(dir: string, port: number): string {
  let ini = readFileSync(SYSTEM_SESMAN_INI, 'utf8');
  ini = setIni(ini, 'Globals', 'ListenAddress', '127.0.0.1');
  ini = setIni(ini, 'Globals', 'ListenPort', String(port));
  // Parallel testbeds each start looking for a free X display at their own place.
  ini = setIni(ini, 'Sessions', 'X11DisplayOffset', String(randomInt(100, 3000)));
  ini = setIni(ini, 'Logging', 'LogFile', join(dir, 'sesman.log'));
  ini = setIni(ini, 'Logging', 'EnableSyslog', 'false');
  ini = setIni(ini, 'ChansrvLogging', 'EnableSyslog', 'false');
  return ini;
}

function xrdpConfig(
  dir: string,
  port: number,
  certificate: string,
  key: string,
  options: XrdpTestbedOptions,
): string {
  let ini = readFileSync('/etc/xrdp/xrdp.ini', 'utf8');
  ini = setIni(ini, 'Globals', 'port', `tcp://127.0.0.1:${port}`);
  ini = setIni(ini, 'Globals', 'security_layer', options.securityLayer ?? 'tls');
  ini = setIni(ini, 'Globals', 'certificate', certificate);
  ini = setIni(ini, 'Globals', 'key_file', key);
  ini = setIni(ini, 'Logging', 'LogFile', join(dir, 'xrdp.log'));
  ini = setIni(ini, 'Logging', 'EnableSyslog', 'false');
  return ini;
}

/** Sets `key=value` in `[section]` of an ini text (replacing the key, or adding it at the section's end). */
function setIni(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n');
  let current = '';
  let sectionEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    if (current !== section) continue;
    if (line.toLowerCase().startsWith(`${key.toLowerCase()}=`)) {
      lines[i] = `${key}=${value}`;
      return lines.join('\n');
    }
    sectionEnd = i;
  }
  if (sectionEnd === -1) return `${text}\n[${section}]\n${key}=${value}\n`;
  lines.splice(sectionEnd + 1, 0, `${key}=${value}`);
  return lines.join('\n');
}

function startLogged(program: string, args: string[], logPath: string): ChildProcess {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer): void => writeFileSync(logPath, chunk, { flag: 'a' });
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  return child;
}

/** Resolves true once the port accepts connections, false if the process exits first. */
async function listening(child: ChildProcess, port: number, hosts: string[]): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    for (const host of hosts) if (await accepts(host, port)) return true;
    await sleep(50);
  }
  return false;
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve),
  );
  killTree(child.pid!);
  await Promise.race([exited, sleep(5000)]);
  // Processes of the killed tree may still write to the pipes.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.removeAllListeners('data');
    stream?.resume();
  }
}

/** Sockets and locks of the user's X display, left behind when its server was killed. */
function removeDisplayLeftovers(uid: number): void {
  const places: [string, RegExp][] = [
    ['/tmp/.X11-unix', /^X\d+$/],
    ['/tmp', /^\.X\d+-lock$/],
    ['/run/xrdp/sockdir', /_\d+$/],
  ];
  for (const [folder, pattern] of places) {
    const names = existsSync(folder) ? readdirSync(folder).filter((name) => pattern.test(name)) : [];
    for (const name of names) {
      const path = join(folder, name);
      try {
        if (statSync(path).uid === uid) rmSync(path, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }
}

/** Pids of the X servers running as the testbed's user (one per xrdp session). */
export function sessionXServers(bed: XrdpTestbed): number[] {
  const uid = statSync(bed.userHome).uid;
  return listPids().filter((pid) => {
    const status = readProc(pid, 'status');
    return /^Name:\s+Xorg$/m.test(status) && new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status);
  });
}

/** The X display of the testbed user's desktop session, for driving it with xdotool (as root). */
export function desktopDisplay(bed: XrdpTestbed): { DISPLAY: string; XAUTHORITY: string } {
  const [server] = sessionXServers(bed);
  if (server === undefined) throw new Error(`no desktop session runs for ${bed.user}`);
  const display = readProc(server, 'cmdline').split('\0')[1]!;
  return { DISPLAY: display, XAUTHORITY: join(bed.userHome, '.Xauthority') };
}
