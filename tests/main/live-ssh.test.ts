import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IpcChannel, IpcEventName, IpcEvents } from '../../src/shared/ipc';
import type { LiveServerMessage } from '../../src/shared/live';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import { connectOperator, openShell, type Terminal } from '../gateway/sshTestbed';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait';
import { type Pushed, NoSecrets, value } from './helpers/services';

const TARGET = 'web-01';
const unavailable = sshdSkipReason();

/**
 * The desktop app's side of SSH sessions end to end, without a browser: a real gateway process, a real
 * OpenSSH server as target, an operator on an ssh2 client through the gateway's SSH proxy, and
 * the app's main-process services (what Electron and the browser bridge both run) as the auditor.
 */
describe.skipIf(unavailable !== null)(
  `Live Stream, Hold on! and Drop of a real SSH session, from the desktop app's services${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let sshd: TestSshd;
    let gateway: GatewayProcess;
    let dir: string;
    let services: MainServices;
    const pushed: Pushed[] = [];
    const operatorPassword = `otto-${randomBytes(6).toString('hex')}`;
    const clients: Client[] = [];

    const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) =>
      services.handlers[channel](...args);
    const of = <E extends IpcEventName>(event: E): IpcEvents[E][] =>
      pushed.filter((p) => p.event === event).map((p) => p.payload as IpcEvents[E]);
    const messages = (streamId: string): LiveServerMessage[] =>
      of('live:message')
        .filter((m) => m.streamId === streamId)
        .map((m) => m.message);
    const screen = (streamId: string): string =>
      Buffer.concat(
        of('live:output')
          .filter((o) => o.streamId === streamId)
          .map((o) => Buffer.from(o.data, 'base64')),
      ).toString('utf8');
    const cli = async (args: string[], stdin?: string) => {
      const result = await gateway.cli(args, stdin);
      if (result.code !== 0) throw new Error(`vigil-gateway ${args.join(' ')}: ${result.stderr}`);
    };

    async function startOperator(): Promise<{ terminal: Terminal; sessionId: number }> {
      const before = new Set(of('sessions:changed').map((u) => u.sessionId));
      const client = await connectOperator(gateway.sshPort, `otto@${sshd.user}@${TARGET}`, {
        password: operatorPassword,
      });
      clients.push(client);
      const terminal = await openShell(client);
      terminal.send('echo hello-$((6*7))\r');
      await terminal.waitFor('hello-42');
      await waitFor(
        () => of('sessions:changed').some((u) => u.change === 'started' && !before.has(u.sessionId)),
        () => `the pushed "started" update; got ${JSON.stringify(of('sessions:changed'))}`,
      );
      const started = of('sessions:changed').find((u) => u.change === 'started' && !before.has(u.sessionId))!;
      return { terminal, sessionId: started.sessionId };
    }

    beforeAll(async () => {
      sshd = await startSshd();
      gateway = await startGatewayProcess();
      await cli([
        'target',
        'add',
        TARGET,
        '--protocol',
        'ssh',
        '--host',
        '127.0.0.1',
        '--port',
        String(sshd.port),
      ]);
      await cli(['credential', 'add', TARGET, sshd.user, '--password-stdin'], sshd.password);
      await cli(
        ['user', 'add', 'otto', '--name', 'Otto Operator', '--role', 'Operator', '--password-stdin'],
        operatorPassword,
      );
      await cli(['access', 'grant', 'otto', TARGET, sshd.user]);
      dir = mkdtempSync(join(tmpdir(), 'vigil-live-ssh-'));
      services = createMainServices({
        userDataDir: dir,
        secrets: new NoSecrets(),
        saveTarget: new DirectorySaveTarget(join(dir, 'downloads')),
        events: (event, payload) => pushed.push({ event, payload } as Pushed),
        appInfo: { version: '0.0.0-test', platform: 'linux', host: 'bridge' },
      });
      const profile = value(await call('profiles:save', { name: 'Gateway', url: gateway.url }));
      value(
        await call('profiles:trustCertificate', { profileId: profile.id, fingerprint: gateway.fingerprint }),
      );
      value(
        await call('auth:login', {
          profileId: profile.id,
          username: 'admin',
          password: gateway.adminPassword,
          remember: false,
        }),
      );
      await waitFor(
        () => services.updates.connected,
        () => 'the session-updates socket',
      );
    }, 90_000);

    afterEach(() => {
      for (const client of clients.splice(0)) client.end();
    });

    afterAll(async () => {
      services?.close();
      await gateway?.stop();
      await sshd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('watches live (late join first), holds, releases and drops the session', async () => {
      const { terminal, sessionId } = await startOperator();
      const session = value(await call('sessions:get', sessionId));
      expect(session).toMatchObject({
        status: 'live',
        device: TARGET,
        credential: sshd.user,
        user: { login: 'otto' },
      });
      expect(session.allowedActions).toEqual(expect.arrayContaining(['liveStream', 'interactivity', 'drop']));

      // A late joiner first gets the current screen, then every update.
      const { streamId } = value(await call('live:open', sessionId));
      await waitFor(
        () => messages(streamId).length > 0,
        () => 'the snapshot',
      );
      const first = messages(streamId)[0]!;
      expect(first).toMatchObject({ type: 'snapshot', cols: 100, rows: 30, blocked: false });
      expect(first.type === 'snapshot' && 'screen' in first && first.screen).toContain('hello-42');
      terminal.send('echo after-$((1+1))\r');
      await waitFor(
        () => screen(streamId).includes('after-2'),
        () => `"after-2" on the viewer; got ${JSON.stringify(screen(streamId))}`,
      );

      // Hold on!: the gateway drops the operator's input; output still flows.
      const blocked = value(await call('sessions:setInteractivity', { sessionId, blocked: true }));
      expect(blocked.blocked).toBe(true);
      await waitFor(
        () => messages(streamId).some((m) => m.type === 'interactivity' && m.blocked),
        () => 'the interactivity message',
      );
      expect(messages(streamId).find((m) => m.type === 'interactivity')).toMatchObject({
        blocked: true,
        by: 'admin',
      });
      await terminal.waitFor(OPERATOR_MESSAGES.blocked);
      const activeBlocks = value(await call('blocks:list', { status: 'active' }));
      expect(activeBlocks).toContainEqual(
        expect.objectContaining({
          sessionId,
          blockedUser: expect.objectContaining({ login: 'otto' }),
          releasedAt: null,
        }),
      );
      terminal.send('echo BLOCKED-RAN-$((40+2))\r');
      // A window change travels on the same channel after that line and passes while blocked: once
      // the viewer sees it, the gateway had the line (and held it back) before the release.
      terminal.channel.setWindow(31, 101, 0, 0);
      await waitFor(
        () => messages(streamId).some((m) => m.type === 'resize' && m.cols === 101 && m.rows === 31),
        () => 'the window change on the viewer',
      );

      const released = value(await call('sessions:setInteractivity', { sessionId, blocked: false }));
      expect(released.blocked).toBe(false);
      await terminal.waitFor(OPERATOR_MESSAGES.released);
      terminal.send('echo released-$((2*3))\r');
      await waitFor(
        () => screen(streamId).includes('released-6'),
        () => `"released-6" on the viewer; got ${JSON.stringify(screen(streamId))}`,
      );
      expect(screen(streamId)).not.toContain('BLOCKED-RAN');
      expect(terminal.stdout()).not.toContain('BLOCKED-RAN-42');
      expect(value(await call('blocks:list', { status: 'released' })).map((b) => b.sessionId)).toContain(
        sessionId,
      );

      // Drop: both legs end at once; the operator is told, the viewer sees the end.
      const dropped = value(await call('sessions:drop', sessionId));
      expect(dropped).toMatchObject({ id: sessionId, status: 'finished' });
      await waitFor(
        () => of('live:closed').some((c) => c.streamId === streamId),
        () => 'the stream to close',
      );
      expect(messages(streamId).at(-1)).toMatchObject({ type: 'ended', reason: 'dropped' });
      await terminal.waitFor(OPERATOR_MESSAGES.dropped);
      await terminal.closed;
      await waitFor(
        () => of('sessions:changed').some((u) => u.sessionId === sessionId && u.change === 'finished'),
        () => 'the pushed "finished" update',
      );
      expect(services.live.size).toBe(0);
    });

    it('a second viewer joins late with the screen so far; the end of the session ends both streams', async () => {
      const { terminal, sessionId } = await startOperator();
      const one = value(await call('live:open', sessionId));
      terminal.send('echo marker-$((3*3))\r');
      await waitFor(
        () => screen(one.streamId).includes('marker-9'),
        () => 'the output on the first viewer',
      );
      const two = value(await call('live:open', sessionId));
      await waitFor(
        () => messages(two.streamId).length > 0,
        () => 'the second snapshot',
      );
      const snapshot = messages(two.streamId)[0]!;
      expect(snapshot.type === 'snapshot' && 'screen' in snapshot && snapshot.screen).toContain('marker-9');

      terminal.send('exit\r');
      await terminal.closed;
      await waitFor(
        () => [one, two].every((s) => of('live:closed').some((c) => c.streamId === s.streamId)),
        () => 'both streams to close',
      );
      for (const s of [one, two]) {
        expect(messages(s.streamId).at(-1)).toMatchObject({ type: 'ended', reason: 'terminated' });
      }
      expect(value(await call('sessions:get', sessionId)).status).toBe('finished');
    });

    it('logging out closes an open stream', async () => {
      const { sessionId } = await startOperator();
      const { streamId } = value(await call('live:open', sessionId));
      await waitFor(
        () => messages(streamId).length > 0,
        () => 'the snapshot',
      );
      value(await call('auth:logout'));
      await waitFor(
        () => of('live:closed').some((c) => c.streamId === streamId),
        () => 'the stream to close',
      );
      expect(services.live.size).toBe(0);
      expect(services.updates.connected).toBe(false);
    });
  },
);
