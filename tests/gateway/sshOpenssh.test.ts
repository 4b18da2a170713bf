import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { missingProgram } from '../support/programs';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait';
import { RecordingReader } from '../../src/recording';
import {
  addOperatorKey,
  opensshOptions,
  TmuxPanes,
  waitScreen,
  withKeyOptions,
  type Pane,
} from './opensshClient';
import { startTestbed, TARGET_NAME, type Testbed } from './sshTestbed';

const skip = sshdSkipReason() ?? missingProgram('ssh', 'tmux', 'sftp', 'scp');
const PASSWORD = 'operator-password-2';

/**
 * The real OpenSSH client (`ssh`, `sftp`, `scp`) as the operator, in a tmux pane: what the
 * operator's terminal shows is read back with `capture-pane`.
 */
describe.skipIf(skip !== null)(
  `SSH proxy with the OpenSSH client${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let sshd: TestSshd;
    let bed: Testbed;
    let keyFile: string;
    const panes = new TmuxPanes();

    beforeAll(async () => {
      sshd = await startSshd();
      bed = await startTestbed(sshd);
      await bed.addUser('olivia', PASSWORD);
      await bed.admin.grantAccess('olivia', TARGET_NAME, sshd.user);
      keyFile = await addOperatorKey(bed, 'olivia');
    });
    afterAll(async () => {
      panes.kill();
      await bed?.stop();
      await sshd?.stop();
    });

    const sshOptions = (logLevel = 'ERROR'): string[] => opensshOptions(bed.sshPort, logLevel);
    const withKey = (): string[] => withKeyOptions(bed.sshPort, keyFile);

    /** Runs `ssh ARGS` in a new tmux pane; the pane stays to show the end and ssh's exit status. */
    const pane = (name: string, args: string[]): Pane => panes.ssh(name, args, { cols: 120, rows: 40 });

    /** What the gateway recorded as typed in a live session (its recording is flushed every second). */
    async function recordedInput(sessionId: number): Promise<string> {
      const [row] = await bed.sql('SELECT recording_path AS path FROM sessions WHERE id = ?', [sessionId]);
      const path = row!.path as string;
      const reader = await RecordingReader.open(join(bed.dataDir, path));
      try {
        let input = '';
        for await (const e of reader.records()) if (e.type === 'i') input += e.data.toString('utf8');
        return input;
      } finally {
        await reader.close();
      }
    }

    const target = () => `olivia@${sshd.user}@${TARGET_NAME}@127.0.0.1`;

    it('works interactively; the operator sees the block, release and drop notices', async () => {
      const p = pane('main', ['-tt', ...withKey(), target()]);
      p.keys('echo READY-$((20+22))', 'Enter');
      await waitScreen(p, /^READY-42$/m);
      const olivia = (await bed.store.users.findByLogin('olivia'))!;
      const live = bed.gateway.hub.list().find((s) => s.operatorUserId === olivia.id)!;
      const file = join('/tmp', `vigil-openssh-${randomBytes(4).toString('hex')}`);
      try {
        live.setBlocked(true, 'auditor');
        await waitScreen(p, new RegExp(`^${OPERATOR_MESSAGES.blocked}$`, 'm'));
        p.keys(`touch ${file}`, 'Enter');
        // The gateway has the keystrokes (recorded as input) before the release; the target never does.
        await waitFor(
          async () => (await recordedInput(live.sessionId)).includes(`touch ${file}\r`),
          'the typed command in the recording',
        );
        live.setBlocked(false, 'auditor');
        await waitScreen(p, new RegExp(`^${escape(OPERATOR_MESSAGES.released)}$`, 'm'));
        p.keys('echo AFTER-$((1+2))', 'Enter');
        await waitScreen(p, /^AFTER-3$/m);
        expect(existsSync(file)).toBe(false);
        await live.drop('auditor');
        const screen = await waitScreen(p, /SSH-EXIT=\d+/);
        expect(screen).toMatch(new RegExp(`^${OPERATOR_MESSAGES.dropped}$`, 'm'));
        expect(screen).toMatch(/SSH-EXIT=255/);
      } finally {
        rmSync(file, { force: true });
      }
    });

    it('shows the refusal when access was not granted', async () => {
      const p = pane('refused', ['-tt', ...withKey(), `olivia@${sshd.user}@other-host@127.0.0.1`]);
      const screen = await waitScreen(p, /SSH-EXIT=\d+/);
      expect(screen).toContain(
        `Vigil: access not granted: olivia may not open sessions as ${sshd.user} on other-host`,
      );
      expect(screen).toContain('SSH-EXIT=1');
    });

    it('prompts for the Vigil password, and says when the login is locked', async () => {
      const p = pane('password', ['-tt', ...sshOptions(), '-o', 'PubkeyAuthentication=no', target()]);
      await waitScreen(p, 'Vigil password:');
      p.keys(PASSWORD, 'Enter');
      p.keys('echo PW-$((5*5))', 'Enter');
      await waitScreen(p, /^PW-25$/m);
      p.keys('exit', 'Enter');
      await waitScreen(p, 'SSH-EXIT=0');

      await bed.store.identity.lock('olivia', Date.now() + 60_000);
      try {
        // OpenSSH prints keyboard-interactive instructions at its default log level (not under ERROR).
        const locked = pane('locked', [
          '-tt',
          ...sshOptions('INFO'),
          '-o',
          'PubkeyAuthentication=no',
          target(),
        ]);
        const screen = await waitScreen(locked, /SSH-EXIT=\d+/);
        expect(screen).toMatch(/^Too many failed logins: this login is locked until \d{4}-\d\d-\d\dT/m);
        expect(screen).toContain('SSH-EXIT=255');
        expect(screen).not.toContain("'s password:");
      } finally {
        await bed.sql('DELETE FROM login_locks WHERE login = ?', ['olivia']);
      }
    });

    it('refuses sftp, scp (SFTP and legacy modes) and port forwarding with a clear message', async () => {
      const run = (program: string, args: string[], input = ''): Promise<{ code: number; stderr: string }> =>
        new Promise((resolve) => {
          const child = execFile(program, args, { timeout: 20_000 }, (err, _stdout, stderr) =>
            resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? -1), stderr }),
          );
          child.stdin!.end(input);
        });
      const opts = withKey().map((a) => (a === '-p' ? '-P' : a));
      const sftp = await run('sftp', ['-b', '-', ...opts, target()], 'ls\n');
      expect(sftp.code).not.toBe(0);
      expect(sftp.stderr).toContain('Vigil: file transfer (SFTP, scp, rsync) not granted');

      const local = join(bed.dataDir, 'upload.txt');
      writeFileSync(local, 'data\n');
      for (const mode of [[], ['-O']]) {
        const scp = await run('scp', [...mode, ...opts, local, `${target()}:/tmp/`]);
        expect(scp.code).not.toBe(0);
        expect(scp.stderr).toContain('Vigil: file transfer (SFTP, scp, rsync) not granted');
      }

      const forward = await run('ssh', [
        ...withKey(),
        '-o',
        'ExitOnForwardFailure=yes',
        '-R',
        '0:127.0.0.1:9',
        target(),
        'true',
      ]);
      expect(forward.code).toBe(255);
      expect(forward.stderr).toMatch(/remote port forwarding failed/);
    });
  },
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
