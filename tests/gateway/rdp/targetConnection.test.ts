import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CertificatePin } from '../../../src/gateway/rdp/certificate';
import { xrdpLoginWatcher } from '../../../src/gateway/rdp/loginWatch';
import { typeText } from '../../../src/gateway/rdp/scancodes';
import {
  RdpTargetConnection,
  type RdpBitmapRect,
  type RdpCloseReason,
  type RdpTargetRequest,
} from '../../../src/gateway/rdp/targetConnection';
import { startRdpInterceptor } from '../../support/rdpInterceptor';
import { waitFor } from '../../support/wait';
import { missingProgram } from '../../support/programs';
import {
  desktopDisplay,
  sessionXServers,
  startXrdp,
  xrdpSkipReason,
  type XrdpTestbed,
} from '../../support/xrdpTestbed';

const skip = xrdpSkipReason() ?? missingProgram('xdotool');
const WIDTH = 800;
const HEIGHT = 600;
const ASCII_PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** A connection with everything it emitted. */
interface Watched {
  connection: RdpTargetConnection;
  rects: RdpBitmapRect[];
  closes: RdpCloseReason[];
}

describe.skipIf(skip !== null)(`RDP connection to an xrdp target${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let bed: XrdpTestbed;
  let plainRdpBed: XrdpTestbed;
  const opened: RdpTargetConnection[] = [];

  beforeAll(async () => {
    [bed, plainRdpBed] = await Promise.all([startXrdp(), startXrdp({ securityLayer: 'rdp' })]);
  });
  afterEach(() => {
    for (const connection of opened.splice(0)) connection.drop();
  });
  afterAll(async () => {
    await Promise.all([bed?.close(), plainRdpBed?.close()]);
  });

  function open(overrides: Partial<RdpTargetRequest> = {}, listenAtOnce = true): Watched {
    const connection = new RdpTargetConnection({
      host: bed.host,
      port: bed.port,
      user: bed.user,
      password: bed.password,
      width: WIDTH,
      height: HEIGHT,
      certificate: { pinned: bed.certificateFingerprint },
      login: xrdpLoginWatcher,
      timeoutMs: 15_000,
      ...overrides,
    });
    opened.push(connection);
    const watched: Watched = { connection, rects: [], closes: [] };
    if (listenAtOnce) connection.on('bitmap', (rect) => watched.rects.push(rect));
    connection.on('closed', (reason) => watched.closes.push(reason));
    return watched;
  }

  async function ready(watched: Watched): Promise<void> {
    await watched.connection.ready.catch((err: Error) => {
      throw new Error(`${err.message}\n${bed.logs()}`);
    });
  }

  it('logs in and hands over the first full-screen repaint, still compressed', async () => {
    const watched = open({}, false);
    await ready(watched);
    // Added only after `ready`: the repaint that proved the login is held for this listener.
    watched.connection.on('bitmap', (rect) => watched.rects.push(rect));
    await waitFor(
      () => painted(watched.rects) === WIDTH * HEIGHT,
      () => `a full repaint (${painted(watched.rects)} of ${WIDTH * HEIGHT} pixels)`,
      5000,
    );
    for (const rect of watched.rects) {
      expect(rect).toMatchObject({ bpp: 24, compressed: true });
      expect(rect.data.byteLength).toBeGreaterThan(0);
      expect(rect.right - rect.x + 1).toBeLessThanOrEqual(rect.width);
    }
  });

  it('types a command that runs on the target as the logged-in user', async () => {
    const watched = open();
    await ready(watched);
    const file = join(bed.writableDir, `vigil-rdp-${randomBytes(4).toString('hex')}`);
    for (const key of typeText(`touch ${file}\n`)) {
      expect(watched.connection.key(key.code, key.down, key.extended)).toBe(true);
    }
    await waitFor(() => existsSync(file), `${file} to be created by the typed command`, 10_000);
    expect(statSync(file).uid).toBe(statSync(bed.userHome).uid);

    // Every printable character of the US layout but the quote, shifted ones included.
    const text = ASCII_PRINTABLE.replace("'", '');
    const written = `${file}.txt`;
    for (const key of typeText(`printf '%s\\n' '${text}' > ${written}\n`)) {
      watched.connection.key(key.code, key.down, key.extended);
    }
    await waitFor(
      () => existsSync(written) && readFileSync(written, 'utf8').endsWith('\n'),
      `${written} to be written by the typed command`,
      10_000,
    );
    expect(readFileSync(written, 'utf8')).toBe(`${text}\n`);
  });

  it('moves the pointer on the target', async () => {
    const watched = open();
    await ready(watched);
    const desktop = desktopDisplay(bed);
    const pointer = (): string =>
      spawnSync('xdotool', ['getmouselocation', '--shell'], {
        encoding: 'utf8',
        env: { ...process.env, ...desktop },
      }).stdout;
    for (const [x, y] of [
      [123, 234],
      [700, 50],
    ] as const) {
      expect(watched.connection.pointer(x, y, 0, false)).toBe(true);
      await waitFor(
        () => pointer().startsWith(`X=${x}\nY=${y}\n`),
        () => `the pointer at ${x},${y}: ${pointer()}`,
        5000,
      );
    }
  });

  it('drops the connection cleanly, once, and the target keeps the session', async () => {
    const first = open();
    await ready(first);
    const xServer = sessionXServers(bed);
    expect(xServer).toHaveLength(1);

    first.connection.drop();
    await waitFor(() => first.closes.length > 0, 'the connection to close', 5000);
    await sleep(300);
    expect(first.closes).toEqual([{ by: 'gateway' }]);
    expect(first.connection.key(0x1e, true)).toBe(false);

    const again = open();
    await ready(again);
    expect(sessionXServers(bed)).toEqual(xServer);
  });

  it('rejects a wrong password as a failed login within a few seconds, showing nothing', async () => {
    const started = Date.now();
    const watched = open({ password: 'not-the-password' });
    await expect(watched.connection.ready).rejects.toMatchObject({
      name: 'RdpTargetError',
      code: 'login-failed',
      message: expect.stringContaining('refused the stored credential'),
    });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(watched.rects).toEqual([]); // xrdp's login-failed window is not the operator's screen
    expect(watched.closes).toEqual([
      { by: 'error', error: expect.objectContaining({ code: 'login-failed' }) },
    ]);
  });

  it('refuses a certificate other than the pinned one before sending anything, credentials included', async () => {
    const interceptor = await startRdpInterceptor(bed);
    try {
      const via = { host: interceptor.host, port: interceptor.port };
      // Trusting the interceptor's certificate shows what it would see: the password, in the clear.
      const trusting = open({ ...via, certificate: { pinned: interceptor.certificateFingerprint } });
      await ready(trusting);
      expect(interceptor.clientPlaintext().includes(Buffer.from(bed.password, 'utf16le'))).toBe(true);
      trusting.connection.drop();

      const before = interceptor.clientPlaintext().length;
      const pinned = open(via);
      await expect(pinned.connection.ready).rejects.toMatchObject({
        code: 'certificate-mismatch',
        message: expect.stringContaining(interceptor.certificateFingerprint),
      });
      await sleep(200);
      expect(interceptor.clientPlaintext().length).toBe(before);
    } finally {
      await interceptor.close();
    }
  });

  it('pins the certificate on first use only through the pinning callback', async () => {
    const offered: string[] = [];
    const firstUse = (answer: (shown: string) => string | null): CertificatePin => ({
      pinned: null,
      pinOnFirstUse: async (shown) => {
        offered.push(shown);
        return answer(shown);
      },
    });

    const accepted = open({ certificate: firstUse((shown) => shown) });
    await ready(accepted);
    expect(offered).toEqual([bed.certificateFingerprint]);

    const refused = open({ certificate: firstUse(() => null) });
    await expect(refused.connection.ready).rejects.toMatchObject({ code: 'certificate-refused' });
    const raced = open({ certificate: firstUse(() => '00'.repeat(32)) });
    await expect(raced.connection.ready).rejects.toMatchObject({ code: 'certificate-mismatch' });
    const unpinned = open({ certificate: { pinned: null } });
    await expect(unpinned.connection.ready).rejects.toMatchObject({ code: 'certificate-refused' });
  });

  it('refuses a target that offers no TLS at once', async () => {
    const started = Date.now();
    const watched = open({ port: plainRdpBed.port, user: plainRdpBed.user, password: plainRdpBed.password });
    await expect(watched.connection.ready).rejects.toMatchObject({
      code: 'protocol',
      message: expect.stringContaining('standard RDP security'),
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('tells a refused connection from a target that never answers', async () => {
    const silent = await silentServer();
    try {
      const refused = open({ port: await unusedPort() });
      await expect(refused.connection.ready).rejects.toMatchObject({ code: 'connection-refused' });

      const started = Date.now();
      const hanging = open({ port: silent.port, timeoutMs: 1000 });
      await expect(hanging.connection.ready).rejects.toMatchObject({
        code: 'timeout',
        message: expect.stringContaining('negotiation'),
      });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(hanging.closes).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });
});

/** How many screen pixels the rectangles cover. */
function painted(rects: readonly RdpBitmapRect[]): number {
  const covered = new Uint8Array(WIDTH * HEIGHT);
  for (const rect of rects) {
    for (let y = rect.y; y <= Math.min(rect.bottom, HEIGHT - 1); y++) {
      covered.fill(1, y * WIDTH + rect.x, y * WIDTH + Math.min(rect.right, WIDTH - 1) + 1);
    }
  }
  return covered.reduce((sum, cell) => sum + cell, 0);
}

/** Accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function unusedPort(): Promise<number> {
  const server = await silentServer();
  await server.close();
  return server.port;
}
