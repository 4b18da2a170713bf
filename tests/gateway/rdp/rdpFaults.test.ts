import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session, SessionEventList } from '../../../src/shared/api';
import { sha256File } from '../../../src/recording';
import { RasterRecordingReader } from '../../../src/recording/raster/reader';
import { INTERRUPTED_MESSAGE } from '../../../src/gateway/ssh/recovery';
import {
  grantOperatorRdp,
  makeTempDir,
  runGatewayCli,
  startGatewayProcess,
  type GatewayProcess,
} from '../../support/gateway';
import { adminLogin, apiCall } from '../../support/gatewayHttp';
import { createDatabaseFor } from '../../support/testDatabase';
import { waitForValue } from '../../support/wait';
import { startXrdp, xrdpSkipReason, type XrdpTestbed } from '../../support/xrdpTestbed';
import { BACKGROUND_RGBA, RdpOperator } from './rdpOperator';
import { killAll, processesOf } from './targetProcesses';

/**
 * What the gateway does when an RDP session is cut: the target's session dies, the operator's
 * connection drops without a goodbye, or the gateway itself is killed mid-session. Each time the
 * session ends in the trail with what happened and its recording is sealed.
 */
const skip = xrdpSkipReason();
const OPERATOR = { login: 'rita', name: 'Rita Operator', password: 'operator-passphrase-5' };
const LOGIN = { username: OPERATOR.login, password: OPERATOR.password };
const SIZE = { width: 800, height: 600 };
const TARGET = 'desk-01';

async function grant(gateway: GatewayProcess, xrdp: XrdpTestbed): Promise<void> {
  await grantOperatorRdp(gateway, TARGET, xrdp, OPERATOR);
}

async function verify(file: string, dataDir: string): Promise<string> {
  const result = await runGatewayCli(['verify', file, '--data', dataDir]);
  expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
  return result.stdout;
}

