import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Client } from 'ssh2';
import WebSocket from 'ws';
import { OPERATOR_MESSAGES } from '../src/shared/messages';
import type { SessionList } from '../src/shared/api';
import { connectOperator, openShell } from '../tests/gateway/sshTestbed';
import {
  copyNodeKeys,
  grantOperatorSsh,
  makeTempDir,
  startGatewayProcess,
  type GatewayProcess,
} from '../tests/support/gateway';
import { adminLogin as login, apiCall as api, type ApiReply } from '../tests/support/gatewayHttp';
import { createTestDatabase } from '../tests/support/postgres';
import { startSshd } from '../tests/support/sshd';
import { percentileOf, type BenchRow } from './report';
import { cpuMs, rssMb } from './ssh';

export interface ClusterBenchResult {
  rows: BenchRow[];
  holdP99: number;
  relayAddedP99: number;
}

const NATS_URL = process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const HOLD_ROUNDS = 60;
const RELAY_LINES = 300;
const SESSIONS_PER_NODE = 100;
const MEASURE_SECONDS = 10;
const PASSWORD = 'bench-operator-password';

async function ok(reply: Promise<ApiReply>): Promise<string> {
  const { status, body } = await reply;
  if (status >= 300) throw new Error(`${status} ${body}`);
  return body;
}

/** Live Stream output of a session on `gw`, each new line of `mark-N-ok` timed as it arrives. */
async function viewer(gw: GatewayProcess, token: string, id: number, arrivals: Map<number, number>) {
  const { ticket } = JSON.parse(await ok(api(gw, 'POST', `/sessions/${id}/live-ticket`, token))) as {
    ticket: string;
  };
  const ws = new WebSocket(`${gw.url.replace('https', 'wss')}/api/v1/sessions/${id}/live?ticket=${ticket}`, {
    rejectUnauthorized: false,
  });
  let text = '';
  ws.on('message', (data, binary) => {
    if (!binary) return;
    const at = performance.now();
    text += Buffer.from(data as Buffer).toString('utf8');
    for (const m of text.matchAll(/mark-(\d+)-ok/g))
      if (!arrivals.has(Number(m[1]))) arrivals.set(Number(m[1]), at);
    text = text.slice(-64);
  });
  await new Promise((resolve, reject) => ws.once('message', resolve).once('error', reject));
  return ws;
}

/**
 * Three gateway processes on one PostgreSQL database and the machine's NATS, a real sshd behind
 * them: Hold on! pressed on node B until the operator on node A reads it (and the same on A for
 * reference), a Live Stream of a session on A watched on A and on B at once (what the relay adds),
 * then 100 busy recorded sessions on each node (CPU and memory per session per node).
 */
