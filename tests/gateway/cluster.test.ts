import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Session, SessionList } from '../../src/shared/api';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { DEFAULT_LEASE_OPTIONS, NODE_LOST_MESSAGE } from '../../src/gateway/cluster/leases';
import { RecordingReader } from '../../src/recording';
import {
  copyNodeKeys,
  grantOperatorSsh,
  makeTempDir,
  startGatewayProcess,
  type GatewayProcess,
} from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { TEST_ENGINE } from '../support/testDatabase';
import { adminLogin as login, apiCall as call, apiDownload as download } from '../support/gatewayHttp';
import { waitFor, waitForValue } from '../support/wait';
import { connectOperator, openShell, tickArrivals, type Terminal } from './sshTestbed';

/**
 * Three gateway processes sharing one PostgreSQL database and one NATS server: an operator on
 * node A, an auditor on node B, the sessions list on node C.
 */
const NATS_URL = process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const skip = TEST_ENGINE !== 'postgres' ? 'several nodes share PostgreSQL' : sshdSkipReason();
const PASSWORD = 'operator-password-1';

async function session(gw: GatewayProcess, token: string, id: number): Promise<Session> {
  const reply = await call(gw, 'GET', `/sessions/${id}`, token);
  expect(reply.status, reply.body).toBe(200);
  return JSON.parse(reply.body) as Session;
}

/** The first message of a Live Stream on `gw` and a way to read what follows. */
async function watch(gw: GatewayProcess, token: string, id: number) {
  const ticket = await call(gw, 'POST', `/sessions/${id}/live-ticket`, token);
  expect(ticket.status, ticket.body).toBe(200);
  const url = `${gw.url.replace('https', 'wss')}/api/v1/sessions/${id}/live?ticket=${(JSON.parse(ticket.body) as { ticket: string }).ticket}`;
  const ws = new WebSocket(url, { rejectUnauthorized: false });
  const messages: unknown[] = [];
  let output = '';
  ws.on('message', (data, binary) => {
    if (binary) output += Buffer.from(data as Buffer).toString('utf8');
    else messages.push(JSON.parse(String(data)));
  });
  await waitFor(() => messages.length > 0, 'the late-join snapshot');
  return { ws, messages, output: () => output };
}

