import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import ssh2, { type Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { runGatewayCli, startGatewayProcess, type GatewayProcess } from '../tests/support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../tests/support/sshd';
import type { BenchRow } from './report';
import { generateEd25519KeyPair } from '../src/gateway/ssh/keys';
import { dataPaths } from '../src/gateway/datadir';
import { openStore } from '../src/gateway/db/store';
import { startBastion } from './bastion';

export type { BenchRow };

/** What the proxy should reach against a direct connection and against an OpenSSH bastion. */
export const SSH_TARGETS = {
  echoP50Ratio: 1.3,
  echoP99AddedMs: 2,
  bulkThroughputRatio: 0.7,
  /** Echo p50 through the gateway / through the bastion: at most this. */
  echoP50VsBastion: 1.1,
  /** Bulk throughput through the gateway (recording) / through the bastion: at least this. */
  bulkVsBastion: 1.0,
  /** Echo p50 through the gateway with 100 audited-command rules / with none: below this. */
  echoP50WithRules: 1.05,
} as const;

export interface SshBenchOptions {
  /** Keystrokes timed per path (after a warm-up). */
  keystrokes?: number;
  bulkBytes?: number;
  concurrentSessions?: number;
  /** How long the concurrent sessions produce output while the gateway is measured. */
  concurrentSeconds?: number;
  log?: (line: string) => void;
  /** More environment for the gateway process, e.g. NODE_OPTIONS='--cpu-prof' to profile its data path. */
  gatewayEnv?: Record<string, string>;
}

const TARGET = 'bench-target';
const OPERATOR = 'bencher';

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/**
 * The SSH proxy against direct connections to the same real sshd and against an OpenSSH bastion in
 * front of it (bastion.ts: the fair peer, which also decrypts and re-encrypts both legs but records
 * nothing), with the gateway as its own process (`vigil-gateway serve`, as in production) and the
 * same client on every path: keystroke echo latency, bulk output throughput, and the gateway's CPU
 * and memory per recorded session with many sessions producing output at once.
 */
export async function benchSsh(options: SshBenchOptions = {}): Promise<BenchRow[]> {
  const log = options.log ?? (() => undefined);
  const skip = sshdSkipReason();
  if (skip !== null) {
    log(`SSH proxy benchmark skipped: ${skip}`);
    return [];
  }
  const sshd = await startSshd();
  let bastion: TestSshd | null = null;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-ssh-'));
  let gateway: GatewayProcess | null = null;
  try {
    const key = generateEd25519KeyPair();
    await setUp(dataDir, sshd, key.public);
    gateway = await startGatewayProcess({ dataDir, env: options.gatewayEnv });
    bastion = await startBastion(sshd);
    const direct: ConnectConfig = {
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      password: sshd.password,
    };
    const jumped: ConnectConfig = {
      host: bastion.host,
      port: bastion.port,
      username: bastion.user,
      privateKey: bastion.privateKey,
    };
    const proxied: ConnectConfig = {
      host: '127.0.0.1',
      port: gateway.sshPort,
      username: `${OPERATOR}@${sshd.user}@${TARGET}`,
      privateKey: key.private,
    };
    const keyFile = join(dataDir, 'bencher_ed25519');
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    const rows: BenchRow[] = [];
    rows.push(
      ...(await echoRows({ direct, bastion: jumped, gateway: proxied }, options.keystrokes ?? 400, log)),
    );
    rows.push(...(await ruleRows(proxied, dataDir, 2000, log)));
    rows.push(
      ...(await bulkRows(
        {
          direct: { port: sshd.port, user: sshd.user, keyFile: sshd.privateKeyPath },
          bastion: { port: bastion.port, user: bastion.user, keyFile: bastion.privateKeyPath },
          gateway: { port: gateway.sshPort, user: `${OPERATOR}@${sshd.user}@${TARGET}`, keyFile },
        },
        sshd,
        options.bulkBytes ?? 200e6,
        log,
      )),
    );
    const sessions = options.concurrentSessions ?? 100;
    if (sessions > 0)
      rows.push(...(await concurrentRows(proxied, gateway, sessions, options.concurrentSeconds ?? 10, log)));
    return rows;
  } finally {
    await gateway?.stop({ keepData: true });
    rmSync(dataDir, { recursive: true, force: true });
    await bastion?.stop();
    await sshd.stop();
  }
}

async function setUp(dataDir: string, sshd: TestSshd, publicKey: string): Promise<void> {
  const keyFile = join(dataDir, 'bencher.pub');
  writeFileSync(keyFile, publicKey);
  const steps: [string[], string?][] = [
    [['user', 'add', OPERATOR, '--name', 'Bench operator', '--role', 'Operator']],
    [['user', 'key', 'add', OPERATOR, keyFile]],
    [['target', 'add', TARGET, '--protocol', 'ssh', '--host', sshd.host, '--port', String(sshd.port)]],
    [['credential', 'add', TARGET, sshd.user, '--password-stdin'], `${sshd.password}\n`],
    [['access', 'grant', OPERATOR, TARGET, sshd.user]],
  ];
  for (const [args, stdin] of steps) {
    const result = await runGatewayCli([...args, '--data', dataDir], { stdin });
    if (result.code !== 0) throw new Error(`vigil-gateway ${args.join(' ')}: ${result.stderr}`);
  }
}

function connect(config: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => {
      client.setNoDelay(true);
      resolve(client);
    });
    client.once('error', reject);
    client.connect({ readyTimeout: 60_000, ...config });
  });
}

