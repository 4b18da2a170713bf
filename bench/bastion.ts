import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type TestSshd } from '../tests/support/sshd';

/**
 * An OpenSSH bastion in front of `target`, the peer the gateway is fairly compared with: a second
 * sshd on 127.0.0.1 whose ForceCommand runs the OpenSSH client to the target, so both legs are
 * decrypted and re-encrypted on the jump host (as on the gateway), without recording. Operators log
 * into the bastion as `sshd.user` with `sshd.privateKeyPath`; the command they ask for (and their
 * terminal, if any) is passed on to the target.
 */
export async function startBastion(target: TestSshd): Promise<TestSshd> {
  // The script lives outside the jump user's home because sshd needs its path before the user exists.
  const dir = mkdtempSync('/tmp/vigil-bastion-');
  chmodSync(dir, 0o755);
  const script = join(dir, 'jump.sh');
  writeFileSync(script, jumpScript(target), { mode: 0o755 });
  try {
    const jump = await startSshd({ extraConfig: [`ForceCommand ${script}`] });
    const stop = jump.stop;
    try {
      giveTargetKey(jump, target);
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      ...jump,
      async stop() {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The OpenSSH client on the jump host: with a terminal when the operator has one, as `ssh -J` users expect. */
function jumpScript(target: TestSshd): string {
  const options = [
    '-q',
    '-i "$HOME/.ssh/target_ed25519"',
    `-p ${target.port}`,
    '-o IdentitiesOnly=yes',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=no',
    '-o UserKnownHostsFile=/dev/null',
    '-o LogLevel=ERROR',
  ].join(' ');
  return [
    '#!/bin/sh',
    'if [ -n "$SSH_TTY" ]; then tty=-tt; else tty=-T; fi',
    `exec ssh $tty ${options} ${target.user}@${target.host} "$SSH_ORIGINAL_COMMAND"`,
    '',
  ].join('\n');
}

/** The jump user's copy of the key the target accepts, private to that user as ssh requires. */
function giveTargetKey(jump: TestSshd, target: TestSshd): void {
  const id = (flag: string): number =>
    Number(spawnSync('id', [flag, jump.user], { encoding: 'utf8' }).stdout.trim());
  const [uid, gid] = [id('-u'), id('-g')];
  const sshDir = join(jump.home, '.ssh');
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  chownSync(sshDir, uid, gid);
  const key = join(sshDir, 'target_ed25519');
  copyFileSync(target.privateKeyPath, key);
  chmodSync(key, 0o600);
  chownSync(key, uid, gid);
}
