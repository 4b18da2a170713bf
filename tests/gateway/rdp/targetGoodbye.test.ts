import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CUT_WITHOUT_GOODBYE, createGoodbyeAwareClient } from '../../../src/gateway/rdp/goodbyeWatch';
import { xrdpLoginWatcher } from '../../../src/gateway/rdp/loginWatch';
import { RdpTargetConnection, type RdpCloseReason } from '../../../src/gateway/rdp/targetConnection';
import { waitFor } from '../../support/wait';
import { startXrdp, xrdpSkipReason, type XrdpTestbed } from '../../support/xrdpTestbed';
import { killAll, processesOf, processesServing } from './targetProcesses';

/**
 * A desktop that ends on the target (its session dies: the server says goodbye) is told apart from
 * a connection cut under it (the server's process killed), against a real xrdp.
 */
const skip = xrdpSkipReason();

describe.skipIf(skip !== null)(`how an RDP connection ended${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bed: XrdpTestbed;
  const opened: RdpTargetConnection[] = [];

  beforeAll(async () => {
    bed = await startXrdp();
  }, 60_000);
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.drop();
  });
  afterAll(async () => {
    await bed?.close();
  });

  async function open(): Promise<{ connection: RdpTargetConnection; closes: RdpCloseReason[] }> {
    const connection = new RdpTargetConnection(
      {
        host: bed.host,
        port: bed.port,
        user: bed.user,
        password: bed.password,
        width: 800,
        height: 600,
        certificate: { pinned: bed.certificateFingerprint },
        login: xrdpLoginWatcher,
      },
      { createClient: (config) => createGoodbyeAwareClient(config) },
    );
    opened.push(connection);
    const closes: RdpCloseReason[] = [];
    connection.on('closed', (reason) => closes.push(reason));
    await connection.ready;
    return { connection, closes };
  }

  it("the target's desktop killed: the target ended the session", async () => {
    const { closes } = await open();
    const desktop = processesOf(bed.user);
    expect(desktop.length).toBeGreaterThan(0);
    killAll(desktop);
    await waitFor(() => closes.length > 0, 'the connection to close', 15_000);
    expect(closes).toEqual([{ by: 'target' }]);
  });

  it("the target's RDP server process killed: the connection was lost", async () => {
    const { closes } = await open();
    const server = processesServing(bed.port);
    expect(server.length).toBe(1);
    killAll(server);
    await waitFor(() => closes.length > 0, 'the connection to close', 15_000);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ by: 'error', error: { code: 'closed', message: CUT_WITHOUT_GOODBYE } });
  });

  it('dropped by the gateway: neither', async () => {
    const { connection, closes } = await open();
    connection.drop();
    await waitFor(() => closes.length > 0, 'the connection to close', 15_000);
    expect(closes).toEqual([{ by: 'gateway' }]);
  });
});