function exec(client: Client, command: string, pty: boolean): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(command, pty ? { pty: { cols: 120, rows: 40, term: 'xterm' } } : {}, (err, channel) =>
      err ? reject(err) : resolve(channel),
    ),
  );
}

/**
 * Keystroke to echo: one byte into `cat` on a terminal, timed until the terminal echoes it back.
 * With `enterEvery`, every so many keys is an Enter (timed until its newline comes back, and
 * also collected in `enters`).
 */
async function echoLatencies(
  config: ConnectConfig,
  keystrokes: number,
  enterEvery = 0,
  enters: number[] = [],
): Promise<number[]> {
  const client = await connect(config);
  try {
    const channel = await exec(client, 'stty -icanon; echo GO; exec cat >/dev/null', true);
    let pending: ((data: string) => void) | null = null;
    let seen = '';
    channel.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      pending?.(seen);
    });
    await new Promise<void>((resolve) => (pending = (s) => s.includes('GO') && resolve()));
    const times: number[] = [];
    for (let i = 0; i < keystrokes + 50; i++) {
      const enter = enterEvery > 0 && i % enterEvery === enterEvery - 1;
      const key = enter ? '\r' : String.fromCharCode(97 + (i % 26));
      const shown = enter ? '\n' : key;
      seen = '';
      const echoed = new Promise<void>((resolve) => (pending = (s) => s.includes(shown) && resolve()));
      const started = performance.now();
      channel.write(key);
      await echoed;
      if (i >= 50) times.push(performance.now() - started);
      if (i >= 50 && enter) enters.push(times.at(-1)!);
      // Typing speed, not a tight loop: each keystroke travels on its own.
      await sleep(2 + (i % 3));
    }
    channel.close();
    return times.sort((a, b) => a - b);
  } finally {
    client.end();
  }
}

/** The three ways to the same target: straight to its sshd, through an OpenSSH bastion, through Vigil. */
interface Paths<T> {
  direct: T;
  bastion: T;
  gateway: T;
}

