import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ssh2 from 'ssh2';
import { runGatewayCli, startGatewayProcess } from '../tests/support/gateway';
import { startSshd } from '../tests/support/sshd';

const BYTES = Number(process.env.BYTES ?? 100e6);
const RUNS = Number(process.env.RUNS ?? 3);
const cpu = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(x[11]) + Number(x[12])) * 10;
};
const sshd = await startSshd();
const dataDir = mkdtempSync(join(tmpdir(), 'vb-'));
const key = ssh2.utils.generateKeyPairSync('ed25519');
writeFileSync(join(dataDir, 'k.pub'), key.public);
const keyFile = join(dataDir, 'k');
writeFileSync(keyFile, key.private, { mode: 0o600 });
for (const [args, stdin] of [
  [['user', 'add', 'b', '--name', 'B', '--role', 'Operator']],
  [['user', 'key', 'add', 'b', join(dataDir, 'k.pub')]],
  [['target', 'add', 't', '--protocol', 'ssh', '--host', sshd.host, '--port', String(sshd.port)]],
  [['credential', 'add', 't', sshd.user, '--password-stdin'], `${sshd.password}\n`],
  [['access', 'grant', 'b', 't', sshd.user]],
] as [string[], string?][]) {
  const r = await runGatewayCli([...args, '--data', dataDir], { stdin });
  if (r.code) throw new Error(r.stderr);
}
const gw = await startGatewayProcess({
  dataDir,
  env: process.env.GWOPTS ? { NODE_OPTIONS: process.env.GWOPTS } : {},
});
const file = join(sshd.home, 'bulk.txt');
const line = (i: number) =>
  `2026-03-12T10:00:00Z app[${1000 + (i % 97)}] GET /api/v1/items/${(i * 2654435761) % 999983} ${200 + (i % 5)} ${i % 9999}ms ${Math.random().toString(16).slice(2, 14)}\n`;
let block = '';
for (let i = 0; block.length < 4 << 20; i++) block += line(i);
const b = Buffer.from(block);
const parts: Buffer[] = [];
for (let n = 0; n < BYTES; n += b.length) parts.push(b.subarray(0, Math.min(b.length, BYTES - n)));
writeFileSync(file, Buffer.concat(parts));
function run(
  port: number,
  user: string,
  k: string,
  extra: string[] = [],
): Promise<{ mbs: number; client: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'bash',
      [
        '-c',
        'ssh "$@"; times >&2',
        'x',
        ...extra,
        '-p',
        String(port),
        '-i',
        k,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'LogLevel=ERROR',
        `${user}@127.0.0.1`,
        `cat ${file}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let got = 0,
      first = 0,
      last = 0,
      err = '';
    c.stdout.on('data', (d: Buffer) => {
      last = performance.now();
      if (!got) first = last;
      got += d.length;
    });
    c.stderr.on('data', (d: Buffer) => (err += d));
    c.once('close', () =>
      got === BYTES
        ? resolve({ mbs: BYTES / 1e6 / ((last - first) / 1000), client: err.trim().split('\n').pop()! })
        : reject(new Error(err)),
    );
  });
}
const pid = gw.child.pid!;
import { readdirSync } from 'node:fs';
const tasks = () =>
  Object.fromEntries(
    readdirSync(`/proc/${pid}/task`).map((t) => {
      const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return [
        f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')) + ':' + t,
        (Number(x[11]) + Number(x[12])) * 10,
      ];
    }),
  );
for (let i = 0; i < RUNS; i++) {
  const d = await run(
    sshd.port,
    sshd.user,
    sshd.privateKeyPath,
    (process.env.DIRECT_OPTS ?? '').split(' ').filter(Boolean),
  );
  const c0 = cpu(pid);
  const t0 = tasks();
  const g = await run(gw.sshPort, `b@${sshd.user}@t`, keyFile);
  const gcpu = cpu(pid) - c0;
  const t1 = tasks();
  console.log(
    Object.entries(t1)
      .map(([k, v]) => [k, v - (t0[k] ?? 0)])
      .filter(([, v]) => (v as number) > 0)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  );
  console.log(
    `direct ${d.mbs.toFixed(1)} MB/s (client ${d.client}) | gateway ${g.mbs.toFixed(1)} MB/s ratio ${(g.mbs / d.mbs).toFixed(2)}, gateway cpu ${gcpu} ms/${BYTES / 1e6}MB (client ${g.client})`,
  );
}
await gw.stop({ keepData: false });
rmSync(dataDir, { recursive: true, force: true });
await sshd.stop();
