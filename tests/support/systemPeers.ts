import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { findProgram } from './programs';

/**
 * What the tests' real peers (sshd, xrdp) need from the system: throwaway users, processes found
 * and ended by their pids through /proc (never by name), and free loopback ports.
 */
export function run(program: string, args: string[], input?: string): void {
  const result = spawnSync(findProgram(program) ?? program, args, { input, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${program} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.error}`,
    );
  }
}

/** useradd takes a lock on /etc/passwd; test files starting in parallel retry until they get it. */
export async function addUser(user: string, home: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const result = spawnSync(
      findProgram('useradd')!,
      ['--create-home', '--home-dir', home, '--shell', '/bin/bash', '--user-group', user],
      { encoding: 'utf8' },
    );
    if (result.status === 0) return;
    if (attempt === 20 || !/lock|try again/i.test(result.stderr)) {
      throw new Error(`useradd ${user} failed (${result.status}): ${result.stderr}`);
    }
    await sleep(100 + Math.random() * 200);
  }
}

/** Ends the user's processes, then deletes the user and its home; false while userdel refuses. */
export function removeUser(user: string): boolean {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
  if (uid) signalUserProcesses(uid, 'SIGKILL');
  const result = spawnSync(findProgram('userdel')!, ['--remove', user], { encoding: 'utf8' });
  return result.status === 0 || /does not exist/.test(result.stderr);
}

export async function removeUserWhenIdle(user: string): Promise<void> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    if (removeUser(user)) return;
    await sleep(100);
  }
  throw new Error(`could not remove test user ${user}`);
}

/** Every process running as `uid` (a session's shells, X server, agents), by its pid. */
export function signalUserProcesses(uid: string, signal: NodeJS.Signals): void {
  for (const pid of listPids()) {
    const real = /^Uid:\s+(\d+)/m.exec(readProc(pid, 'status'))?.[1];
    if (real === uid) signalPid(pid, signal);
  }
}

/** The process and all its descendants (servers fork per connection; children outlive a killed parent). */
export function killTree(root: number): void {
  const parents = new Map<number, number>();
  for (const pid of listPids()) {
    const stat = readProc(pid, 'stat');
    parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of tree) signalPid(pid, 'SIGKILL');
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

export function readProc(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
