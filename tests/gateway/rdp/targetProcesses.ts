import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Every process of a local account (an xrdp testbed's desktop: X server, xterm, shell). */
export function processesOf(user: string): number[] {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim();
  if (uid === '') return [];
  return pids().filter((pid) => /^Uid:\s+(\d+)/m.exec(read(`/proc/${pid}/status`))?.[1] === uid);
}

/**
 * The processes holding an established TCP connection accepted on 127.0.0.1:`port` (xrdp forks
 * one per client), found through /proc as `ss -tnp` would.
 */
export function processesServing(port: number): number[] {
  const inodes = new Set<string>();
  for (const line of read('/proc/net/tcp').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const localPort = parseInt(fields[1]!.split(':')[1]!, 16);
    const established = fields[3] === '01';
    if (localPort === port && established) inodes.add(fields[9]!);
  }
  return pids().filter((pid) => {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      return false;
    }
    return fds.some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  });
}

export function killAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