describe.skipIf(skip !== null)(`RDP session faults ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let xrdp: XrdpTestbed;
  let gateway: GatewayProcess;
  let adminToken: string;
  const operators: RdpOperator[] = [];

  const finished = (id: number) =>
    waitForValue(
      async () => {
        const reply = await apiCall(gateway, 'GET', `/sessions/${id}`, adminToken);
        const session = JSON.parse(reply.body) as Session;
        return session.status === 'finished' ? session : undefined;
      },
      `session ${id} to finish`,
      20_000,
    );

  const terminatedNote = async (id: number): Promise<string | undefined> => {
    const reply = await apiCall(gateway, 'GET', `/sessions/${id}/events`, adminToken);
    const events = JSON.parse(reply.body) as SessionEventList;
    return events.items.find((e) => e.type === 'Terminated')?.note ?? undefined;
  };

  async function openDesktop(): Promise<{ operator: RdpOperator; sessionId: number }> {
    const operator = await RdpOperator.open(gateway, LOGIN, { target: TARGET, account: xrdp.user, ...SIZE });
    operators.push(operator);
    return { operator, sessionId: await operator.ready() };
  }

  beforeAll(async () => {
    xrdp = await startXrdp();
    gateway = await startGatewayProcess();
    await grant(gateway, xrdp);
    adminToken = await adminLogin(gateway);
  }, 60_000);

  afterAll(async () => {
    for (const operator of operators) operator.ws.terminate();
    await gateway?.stop();
    await xrdp?.close();
  });

  it("operator's connection cut without a close: the session finishes as terminated, its recording sealed", async () => {
    const { operator, sessionId } = await openDesktop();
    operator.typeLine('echo cut-$((6*7))');
    operator.ws.terminate();

    const session = await finished(sessionId);
    expect(session.errorMessage).toBeNull();
    expect(await terminatedNote(sessionId)).toMatch(
      /^The operator's connection was cut \(recording SHA-256 [0-9a-f]{64}\)$/,
    );
    const file = join(gateway.dataDir, 'recordings', `${session.hash}.vrec`);
    expect(session.recording?.sha256).toBe(await sha256File(file));
    expect(await verify(file, gateway.dataDir)).toContain(`Verified: the recording of session ${sessionId}`);
    const reader = await RasterRecordingReader.open(file);
    try {
      expect(reader.complete).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it("target's desktop killed mid-session: the operator is told the remote session ended, the recording is sealed", async () => {
    const { operator, sessionId } = await openDesktop();
    const desktop = processesOf(xrdp.user);
    expect(desktop.length).toBeGreaterThan(0);
    killAll(desktop);

    // xrdp ends the connection as for a logoff (its goodbye first): the target ended the session.
    const ended = await operator.message('ended', 20_000);
    expect(ended).toEqual({ type: 'ended', reason: 'terminated', message: 'The remote session ended' });
    expect((await operator.closed).code).toBe(4000);
    const session = await finished(sessionId);
    expect(session.errorMessage).toBeNull();
    expect(await terminatedNote(sessionId)).toMatch(
      new RegExp(`^${TARGET} ended the session \\(recording SHA-256`),
    );
    const file = join(gateway.dataDir, 'recordings', `${session.hash}.vrec`);
    expect(await verify(file, gateway.dataDir)).toContain(`Verified: the recording of session ${sessionId}`);
  });

  it('a new desktop opens on the same target after its session was killed', async () => {
    const { operator } = await openDesktop();
    expect(operator.pixel(SIZE.width / 2, SIZE.height / 2)).toEqual(BACKGROUND_RGBA);
    operator.close();
  });
});

describe.skipIf(skip !== null)(
  `gateway killed with SIGKILL mid desktop session ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let xrdp: XrdpTestbed;
    const dataDir = makeTempDir('vigil-rdpkill-');
    let dropDatabase = () => Promise.resolve();
    const gateways: GatewayProcess[] = [];
    let operator: RdpOperator | null = null;

    beforeAll(async () => {
      xrdp = await startXrdp();
      dropDatabase = (await createDatabaseFor(dataDir)).drop;
    }, 60_000);

    afterAll(async () => {
      operator?.ws.terminate();
      for (const gateway of gateways) await gateway.stop();
      await xrdp?.close();
      rmSync(dataDir, { recursive: true, force: true });
      await dropDatabase();
    });

    it('finishes the session at restart from its recording, sealed, with the screen up to the last second', async () => {
      const gateway = await startGatewayProcess({ dataDir });
      gateways.push(gateway);
      await grant(gateway, xrdp);
      operator = await RdpOperator.open(gateway, LOGIN, { target: TARGET, account: xrdp.user, ...SIZE });
      const sessionId = await operator.ready();
      operator.typeLine('for i in $(seq 1 2000); do echo tick-$i; sleep 0.02; done');
      const scrolling = operator.rects.length;
      await waitForValue(
        () => (operator!.rects.length > scrolling + 150 ? true : undefined),
        'the xterm to scroll',
        20_000,
      );
      const killedAt = performance.now();
      gateway.child.kill('SIGKILL');
      await new Promise((resolve) => gateway.child.once('exit', resolve));
      await operator.closed;

      const restarted = await startGatewayProcess({ dataDir, adminPassword: gateway.adminPassword });
      gateways.push(restarted);
      expect(restarted.output()).toMatch(/Finished 1 session\(s\) left live by the previous run/);
      const token = await adminLogin(restarted);
      const session = JSON.parse(
        (await apiCall(restarted, 'GET', `/sessions/${sessionId}`, token)).body,
      ) as Session;
      expect(session).toMatchObject({
        status: 'finished',
        errorMessage: INTERRUPTED_MESSAGE,
        protocol: 'rdp',
      });
      const file = join(dataDir, 'recordings', `${session.hash}.vrec`);
      expect(session.recording?.size).toBe(statSync(file).size);
      expect(session.recording?.sha256).toBe(await sha256File(file));
      expect(session.durationMs).toBe(Date.parse(session.endedAt!) - Date.parse(session.startedAt));
      expect(await verify(file, dataDir)).toContain('recovered after a gateway crash');

      const reader = await RasterRecordingReader.open(file);
      try {
        expect(reader.complete).toBe(false);
        let recorded = 0;
        for await (const e of reader.events()) if (e.type === 'bitmap') recorded++;
        // Every rectangle the operator got up to a second before the kill is in the file, in order.
        const olderThanASecond = operator.rects.filter((r) => r.at < killedAt - 1000).length;
        expect(olderThanASecond).toBeGreaterThan(50);
        expect(recorded).toBeGreaterThanOrEqual(olderThanASecond);
        expect(recorded).toBeLessThanOrEqual(operator.rects.length);
        // The screen at the end of the recording is the operator's after as many rectangles.
        const end = await reader.stateAt(reader.durationMs);
        const seen = operator.screenAfter(recorded);
        expect(Buffer.from(end.pixels).equals(Buffer.from(seen.pixels))).toBe(true);
        // Right of the short lines it is the xterm's background.
        expect([...end.pixels.subarray((300 * SIZE.width + 700) * 4, (300 * SIZE.width + 701) * 4)]).toEqual(
          BACKGROUND_RGBA,
        );
      } finally {
        await reader.close();
      }
    }, 90_000);
  },
);
