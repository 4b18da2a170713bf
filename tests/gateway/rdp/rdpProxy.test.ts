import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../../src/shared/messages';
import { Framebuffer } from '../../../src/shared/rdp/framebuffer';
import { decodeFrame, type RdpClientMessage } from '../../../src/shared/rdpWire';
import { typeText } from '../../../src/gateway/rdp/scancodes';
import { grantOperatorRdp, startGatewayProcess, type GatewayProcess } from '../../support/gateway';
import { adminLogin, apiCall } from '../../support/gatewayHttp';
import { TestSocket } from '../../support/wsClient';
import { waitForValue } from '../../support/wait';
import { startXrdp, XTERM_BACKGROUND, xrdpSkipReason, type XrdpTestbed } from '../../support/xrdpTestbed';

/**
 * The gateway's RDP side against a real xrdp, through the operator page's own socket protocol:
 * access decided like SSH, a live recorded session whose typed keys run on the target, Hold on!
 * dropping input at the gateway, Drop, and a target that refuses the stored password.
 */
const skip = xrdpSkipReason();
const OPERATOR = { login: 'ravi', name: 'Ravi Operator', password: 'operator-passphrase-3' };
const SIZE = { width: 800, height: 600 };

describe.skipIf(skip !== null)(`RDP proxy ${skip ? `(skipped: ${skip})` : ''}`, () => {
  let xrdp: XrdpTestbed;
  let gateway: GatewayProcess;
  let adminToken: string;

  const login = async (username: string, password: string) => {
    const reply = await apiCall(gateway, 'POST', '/auth/login', undefined, { username, password });
    expect(reply.status, reply.body).toBe(200);
    return (JSON.parse(reply.body) as { token: string }).token;
  };

  /** An operator page's socket that asked for `target`; not yet past the gateway's answer. */
  async function openDesktop(token: string, target = 'desk-01', account = xrdp.user): Promise<TestSocket> {
    const ticket = await apiCall(gateway, 'POST', '/rdp/ticket', token, {});
    expect(ticket.status, ticket.body).toBe(200);
    const { ticket: value } = JSON.parse(ticket.body) as { ticket: string };
    const socket = new TestSocket(`${gateway.url.replace('https', 'wss')}/rdp/ws?ticket=${value}`);
    await socket.opened;
    const connect: RdpClientMessage = { type: 'connect', target, account, ...SIZE };
    socket.ws.send(JSON.stringify(connect));
    return socket;
  }

  function typeLine(socket: TestSocket, line: string): void {
    for (const key of typeText(`${line}\n`)) socket.ws.send(JSON.stringify({ type: 'key', ...key }));
  }

  /** Applies every frame that arrives until the next JSON message, which is returned. */
  async function drain(socket: TestSocket, screen: Framebuffer, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await socket.next(Math.max(1, deadline - Date.now()));
      if (m.kind === 'text') return m.json;
      const frame = decodeFrame(m.data);
      if (frame.kind === 'rect') screen.apply(frame.rect);
    }
  }

  beforeAll(async () => {
    xrdp = await startXrdp();
    gateway = await startGatewayProcess();
    await grantOperatorRdp(gateway, 'desk-01', xrdp, OPERATOR);
    adminToken = await adminLogin(gateway);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await xrdp?.close();
  });

  it('lists the RDP targets granted to the operator', async () => {
    const token = await login(OPERATOR.login, OPERATOR.password);
    const reply = await apiCall(gateway, 'GET', '/rdp/targets', token);
    expect(JSON.parse(reply.body)).toEqual([{ target: 'desk-01', account: xrdp.user }]);
    expect((await apiCall(gateway, 'GET', '/rdp/targets')).status).toBe(401);
  });

  it('serves the operator page with a strict content security policy', async () => {
    const page = await new Promise<{ status: number; csp: string; body: string }>((resolve, reject) => {
      get(`${gateway.url}/rdp/`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, csp: String(res.headers['content-security-policy']), body }),
        );
      }).on('error', reject);
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/rdp/app.js"></script>');
    expect(page.csp).toContain("script-src 'self'");
    expect(page.csp).toContain("default-src 'none'");
  });

  it('refuses a target the operator holds no grant for, and says so in the trail', async () => {
    const token = await login(OPERATOR.login, OPERATOR.password);
    const socket = await openDesktop(token, 'desk-99');
    const refused = await socket.nextJson(10_000);
    expect(refused).toMatchObject({ type: 'refused', code: 'ACCESS' });
    expect(String(refused.message)).toContain('access not granted');
    expect((await socket.closed).code).toBe(4000);
  });

  it('opens a recorded desktop: the screen arrives, typed keys run on the target, the row says RDP', async () => {
    const token = await login(OPERATOR.login, OPERATOR.password);
    const socket = await openDesktop(token);
    const ready = await socket.nextJson(20_000);
    expect(ready).toMatchObject({ type: 'ready', ...SIZE });
    const sessionId = Number(ready.sessionId);
    const screen = new Framebuffer(SIZE.width, SIZE.height);
    const file = join(xrdp.writableDir, `rdp-${randomBytes(4).toString('hex')}`);
    typeLine(socket, `touch ${file}`);
    await waitForValue(() => (existsSync(file) ? true : undefined), `${file} on the target`, 15_000);

    const row = await apiCall(gateway, 'GET', `/sessions/${sessionId}`, adminToken);
    expect(JSON.parse(row.body)).toMatchObject({ protocol: 'rdp', proxy: 'RDP Proxy', status: 'live' });

    // Hold on!: the operator is told, and a typed command never reaches the target.
    const held = join(xrdp.writableDir, `held-${randomBytes(4).toString('hex')}`);
    const block = await apiCall(gateway, 'PUT', `/sessions/${sessionId}/interactivity`, adminToken, {
      blocked: true,
    });
    expect(block.status, block.body).toBe(200);
    expect(await drain(socket, screen)).toMatchObject({
      type: 'interactivity',
      blocked: true,
      message: OPERATOR_MESSAGES.blocked,
    });
    typeLine(socket, `touch ${held}`);
    // While held, the operator may not open another desktop either, on any target.
    const second = await openDesktop(token);
    const refusedWhileHeld = await second.nextJson(10_000);
    expect(refusedWhileHeld).toMatchObject({ type: 'refused', code: 'BLOCKED' });
    expect(String(refusedWhileHeld.message)).toMatch(
      /^Error\. User has been prevented to start sessions by admin on /,
    );
    await apiCall(gateway, 'PUT', `/sessions/${sessionId}/interactivity`, adminToken, { blocked: false });
    expect(await drain(socket, screen)).toMatchObject({
      type: 'interactivity',
      blocked: false,
      message: OPERATOR_MESSAGES.released,
    });
    const after = join(xrdp.writableDir, `after-${randomBytes(4).toString('hex')}`);
    typeLine(socket, `touch ${after}`);
    await waitForValue(() => (existsSync(after) ? true : undefined), `${after} on the target`, 15_000);
    expect(existsSync(held), 'a command typed while held').toBe(false);

    // The screen the operator got is the session's xterm.
    const colour = [1, 3, 5].map((i) => parseInt(XTERM_BACKGROUND.slice(i, i + 2), 16));
    expect([...screen.readRegion(400, 300, 1, 1)]).toEqual([...colour, 255]);

    const drop = await apiCall(gateway, 'POST', `/sessions/${sessionId}/drop`, adminToken, {});
    expect(drop.status, drop.body).toBeLessThan(300);
    expect(await drain(socket, screen)).toMatchObject({
      type: 'ended',
      reason: 'dropped',
      message: OPERATOR_MESSAGES.dropped,
    });
    await socket.closed;
    const finished = await waitForValue(async () => {
      const body = JSON.parse((await apiCall(gateway, 'GET', `/sessions/${sessionId}`, adminToken)).body) as {
        status: string;
        recording: { size: number } | null;
      };
      return body.status === 'finished' ? body : undefined;
    }, 'the session to finish');
    expect(finished.recording?.size).toBeGreaterThan(1000);
  });

  it('tells the operator when the target refuses the stored password, and the row says why', async () => {
    const cli = await gateway.cli(
      ['credential', 'add', 'desk-01', xrdp.user, '--password-stdin'],
      'wrong-one\n',
    );
    expect(cli.code, cli.stderr).toBe(0);
    try {
      const token = await login(OPERATOR.login, OPERATOR.password);
      const socket = await openDesktop(token);
      const refused = await socket.nextJson(20_000);
      expect(refused).toMatchObject({ type: 'refused', code: 'TARGET_FAILED' });
      expect(String(refused.message)).toContain('the target refused the stored credential');
    } finally {
      await gateway.cli(
        ['credential', 'add', 'desk-01', xrdp.user, '--password-stdin'],
        `${xrdp.password}\n`,
      );
    }
  });
});
