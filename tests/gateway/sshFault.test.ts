import { rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader, sha256File } from '../../src/recording';
import type { ProxySession } from '../../src/gateway/ssh/proxySession';
import { INTERRUPTED_MESSAGE } from '../../src/gateway/ssh/recovery';
import { dataPaths } from '../../src/gateway/datadir';
import { makeTempDir, runGatewayCli, startGatewayProcess, withDataDir } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { createDatabaseFor, databaseUrlOf, openSqlAccess } from '../support/testDatabase';
import { waitFor } from '../support/wait';
import {
  connectionProcesses,
  killAll,
  connectOperator,
  execCommand,
  openShell,
  processAlive,
  startTestbed,
  TARGET_NAME,
  tickArrivals,
  type Terminal,
  type Testbed,
} from './sshTestbed';

const skip = sshdSkipReason();
const PASSWORD = 'operator-password-3';

/** The newest session in a data folder's database (the CLI's own kind of connection). */
async function newestSessionId(dataDir: string): Promise<number> {
  const access = await openSqlAccess({
    url: databaseUrlOf(dataDir),
    sqlitePath: dataPaths(dataDir).database,
  });
  try {
    return Number((await access.sql('SELECT max(id) AS id FROM sessions'))[0]!.id);
  } finally {
    await access.close();
  }
}

async function shellPid(term: Terminal): Promise<number> {
  const mark = term.mark();
  term.send('echo SHELL-PID=$$\r');
  await term.waitFor(/SHELL-PID=\d+\r\n/, 10_000, mark);
  return Number(/SHELL-PID=(\d+)\r\n/.exec(term.stdout().slice(-200))![1]);
}

