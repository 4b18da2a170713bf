import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { copyNodeKeys, grantOperatorRdp, startGatewayProcess, type GatewayProcess } from '../support/gateway';
import { adminLogin, apiCall } from '../support/gatewayHttp';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { TEST_ENGINE } from '../support/testDatabase';
import { waitFor } from '../support/wait';
import { startXrdp, xrdpSkipReason, type XrdpTestbed } from '../support/xrdpTestbed';
import { BACKGROUND_RGBA, RdpOperator } from './rdp/rdpOperator';
import { RdpViewer } from './rdp/rdpViewer';

/**
 * A remote desktop live on node A, watched and held from node B (two gateway processes on one
 * PostgreSQL database and NATS): B's viewer gets A's raster screen and its rectangles, and B's
 * Hold on! drops the operator's input on A.
 */
const NATS_URL = process.env.VIGIL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const skip = TEST_ENGINE !== 'postgres' ? 'several nodes share PostgreSQL' : xrdpSkipReason();
const OPERATOR = { login: 'rena', name: 'Rena Operator', password: 'operator-passphrase-4' };
const SIZE = { width: 800, height: 600 };

describe.skipIf(skip !== null)(
  `a remote desktop across two gateway nodes${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let xrdp: XrdpTestbed;
    let database: TestDatabase;
    const nodes: GatewayProcess[] = [];
    let keys = '';
    const adminPassword = `admin-${randomBytes(6).toString('hex')}`;
    const cluster = `vigil-t-${randomBytes(4).toString('hex')}`;
    const startNode = (name: string, dataDir?: string) =>
      startGatewayProcess({
        dataDir,
        adminPassword,
        args: ['--database', database.url, '--nats', NATS_URL, '--cluster', cluster, '--node', name],
      });

    beforeAll(async () => {
      [xrdp, database] = await Promise.all([startXrdp(), createTestDatabase()]);
      nodes.push(await startNode('node-a'));
      keys = copyNodeKeys(nodes[0]!.dataDir);
      nodes.push(await startNode('node-b', keys));
      await grantOperatorRdp(nodes[0]!, 'desk-01', xrdp, OPERATOR);
    }, 120_000);

    afterAll(async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await xrdp?.close();
      await database?.drop();
      if (keys !== '') rmSync(keys, { recursive: true, force: true });
    });

    it("a viewer on B gets A's screen and rectangles; B's Hold on! drops the input on A", async () => {
      const [a, b] = nodes as [GatewayProcess, GatewayProcess];
      const operator = await RdpOperator.open(
        a,
        { username: OPERATOR.login, password: OPERATOR.password },
        { target: 'desk-01', account: xrdp.user, ...SIZE },
      );
      const id = await operator.ready();
      const tokenB = await adminLogin(b);

      // Late join on B: the raster snapshot is the operator's screen.
      const viewer = await RdpViewer.watch(b, tokenB, id);
      expect(viewer.snapshot).toMatchObject({ type: 'snapshot', kind: 'raster', ...SIZE, blocked: false });
      expect(viewer.pixel(SIZE.width / 2, SIZE.height / 2)).toEqual(BACKGROUND_RGBA);

      // What the operator makes the screen do reaches B as rectangles: both screens end up the same.
      const shown = join(xrdp.writableDir, `shown-${randomBytes(4).toString('hex')}`);
      operator.typeLine(`touch ${shown}; seq 1 30`);
      await waitFor(() => existsSync(shown), 'the typed command to run on the target', 15_000);
      const sameScreens = () =>
        Buffer.from(viewer.screen!.pixels).equals(Buffer.from(operator.screen.pixels));
      await waitFor(() => viewer.rects > 0 && sameScreens(), "B's screen to match the operator's", 15_000);

      // Hold on! from B: the operator on A is told, and a typed command never runs.
      const hold = await apiCall(b, 'PUT', `/sessions/${id}/interactivity`, tokenB, { blocked: true });
      expect(hold.status, hold.body).toBe(200);
      await operator.message('interactivity');
      expect(operator.messages.at(-1)).toMatchObject({ blocked: true, message: OPERATOR_MESSAGES.blocked });
      await waitFor(
        () => viewer.messages.some((m) => m.type === 'interactivity' && m.blocked === true),
        'B told',
      );
      const held = join(xrdp.writableDir, `held-${randomBytes(4).toString('hex')}`);
      operator.typeLine(`touch ${held}`);
      const release = await apiCall(b, 'PUT', `/sessions/${id}/interactivity`, tokenB, { blocked: false });
      expect(release.status, release.body).toBe(200);
      await waitFor(
        () => operator.messages.some((m) => m.type === 'interactivity' && m.blocked === false),
        'the operator to be released',
      );
      const after = join(xrdp.writableDir, `after-${randomBytes(4).toString('hex')}`);
      operator.typeLine(`touch ${after}`);
      await waitFor(() => existsSync(after), 'a command typed after the release to run', 15_000);
      expect(existsSync(held), 'the command typed while held').toBe(false);

      // Drop from B ends the session on A; B's viewer is told.
      const drop = await apiCall(b, 'POST', `/sessions/${id}/drop`, tokenB);
      expect(drop.status, drop.body).toBe(200);
      expect(await operator.message('ended')).toMatchObject({
        reason: 'dropped',
        message: OPERATOR_MESSAGES.dropped,
      });
      await waitFor(() => viewer.messages.some((m) => m.type === 'ended'), "B's viewer to be told it ended");
      viewer.close();
    }, 90_000);
  },
);