async function echoRows(
  paths: Paths<ConnectConfig>,
  keystrokes: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  // Alternating runs, so a noisy moment on a shared machine hits every path alike.
  const d: number[] = [];
  const b: number[] = [];
  const g: number[] = [];
  for (let round = 0; round < 2; round++) {
    d.push(...(await echoLatencies(paths.direct, keystrokes / 2)));
    b.push(...(await echoLatencies(paths.bastion, keystrokes / 2)));
    g.push(...(await echoLatencies(paths.gateway, keystrokes / 2)));
  }
  for (const times of [d, b, g]) times.sort((x, y) => x - y);
  const [d50, d99] = [percentile(d, 50), percentile(d, 99)];
  const [b50, b99] = [percentile(b, 50), percentile(b, 99)];
  const [g50, g99] = [percentile(g, 50), percentile(g, 99)];
  log(
    `keystroke echo: direct p50 ${d50.toFixed(3)} ms p99 ${d99.toFixed(3)} ms; ` +
      `OpenSSH bastion p50 ${b50.toFixed(3)} ms p99 ${b99.toFixed(3)} ms; ` +
      `through the gateway p50 ${g50.toFixed(3)} ms p99 ${g99.toFixed(3)} ms; ` +
      `gateway/bastion p50 ${(g50 / b50).toFixed(2)} (target <= ${SSH_TARGETS.echoP50VsBastion}), ` +
      `gateway/direct p50 ${(g50 / d50).toFixed(2)} (target < ${SSH_TARGETS.echoP50Ratio}), ` +
      `p99 added ${(g99 - d99).toFixed(3)} ms (target < ${SSH_TARGETS.echoP99AddedMs} ms)`,
  );
  return [
    { name: 'ssh keystroke echo p50, direct', value: round(d50, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p99, direct', value: round(d99, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p50, OpenSSH bastion', value: round(b50, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p99, OpenSSH bastion', value: round(b99, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p50, through gateway', value: round(g50, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p99, through gateway', value: round(g99, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p50, gateway / bastion', value: round(g50 / b50, 3), unit: 'ratio' },
    { name: 'ssh keystroke echo p99, gateway / bastion', value: round(g99 / b99, 3), unit: 'ratio' },
    { name: 'ssh keystroke echo p50, gateway / direct', value: round(g50 / d50, 3), unit: 'ratio' },
    { name: 'ssh keystroke echo p99, added by gateway', value: round(g99 - d99, 3), unit: 'ms' },
  ];
}

/** Commands an auditor would watch, none of them in what the echo benchmark types. */
const WATCHED = [
  'rm\\s+-rf\\s+/',
  '\\bshutdown\\b',
  '\\breboot\\b',
  '\\bhalt\\b',
  '\\bpoweroff\\b',
  '\\bmkfs(\\.\\w+)?\\s',
  '\\bdd\\s+if=',
  '\\bfdisk\\b',
  '\\bparted\\b',
  'chmod\\s+(-R\\s+)?777',
  'chown\\s+-R\\s+\\S+\\s+/',
  '\\biptables\\s+-F',
  '\\bnft\\s+flush',
  '\\buserdel\\b',
  '\\busermod\\s+-aG\\s+sudo',
  '\\bpasswd\\s+root',
  '\\bvisudo\\b',
  '/etc/sudoers',
  '/etc/shadow',
  '\\bcurl\\s+[^|]*\\|\\s*(ba)?sh',
  '\\bwget\\s+[^|]*\\|\\s*sh',
  '\\bnc\\s+-l',
  '\\bsystemctl\\s+stop\\s+sshd',
  '\\bkill\\s+-9\\s+1\\b',
  '\\bhistory\\s+-c',
];
const RULE_PATTERNS = [
  ...WATCHED,
  ...WATCHED.map((p) => `^sudo\\s+.*${p}`),
  ...WATCHED.map((p) => `;\\s*${p}`),
]
  .concat(WATCHED.map((p) => `&&\\s*${p}`))
  .slice(0, 100);

/**
 * Keystroke echo through the gateway with 100 audited-command rules in force against none, with
 * an Enter every 20 keys (rules work only at Enter). Alternating runs, as for the other paths.
 */
async function ruleRows(
  proxied: ConnectConfig,
  dataDir: string,
  keystrokes: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  // A second connection to the gateway's database, as the CLI's `rule add` is.
  const store = openStore(dataPaths(dataDir).database);
  const none: number[] = [];
  const withRules: number[] = [];
  const noneEnters: number[] = [];
  const rulesEnters: number[] = [];
  // Each round is a new connection of each kind; connections differ more than rules cost, so the
  // ratio is also taken round by round (the median of those is the steadier figure).
  const roundRatios: number[] = [];
  const rounds = 8;
  try {
    for (let round = 0; round < rounds; round++) {
      const plain = await echoLatencies(proxied, keystrokes / rounds, 20, noneEnters);
      none.push(...plain);
      RULE_PATTERNS.forEach((pattern, i) =>
        store.commandRules.add({
          name: `bench-${i}`,
          pattern,
          score: 50,
          criticality: 'high',
          action: i % 2 === 0 ? 'block' : 'allow',
          targetId: null,
          createdAt: Date.now(),
        }),
      );
      const ruled = await echoLatencies(proxied, keystrokes / rounds, 20, rulesEnters);
      withRules.push(...ruled);
      roundRatios.push(percentile(ruled, 50) / percentile(plain, 50));
      RULE_PATTERNS.forEach((_p, i) => store.commandRules.remove(`bench-${i}`));
    }
  } finally {
    store.close();
  }
  for (const times of [none, withRules, noneEnters, rulesEnters]) times.sort((x, y) => x - y);
  const [n50, r50] = [percentile(none, 50), percentile(withRules, 50)];
  const [n99, r99] = [percentile(none, 99), percentile(withRules, 99)];
  const [ne50, re50] = [percentile(noneEnters, 50), percentile(rulesEnters, 50)];
  const roundRatio = percentile(
    roundRatios.sort((x, y) => x - y),
    50,
  );
  log(
    `keystroke echo through the gateway (an Enter every 20 keys): no rules p50 ${n50.toFixed(3)} ms ` +
      `p99 ${n99.toFixed(3)} ms; ${RULE_PATTERNS.length} rules p50 ${r50.toFixed(3)} ms p99 ${r99.toFixed(3)} ms; ` +
      `with rules / without p50 ${(r50 / n50).toFixed(3)}, median of ${rounds} rounds ${roundRatio.toFixed(3)} ` +
      `(target < ${SSH_TARGETS.echoP50WithRules}); ` +
      `Enter alone p50 ${ne50.toFixed(3)} ms vs ${re50.toFixed(3)} ms with rules`,
  );
  return [
    { name: 'ssh keystroke echo p50, gateway without rules', value: round(n50, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p50, gateway with 100 rules', value: round(r50, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p99, gateway with 100 rules', value: round(r99, 3), unit: 'ms' },
    { name: 'ssh keystroke echo p50, 100 rules / no rules', value: round(r50 / n50, 3), unit: 'ratio' },
    { name: 'ssh keystroke echo p50 ratio, median of rounds', value: round(roundRatio, 3), unit: 'ratio' },
    { name: 'ssh Enter echo p50, 100 rules / no rules', value: round(re50 / ne50, 3), unit: 'ratio' },
  ];
}

/** Where the OpenSSH client logs in: port, user, private key file. */
interface SshLogin {
  port: number;
  user: string;
  keyFile: string;
}

/**
 * Seconds from the first to the last byte of `cat FILE` through the OpenSSH client (what operators
 * use; a client in C leaves the CPU to the path being measured), read from its stdout.
 */
function bulkSeconds(login: SshLogin, file: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        ...['-p', String(login.port), '-i', login.keyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
        ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'],
        `${login.user}@127.0.0.1`,
        `cat ${file}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let received = 0;
    let first = 0;
    let last = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      last = performance.now();
      if (received === 0) first = last;
      received += d.length;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 || received !== bytes)
        reject(new Error(`ssh exited ${code}, ${received}/${bytes} bytes: ${stderr}`));
      else resolve((last - first) / 1000);
    });
  });
}

async function bulkRows(
  logins: Paths<SshLogin>,
  sshd: TestSshd,
  bytes: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const file = join(sshd.home, 'bulk.txt');
  await writeLogLike(file, bytes);
  try {
    // Best of three each, alternating, so a busy moment on a shared machine does not decide.
    const best = { direct: Infinity, bastion: Infinity, gateway: Infinity };
    for (let i = 0; i < 3; i++) {
      for (const path of ['direct', 'bastion', 'gateway'] as const)
        best[path] = Math.min(best[path], await bulkSeconds(logins[path], file, bytes));
    }
    const mb = (seconds: number): number => bytes / 1e6 / seconds;
    const [dMb, bMb, gMb] = [mb(best.direct), mb(best.bastion), mb(best.gateway)];
    log(
      `bulk output (${bytes / 1e6} MB cat, OpenSSH client): direct ${dMb.toFixed(1)} MB/s, ` +
        `OpenSSH bastion ${bMb.toFixed(1)} MB/s, through the gateway (recorded) ${gMb.toFixed(1)} MB/s; ` +
        `gateway/bastion ${(gMb / bMb).toFixed(2)} (target >= ${SSH_TARGETS.bulkVsBastion}), ` +
        `gateway/direct ${(gMb / dMb).toFixed(2)} (target > ${SSH_TARGETS.bulkThroughputRatio})`,
    );
    return [
      { name: 'ssh bulk output throughput, direct', value: round(dMb, 1), unit: 'MB/s' },
      { name: 'ssh bulk output throughput, OpenSSH bastion', value: round(bMb, 1), unit: 'MB/s' },
      { name: 'ssh bulk output throughput, through gateway', value: round(gMb, 1), unit: 'MB/s' },
      { name: 'ssh bulk output throughput, gateway / bastion', value: round(gMb / bMb, 3), unit: 'ratio' },
      { name: 'ssh bulk output throughput, gateway / direct', value: round(gMb / dMb, 3), unit: 'ratio' },
    ];
  } finally {
    rmSync(file, { force: true });
  }
}

/** Text like a busy log or a large `ls -l`: realistic for compression, unlike zeros or random bytes. */
async function writeLogLike(file: string, bytes: number): Promise<void> {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 4 * 1024 * 1024; i++) {
    const line =
      `2026-03-12T10:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}Z ` +
      `app[${1000 + (i % 97)}] GET /api/v1/items/${(i * 2654435761) % 999983} ${200 + (i % 5)} ${i % 9999}ms ` +
      `${randomBytes(6).toString('hex')}\n`;
    lines.push(line);
    size += line.length;
  }
  const block = Buffer.from(lines.join(''));
  const handle = await open(file, 'w', 0o644);
  try {
    for (let written = 0; written < bytes;) {
      const piece = block.subarray(0, Math.min(block.length, bytes - written));
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
}

/** utime + stime of a process, in milliseconds (from /proc; clock ticks are 100 Hz on Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1024;
}

async function concurrentRows(
  proxied: ConnectConfig,
  gateway: GatewayProcess,
  sessions: number,
  seconds: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const pid = gateway.child.pid!;
  const idleRss = rssMb(pid);
  const clients: Client[] = [];
  let received = 0;
  try {
    for (let i = 0; i < sessions; i++) {
      const client = await connect(proxied);
      clients.push(client);
      // A busy interactive session: 5 lines every 50 ms (100 lines/s), with bash builtins only
      // (`read -t` on the terminal is the pause), so 100 of them do not drown the machine in forks.
      const channel = await exec(
        client,
        'i=0; while :; do for j in 1 2 3 4 5; do i=$((i+1)); ' +
          'printf "%s line %d of a busy session, \\e[32msome\\e[0m padding text\\n" "$EPOCHREALTIME" $i; done; ' +
          'read -r -t 0.05 -n 1 && break; done',
        true,
      );
      channel.on('data', (d: Buffer) => (received += d.length));
    }
    await sleep(2000);
    const cpuBefore = cpuMs(pid);
    const bytesBefore = received;
    const started = performance.now();
    await sleep(seconds * 1000);
    const wallMs = performance.now() - started;
    const cpuPercent = ((cpuMs(pid) - cpuBefore) / wallMs) * 100;
    const rss = rssMb(pid);
    const throughput = (received - bytesBefore) / 1024 / (wallMs / 1000);
    const perSessionMb = (rss - idleRss) / sessions;
    log(
      `${sessions} concurrent recorded sessions (${(throughput / sessions).toFixed(1)} KB/s each): gateway CPU ` +
        `${cpuPercent.toFixed(1)}% of a core in total, ${(cpuPercent / sessions).toFixed(3)}% per session; ` +
        `memory ${rss.toFixed(0)} MB (idle ${idleRss.toFixed(0)} MB), ${perSessionMb.toFixed(2)} MB per session`,
    );
    return [
      {
        name: `ssh ${sessions} concurrent sessions, gateway CPU total`,
        value: round(cpuPercent, 1),
        unit: '% core',
      },
      {
        name: 'ssh concurrent sessions, gateway CPU per session',
        value: round(cpuPercent / sessions, 3),
        unit: '% core',
      },
      {
        name: 'ssh concurrent sessions, gateway memory per session',
        value: round(perSessionMb, 2),
        unit: 'MB',
      },
      {
        name: 'ssh concurrent sessions, output per session',
        value: round(throughput / sessions, 1),
        unit: 'KB/s',
      },
    ];
  } finally {
    for (const client of clients) client.end();
    await sleep(500);
  }
}

// `tsx bench/ssh.ts` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchSsh({ log: (line) => console.log(line) });
  console.table(rows);
}