export async function benchCluster(log: (line: string) => void): Promise<ClusterBenchResult> {
  const sshd = await startSshd();
  const database = await createTestDatabase();
  const shared = makeTempDir('vigil-bench-shared-');
  const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  const cluster = `vigil-bench-${randomBytes(4).toString('hex')}`;
  const keyCopies: string[] = [];
  const start = (node: string, dataDir?: string) =>
    startGatewayProcess({
      dataDir,
      adminPassword,
      args: [
        ...['--database', database.url, '--nats', NATS_URL, '--cluster', cluster, '--node', node],
        ...['--recordings', pathToFileURL(shared).href],
      ],
    });
  const nodes: GatewayProcess[] = [];
  const clients: Client[] = [];
  try {
    nodes.push(await start('a'));
    // Every node holds the same keys (the credentials' key above all).
    keyCopies.push(copyNodeKeys(nodes[0]!.dataDir), copyNodeKeys(nodes[0]!.dataDir));
    nodes.push(...(await Promise.all([start('b', keyCopies[0]), start('c', keyCopies[1])])));
    const [a, b] = nodes as [GatewayProcess, GatewayProcess];
    await grantOperatorSsh(a, { name: 'web-01', sshd }, { login: 'olga', name: 'Olga', password: PASSWORD });
    const [tokenA, tokenB] = await Promise.all([login(a), login(b)]);
    const operator = await connectOperator(a.sshPort, `olga@${sshd.user}@web-01`, { password: PASSWORD });
    clients.push(operator);
    const term = await openShell(operator);
    term.send('echo ready-$((2*3))\r');
    await term.waitFor('ready-6');
    const list = JSON.parse(await ok(api(b, 'GET', '/sessions?status=live', tokenB))) as SessionList;
    const id = list.items[0]!.id;

    const hold = async (gw: GatewayProcess, token: string): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < HOLD_ROUNDS; i++) {
        const from = term.mark();
        const started = performance.now();
        await ok(api(gw, 'PUT', `/sessions/${id}/interactivity`, token, { blocked: true }));
        await term.waitFor(OPERATOR_MESSAGES.blocked, 10_000, from);
        samples.push(performance.now() - started);
        const back = term.mark();
        await ok(api(gw, 'PUT', `/sessions/${id}/interactivity`, token, { blocked: false }));
        await term.waitFor(OPERATOR_MESSAGES.released, 10_000, back);
      }
      return samples.sort((x, y) => x - y);
    };
    log('Hold on! from the same node and from another node');
    const sameNode = await hold(a, tokenA);
    const otherNode = await hold(b, tokenB);

    log('Live Stream on the same node and on another node');
    const onA = new Map<number, number>();
    const onB = new Map<number, number>();
    const viewers = await Promise.all([viewer(a, tokenA, id, onA), viewer(b, tokenB, id, onB)]);
    for (let i = 0; i < RELAY_LINES; i++) {
      // What is typed shows `o""k`; only the command's output reads `ok`.
      term.send(`echo mark-${i}-o""k\r`);
      await term.waitFor(`mark-${i}-ok\r\n`, 10_000);
      await sleep(5);
    }
    await sleep(200);
    for (const ws of viewers) ws.close();
    const added = [...onA]
      .filter(([n]) => onB.has(n))
      .map(([n, at]) => onB.get(n)! - at)
      .sort((x, y) => x - y);

    log(`${SESSIONS_PER_NODE} busy recorded sessions on each of the 3 nodes`);
    const idle = nodes.map((n) => rssMb(n.child.pid!));
    for (const node of nodes) {
      for (let i = 0; i < SESSIONS_PER_NODE; i++) {
        const client = await connectOperator(node.sshPort, `olga@${sshd.user}@web-01`, {
          password: PASSWORD,
        });
        client.on('error', () => undefined);
        clients.push(client);
        await new Promise<void>((resolve, reject) =>
          client.exec(
            'i=0; while :; do i=$((i+1)); printf "%s line %d of a session\\n" "$EPOCHREALTIME" $i; read -r -t 0.1 -n 1 && break; done',
            { pty: { cols: 120, rows: 40, term: 'xterm' } },
            (err, channel) => (err ? reject(err) : (channel.on('data', () => undefined), resolve())),
          ),
        );
      }
    }
    await sleep(2000);
    const cpuBefore = nodes.map((n) => cpuMs(n.child.pid!));
    const measured = performance.now();
    await sleep(MEASURE_SECONDS * 1000);
    const wallMs = performance.now() - measured;
    const perNode = nodes.map((n, i) => ({
      cpuPercent: ((cpuMs(n.child.pid!) - cpuBefore[i]!) / wallMs) * 100,
      rss: rssMb(n.child.pid!),
    }));

    const rows: BenchRow[] = [
      {
        name: 'Hold on! on the same node → operator reads it, p50',
        value: percentileOf(sameNode, 50),
        unit: 'ms',
      },
      {
        name: 'Hold on! on the same node → operator reads it, p99',
        value: percentileOf(sameNode, 99),
        unit: 'ms',
      },
      {
        name: 'Hold on! on node B → operator on A reads it, p50',
        value: percentileOf(otherNode, 50),
        unit: 'ms',
      },
      {
        name: 'Hold on! on node B → operator on A reads it, p99',
        value: percentileOf(otherNode, 99),
        unit: 'ms',
      },
      { name: 'Live Stream on B vs on A (owner): added, p50', value: percentileOf(added, 50), unit: 'ms' },
      { name: 'Live Stream on B vs on A (owner): added, p99', value: percentileOf(added, 99), unit: 'ms' },
      ...perNode.flatMap((n, i) => [
        {
          name: `node ${'abc'[i]}: CPU per recorded session (${SESSIONS_PER_NODE} at ~10 lines/s)`,
          value: Number((n.cpuPercent / SESSIONS_PER_NODE).toFixed(3)),
          unit: '% core',
        },
        {
          name: `node ${'abc'[i]}: memory per recorded session`,
          value: Number(((n.rss - idle[i]!) / SESSIONS_PER_NODE).toFixed(2)),
          unit: 'MB',
        },
      ]),
    ];
    return { rows, holdP99: percentileOf(otherNode, 99), relayAddedP99: percentileOf(added, 99) };
  } finally {
    for (const client of clients) client.end();
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await sshd.stop();
    await database.drop();
    rmSync(shared, { recursive: true, force: true });
    for (const dir of keyCopies) rmSync(dir, { recursive: true, force: true });
  }
}
