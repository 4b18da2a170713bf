import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../../src/main/services';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import type { Session } from '../../src/shared/api';
import type { DownloadStatus, IpcChannel } from '../../src/shared/ipc';
import { connectOperator, openShell } from '../gateway/sshTestbed';
import { grantOperatorSsh, startGatewayProcess, type GatewayProcess } from '../support/gateway';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait';
import { startCuttingProxy, type CuttingProxy } from './helpers/cuttingProxy';
import { NoSecrets, value } from './helpers/services';

/**
 * The whole path of a recording, with nothing seeded: an operator's real OpenSSH-protocol session
 * through the gateway PROCESS to a real sshd is recorded and sealed; the app downloads it through a
 * connection that is cut half-way and resumes; the copy is the gateway's file byte for byte, a
 * flipped byte is Altered, and with the gateway stopped and nobody signed in it still plays.
 */
const skip = sshdSkipReason();
const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const OPERATOR_PASSWORD = 'operator-passphrase-dl';

describe.skipIf(skip !== null)(
  `A recorded SSH session in the library ${skip ? `(skipped: ${skip})` : ''}`,
  () => {
    let sshd: TestSshd;
    let gateway: GatewayProcess;
    let proxy: CuttingProxy;
    let dir: string;
    let services: MainServices;
    let session: Session;

    const make = () =>
      createMainServices({
        userDataDir: dir,
        secrets: new NoSecrets(),
        saveTarget: new DirectorySaveTarget(join(dir, 'exports')),
        events: () => undefined,
        appInfo,
        gatewayUrl: proxy.url,
      });
    const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) =>
      services.handlers[channel](...args);

    /** Logs in as admin, trusting the certificate and the signing key the gateway shows. */
    async function signIn(): Promise<void> {
      const [profile] = value(await call('profiles:list'));
      const login = {
        profileId: profile!.id,
        username: 'admin',
        password: gateway.adminPassword,
        remember: false,
      };
      value(
        await call('profiles:trustCertificate', { profileId: profile!.id, fingerprint: gateway.fingerprint }),
      );
      value(await call('auth:login', login));
      const key = value(await call('profiles:signingKey', profile!.id));
      value(await call('profiles:trustSigningKey', { profileId: profile!.id, keyId: key.keyId }));
    }

    /** The operator prints a few hundred kilobytes (so a cut lands mid-file), then a last line, and leaves. */
    async function recordSession(): Promise<void> {
      await grantOperatorSsh(
        gateway,
        { name: 'vault-01', sshd },
        { login: 'rita', name: 'Rita Operator', password: OPERATOR_PASSWORD },
      );
      const operator = await connectOperator(gateway.sshPort, `rita@${sshd.user}@vault-01`, {
        password: OPERATOR_PASSWORD,
      });
      try {
        const shell = await openShell(operator, { cols: 100, rows: 30 });
        shell.send('head -c 300000 /dev/urandom | base64 -w 100; echo finished-$((6*7))\r');
        await shell.waitFor('finished-42\r\n', 30_000);
        shell.send('exit\r');
        await shell.closed;
      } finally {
        operator.end();
      }
    }

    async function settled(downloadId: string): Promise<DownloadStatus> {
      let last: DownloadStatus | undefined;
      await waitFor(
        async () => {
          last = value(await call('downloads:list')).find((d) => d.downloadId === downloadId);
          return last !== undefined && ['done', 'failed', 'cancelled'].includes(last.state);
        },
        () => `download ${downloadId} to settle (last: ${JSON.stringify(last)})`,
        20_000,
      );
      return last!;
    }

    /** The file the gateway recorded the session into: the one under its recordings with the sealed hash. */
    function gatewayRecording(sha256: string): Buffer {
      const root = join(gateway.dataDir, 'recordings');
      for (const name of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
        const path = join(root, name);
        if (!statSync(path).isFile()) continue;
        const bytes = readFileSync(path);
        if (createHash('sha256').update(bytes).digest('hex') === sha256) return bytes;
      }
      throw new Error(`no recording with SHA-256 ${sha256} under ${root}`);
    }

    beforeAll(async () => {
      sshd = await startSshd();
      gateway = await startGatewayProcess();
      proxy = await startCuttingProxy(gateway.httpPort);
      dir = mkdtempSync(join(tmpdir(), 'vigil-library-ssh-'));
      services = make();
      await signIn();
      await recordSession();
      await waitFor(
        async () => {
          const [latest] = value(await call('sessions:list', { pageSize: 1 })).items;
          if (latest?.status !== 'finished' || latest.recording === null) return false;
          session = latest;
          return true;
        },
        'the session to finish and its recording to be sealed',
        20_000,
      );
    }, 90_000);

    afterAll(async () => {
      services?.close();
      await proxy?.close();
      await gateway?.stop();
      await sshd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('downloads through a cut connection and resumes: the copy is the sealed recording, Verified', async () => {
      const size = session.recording!.size;
      expect(size).toBeGreaterThan(100_000);
      proxy.cutAfter(Math.floor(size / 2));
      const first = value(await call('downloads:start', session.id));
      const failed = await settled(first.downloadId);
      expect(failed).toMatchObject({ state: 'failed', error: { code: 'NETWORK' } });

      value(await call('downloads:start', session.id));
      const done = await settled(first.downloadId);
      expect(done.state).toBe('done');
      expect(done.resumedFrom).toBeGreaterThan(0);
      expect(done.resumedFrom).toBeLessThan(size);

      const item = value(await call('library:list')).find((i) => i.sessionId === session.id)!;
      expect(item.verification.status).toBe('verified');
      const copy = readFileSync(value(await call('library:reveal', item.itemId)).path);
      expect(copy.equals(gatewayRecording(session.recording!.sha256))).toBe(true);
      const details = value(await call('library:details', item.itemId));
      expect(details.manifest?.sha256).toBe(session.recording!.sha256);
    });

    it('a flipped byte in the copy is Altered; restored, it is Verified again', async () => {
      const item = value(await call('library:list')).find((i) => i.sessionId === session.id)!;
      const { path } = value(await call('library:reveal', item.itemId));
      const original = readFileSync(path);
      const flipped = Buffer.from(original);
      flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
      writeFileSync(path, flipped);
      expect(value(await call('library:verify', item.itemId)).verification.status).toBe('altered');
      writeFileSync(path, original);
      expect(value(await call('library:verify', item.itemId)).verification.status).toBe('verified');
      expect(statSync(path).size).toBe(session.recording!.size);
    });

    it('plays with the gateway stopped and nobody signed in: the last screen shows the last line typed', async () => {
      await gateway.stop({ keepData: true });
      services.close();
      services = make();
      expect(value(await call('auth:state'))).toBe(null);
      const item = value(await call('library:list')).find((i) => i.sessionId === session.id)!;
      expect(value(await call('library:verify', item.itemId)).verification.status).toBe('verified');
      const player = value(await call('player:open', { itemId: item.itemId }));
      const last = value(
        await call('player:screenAt', { playerId: player.playerId, atMs: player.durationMs }),
      );
      const screen = new HeadlessScreen(last.cols, last.rows);
      await screen.write(last.screen);
      expect(screen.lines().join('\n')).toContain('finished-42');
      screen.dispose();
      value(await call('player:close', player.playerId));
    });
  },
);