describe.skipIf(skip !== null)(`SSH proxy faults${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let bed: Testbed;
  let userId: number;
  const clients: Client[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    bed = await startTestbed(sshd);
    userId = await bed.addUser('frank', PASSWORD);
    await bed.admin.grantAccess('frank', TARGET_NAME, sshd.user);
  });
  afterAll(async () => {
    for (const c of clients) c.end();
    await bed?.stop();
    await sshd?.stop();
  });

  const username = () => `frank@${sshd.user}@${TARGET_NAME}`;
  async function shell(): Promise<{ term: Terminal; live: ProxySession; client: Client }> {
    const client = await connectOperator(bed.sshPort, username(), { password: PASSWORD });
    clients.push(client);
    const term = await openShell(client);
    term.send('echo READY-$((40+2))\r');
    await term.waitFor('READY-42');
    const live = bed.gateway.hub
      .list()
      .filter((s) => s.operatorUserId === userId)
      .at(-1) as ProxySession;
    return { term, live, client };
  }
  const row = async (id: number) => (await bed.store.sessions.get(id, userId))!;

  it('target shell killed: the operator gets the signal and the session ends normally', async () => {
    const { term, live } = await shell();
    process.kill(await shellPid(term), 'SIGKILL');
    const exit = await term.closed;
    expect(exit.signal === 'SIGKILL' || exit.code === 137).toBe(true);
    await waitFor(async () => (await row(live.sessionId)).status === 'finished', 'the session to finish');
    expect((await row(live.sessionId)).errorMessage).toBeNull();
  });

  it('target sshd killed mid-session: the operator is told, the session finishes with an error', async () => {
    const { term, live } = await shell();
    const pid = await shellPid(term);
    killAll(connectionProcesses(sshd, pid));
    const exit = await term.closed;
    expect(exit.code).toBe(255);
    expect(term.stdout()).toContain(`\r\nVigil: the connection to ${TARGET_NAME} was lost\r\n`);
    await waitFor(async () => (await row(live.sessionId)).status === 'finished', 'the session to finish');
    const done = await row(live.sessionId);
    expect(done.errorMessage).toBe(`The connection to ${TARGET_NAME} was lost`);
    expect(done.recording!.sha256).toBe(await sha256File(join(bed.dataDir, done.recording!.path!)));
    expect(bed.gateway.hub.get(live.sessionId)).toBeUndefined();
  });

  it("operator's TCP connection cut: the target leg is closed and the recording finished", async () => {
    const socket = connect({ host: '127.0.0.1', port: bed.sshPort });
    const client = await connectOperator(bed.sshPort, username(), { password: PASSWORD, sock: socket });
    client.on('error', () => undefined);
    const term = await openShell(client);
    term.send('echo READY-$((40+2))\r');
    await term.waitFor('READY-42');
    const live = bed.gateway.hub
      .list()
      .filter((s) => s.operatorUserId === userId)
      .at(-1) as ProxySession;
    const pid = await shellPid(term);
    socket.destroy();
    await waitFor(async () => (await row(live.sessionId)).status === 'finished', 'the session to finish');
    await waitFor(() => !processAlive(pid), 'the shell on the target to exit');
    const done = await row(live.sessionId);
    expect(done.errorMessage).toBeNull();
    const reader = await RecordingReader.open(join(bed.dataDir, done.recording!.path!));
    expect(reader.complete).toBe(true);
    await reader.close();
    const events = (await bed.store.events.list({ sessionId: live.sessionId, type: 'Terminated' }, 0, 5))
      .items;
    expect(events.map((e) => e.note)).toEqual([
      `The operator disconnected (recording SHA-256 ${done.recording!.sha256})`,
    ]);
  });

  it('gateway stopping: operators are told, sessions finish with an error note, recordings are sealed', async () => {
    const sshd2 = sshd;
    const dataDir = makeTempDir('vigil-sshstop-');
    // The folder's database is the test's: the testbed is closed by hand, mid-session.
    const database = await createDatabaseFor(dataDir);
    const second = await startTestbed(sshd2, { dataDir });
    try {
      const id = await second.addUser('gina', PASSWORD);
      await second.admin.grantAccess('gina', TARGET_NAME, sshd2.user);
      const client = await connectOperator(second.sshPort, `gina@${sshd2.user}@${TARGET_NAME}`, {
        password: PASSWORD,
      });
      client.on('error', () => undefined);
      const term = await execCommand(client, 'echo started; sleep 30', { pty: true });
      await term.waitFor('started');
      const live = second.gateway.hub.list()[0]!;
      await second.gateway.close();
      expect(term.stdout()).toContain('Vigil: the gateway is shutting down');
      await withDataDir(dataDir, async (store) => {
        const done = (await store.sessions.get(live.sessionId, id))!;
        expect(done.status).toBe('finished');
        expect(done.errorMessage).toBe('The gateway stopped during the session');
        expect(done.recording!.sha256).toBe(await sha256File(join(dataDir, done.recording!.path!)));
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });
});

describe.skipIf(skip !== null)(
  `gateway killed with SIGKILL mid-session${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let sshd: TestSshd;
    let dataDir = '';
    let dropDatabase = () => Promise.resolve();
    beforeAll(async () => {
      sshd = await startSshd();
      dataDir = makeTempDir('vigil-sshkill-');
      dropDatabase = (await createDatabaseFor(dataDir)).drop;
    });
    afterAll(async () => {
      await sshd?.stop();
      if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase();
    });

    it('loses nothing older than a second, leaves no session live, and serves again after restart', async () => {
      const cli = async (args: string[], stdin?: string) => {
        const result = await runGatewayCli([...args, '--data', dataDir], { stdin });
        expect(result.code, result.stderr).toBe(0);
      };
      await cli(
        ['user', 'add', 'hank', '--name', 'Hank', '--role', 'Operator', '--password-stdin'],
        `${PASSWORD}\n`,
      );
      await cli([
        'target',
        'add',
        TARGET_NAME,
        '--protocol',
        'ssh',
        '--host',
        sshd.host,
        '--port',
        String(sshd.port),
      ]);
      await cli(['credential', 'add', TARGET_NAME, sshd.user, '--password-stdin'], `${sshd.password}\n`);
      await cli(['access', 'grant', 'hank', TARGET_NAME, sshd.user]);

      const gateway = await startGatewayProcess({ dataDir });
      const client = await connectOperator(gateway.sshPort, `hank@${sshd.user}@${TARGET_NAME}`, {
        password: PASSWORD,
      });
      client.on('error', () => undefined);
      const term = await openShell(client);
      const received = tickArrivals(term);
      term.send('for i in $(seq 1 200); do echo tick-$i; sleep 0.05; done\r');
      await term.waitFor('tick-50\r\n', 20_000);
      const killedAt = Date.now();
      gateway.child.kill('SIGKILL');
      await new Promise((resolve) => gateway.child.once('exit', resolve));
      await term.closed;
      client.end();

      const restarted = await startGatewayProcess({ dataDir });
      try {
        expect(restarted.output()).toMatch(/Finished 1 session\(s\) left live by the previous run/);
        await withDataDir(dataDir, async (store) => {
          expect(await store.sessions.listLive()).toEqual([]);
          const hank = (await store.users.findByLogin('hank'))!;
          const id = await newestSessionId(dataDir);
          const session = (await store.sessions.get(id, hank.id))!;
          expect(session).toMatchObject({ status: 'finished', errorMessage: INTERRUPTED_MESSAGE });
          const file = join(dataDir, session.recording!.path!);
          expect(session.recording!.size).toBe(statSync(file).size);
          expect(session.recording!.sha256).toBe(await sha256File(file));
          expect(session.endedAt! - session.startedAt).toBe(session.durationMs);

          const reader = await RecordingReader.open(file);
          expect(reader.complete).toBe(false);
          let output = '';
          for await (const e of reader.records()) if (e.type === 'o') output += e.data.toString();
          await reader.close();
          const older = [...received].filter(([, at]) => at < killedAt - 1000).map(([n]) => n);
          expect(older.length).toBeGreaterThan(10);
          for (const n of older) expect(output).toContain(`tick-${n}\r\n`);
          const trail = (await store.events.list({ sessionId: id, type: 'Terminated' }, 0, 5)).items;
          expect(trail[0]!.note).toMatch(
            /^The gateway stopped while the session was live; the recording keeps its first \d+ s \(recording SHA-256 [0-9a-f]{64}\)$/,
          );
        });

        // The restarted gateway serves sessions again.
        const again = await connectOperator(restarted.sshPort, `hank@${sshd.user}@${TARGET_NAME}`, {
          password: PASSWORD,
        });
        const ok = await execCommand(again, 'echo back');
        await ok.closed;
        again.end();
        expect(ok.stdout()).toBe('back\n');
      } finally {
        await restarted.stop({ keepData: true });
      }
    }, 90_000);
  },
);