describe.skipIf(skip !== null)(`three gateway nodes${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let database: TestDatabase;
  const nodes: GatewayProcess[] = [];
  const keyCopies: string[] = [];
  const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
  // Each test run has its own subjects on the shared NATS server.
  const cluster = `vigil-t-${randomBytes(4).toString('hex')}`;

  // The folder every node mounts for finished recordings.
  const shared = makeTempDir('vigil-shared-recordings-');
  const startNode = (name: string, dataDir?: string) =>
    startGatewayProcess({
      dataDir,
      adminPassword,
      args: [
        ...['--database', database.url, '--nats', NATS_URL, '--cluster', cluster, '--node', name],
        ...['--recordings', pathToFileURL(shared).href],
      ],
    });

  beforeAll(async () => {
    sshd = await startSshd();
    database = await createTestDatabase();
    nodes.push(await startNode('node-a'));
    // Every node holds the same keys (the credentials' key above all), as the guide asks.
    keyCopies.push(copyNodeKeys(nodes[0]!.dataDir), copyNodeKeys(nodes[0]!.dataDir));
    nodes.push(
      ...(await Promise.all([startNode('node-b', keyCopies[0]), startNode('node-c', keyCopies[1])])),
    );
    await grantOperatorSsh(
      nodes[0]!,
      { name: 'web-01', sshd },
      { login: 'olga', name: 'Olga Operator', password: PASSWORD },
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await sshd?.stop();
    await database?.drop();
    rmSync(shared, { recursive: true, force: true });
    for (const dir of keyCopies) rmSync(dir, { recursive: true, force: true });
  });

  async function operatorShell(node: GatewayProcess): Promise<Terminal & { end(): void }> {
    const client = await connectOperator(node.sshPort, `olga@${sshd.user}@web-01`, { password: PASSWORD });
    client.on('error', () => undefined);
    const term = await openShell(client);
    return Object.assign(term, { end: () => client.end() });
  }

  async function liveSessionOf(node: GatewayProcess, token: string): Promise<number> {
    return waitForValue(async () => {
      const reply = await call(node, 'GET', '/sessions?status=live', token);
      const list = JSON.parse(reply.body) as SessionList;
      return list.items.find((s) => s.user.login === 'olga')?.id;
    }, 'the live session in the list');
  }

  it('an auditor on node B watches, blocks, releases and drops a session on node A; node C lists it', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const [tokenB, tokenC] = await Promise.all([login(b), login(c)]);
    const term = await operatorShell(a);
    term.send('echo hello-$((6*7))\r');
    await term.waitFor('hello-42');

    const id = await liveSessionOf(c, tokenC);
    expect((await session(c, tokenC, id)).status).toBe('live');

    // Late join on B shows the screen A's operator sees.
    const viewer = await watch(b, tokenB, id);
    expect(viewer.messages[0]).toMatchObject({ type: 'snapshot', blocked: false });
    expect((viewer.messages[0] as { screen: string }).screen).toContain('hello-42');
    term.send('echo after-$((5*5))\r');
    await waitFor(() => viewer.output().includes('after-25'), 'output relayed to the viewer on B');

    // Hold on! from B: the operator on A is told, and what is typed never runs.
    const hold = await call(b, 'PUT', `/sessions/${id}/interactivity`, tokenB, { blocked: true });
    expect(hold.status, hold.body).toBe(200);
    await term.waitFor(OPERATOR_MESSAGES.blocked);
    const marker = `never-${randomBytes(3).toString('hex')}`;
    term.send(`echo ${marker}\r`);
    const release = await call(b, 'PUT', `/sessions/${id}/interactivity`, tokenB, { blocked: false });
    expect(release.status, release.body).toBe(200);
    await term.waitFor(OPERATOR_MESSAGES.released);
    await term.waitFor(OPERATOR_MESSAGES.released);
    term.send('echo released-$((3*3))\r');
    await term.waitFor('released-9');
    expect(term.stdout()).not.toContain(`${marker}\r\n${marker}`);
    expect(term.stdout().split(marker).length - 1).toBeLessThanOrEqual(0);

    // Drop from B ends the session on A; C lists it finished.
    const drop = await call(b, 'POST', `/sessions/${id}/drop`, tokenB);
    expect(drop.status, drop.body).toBe(200);
    await term.closed;
    term.end();
    await waitFor(async () => (await session(c, tokenC, id)).status === 'finished', 'C to list it finished');
    viewer.ws.close();

    // Node C never had the recording on its disk: it serves the copy in the shared folder.
    const finished = await session(c, tokenC, id);
    const bytes = await waitForValue(
      () => download(c, tokenC, `/sessions/${id}/recording`).catch(() => undefined),
      'node C to serve the recording from the shared folder',
    );
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(finished.recording!.sha256);
    expect(existsSync(join(c.dataDir, 'recordings', `${finished.hash}.vrec`))).toBe(false);
    // Moved, not copied: node A keeps no copy once the shared folder holds it.
    await waitFor(
      () => !existsSync(join(a.dataDir, 'recordings', `${finished.hash}.vrec`)),
      "node A's copy to go once moved",
    );
    const part = await download(c, tokenC, `/sessions/${id}/recording`, 'bytes=10-99');
    expect(part.equals(bytes.subarray(10, 100))).toBe(true);
    const logs = await call(c, 'GET', `/sessions/${id}/logs`, tokenC);
    expect(logs.status, logs.body).toBe(200);
    const text = (JSON.parse(logs.body) as { text: { status: string; items: { text: string }[] } }).text;
    expect(text.status).toBe('ready');
    expect(text.items.map((l) => l.text).join('\n')).toContain('hello-42');

    // The operator may use any node's SSH proxy.
    const viaC = await operatorShell(c);
    viaC.send('echo via-c-$((2+2))\r');
    await viaC.waitFor('via-c-4');
    viaC.end();
  }, 90_000);

  it('a node killed with SIGKILL: a peer finishes its session; restarted, it seals the recording', async () => {
    const a = nodes[0]!;
    const tokenB = await login(nodes[1]!);
    const term = await operatorShell(a);
    const received = tickArrivals(term);
    term.send('for i in $(seq 1 200); do echo tick-$i; sleep 0.05; done\r');
    await term.waitFor('tick-40\r\n', 20_000);
    const id = await liveSessionOf(nodes[1]!, tokenB);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    term.end();

    // A lease expires 10 s after the last heartbeat and peers look every 2 s: 12 s at worst.
    expect(DEFAULT_LEASE_OPTIONS.expireAfterMs + DEFAULT_LEASE_OPTIONS.scanMs).toBeLessThanOrEqual(12_000);
    const lost = await waitForValue(
      async () => {
        const s = await session(nodes[1]!, tokenB, id);
        return s.status === 'finished' ? s : undefined;
      },
      'a peer to finish the session of the dead node',
      30_000,
    );
    expect(lost.errorMessage).toBe(NODE_LOST_MESSAGE);
    expect(lost.recording).toBeNull();

    // Back on the same data folder, node A recovers the recording it was writing, and seals it.
    const restarted = await startNode('node-a', a.dataDir);
    nodes[0] = restarted;
    const token = await login(restarted);
    const manifest = await waitForValue(async () => {
      const reply = await call(restarted, 'GET', `/sessions/${id}/recording/manifest`, token);
      return reply.status === 200
        ? (JSON.parse(reply.body) as { manifest: { recovered?: boolean } })
        : undefined;
    }, 'the recovered recording to be sealed');
    expect(manifest.manifest.recovered).toBe(true);

    // It holds everything the operator saw up to a second before the kill.
    const file = join(makeTempDir('vigil-cluster-dl-'), 'recording.vrec');
    writeFileSync(file, await download(restarted, token, `/sessions/${id}/recording`));
    const reader = await RecordingReader.open(file);
    let output = '';
    for await (const record of reader.records()) if (record.type === 'o') output += record.data.toString();
    await reader.close();
    const older = [...received].filter(([, at]) => at < killedAt - 1000).map(([n]) => n);
    expect(older.length).toBeGreaterThan(10);
    for (const n of older) expect(output).toContain(`tick-${n}\r\n`);
    const recovered = await session(restarted, token, id);
    expect(recovered.recording?.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    // Sealed, it is copied to the shared folder: node B serves the same bytes.
    const fromB = await waitForValue(
      () => download(nodes[1]!, tokenB, `/sessions/${id}/recording`).catch(() => undefined),
      'node B to serve the recovered recording',
    );
    expect(fromB.equals(readFileSync(file))).toBe(true);
  }, 90_000);
});
