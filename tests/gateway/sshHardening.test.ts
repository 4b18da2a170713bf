import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader, type RecordEvent } from '../../src/recording';
import { generateEd25519KeyPair, parsePublicKeys } from '../../src/gateway/ssh/keys';
import { MAX_SESSION_CHANNELS } from '../../src/gateway/ssh/proxyServer';
import type { ProxySession } from '../../src/gateway/ssh/proxySession';
import { openTargetLeg, TargetError } from '../../src/gateway/ssh/targetLeg';
import { runGatewayCli } from '../support/gateway';
import { missingProgram } from '../support/programs';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { terminalSnapshot } from '../support/liveSession';
import { waitFor, waitForValue } from '../support/wait';
import {
  connectOperator,
  execCommand,
  openShell,
  startTestbed,
  TARGET_NAME,
  type Terminal,
  type Testbed,
} from './sshTestbed';

const skip = sshdSkipReason() ?? missingProgram('ssh', 'sftp', 'scp');
const PASSWORD = 'operator-password-9';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/** Whether the gateway's HTTPS API answers (its OpenAPI document needs no login). */
function apiStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) =>
    get(`${url}/api/v1/openapi.json`, { rejectUnauthorized: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    }).once('error', reject),
  );
}

describe.skipIf(skip !== null)(`SSH proxy limits and grants${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let bed: Testbed;
  let userId: number;
  let keyFile: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    // The target accepts every variable, so only the gateway decides which ones pass.
    sshd = await startSshd({ extraConfig: ['AcceptEnv *'] });
    bed = await startTestbed(sshd);
    userId = await bed.addUser('hana', PASSWORD);
    await bed.admin.grantAccess('hana', TARGET_NAME, sshd.user);
    const key = generateEd25519KeyPair('hana@laptop');
    keyFile = join(bed.dataDir, 'hana_ed25519');
    writeFileSync(keyFile, key.private, { mode: 0o600 });
    await bed.sshAdmin.addUserKeys('hana', key.public);
  });
  afterAll(async () => {
    for (const c of clients) c.end();
    await bed?.stop();
    await sshd?.stop();
  });

  async function operator(route = `${sshd.user}@${TARGET_NAME}`): Promise<Client> {
    const client = await connectOperator(bed.sshPort, `hana@${route}`, { password: PASSWORD });
    clients.push(client);
    return client;
  }

  async function liveOf(term: Terminal): Promise<ProxySession> {
    term.send('echo LIVE-$((40+2))\r');
    await term.waitFor('LIVE-42');
    return waitForValue(
      () => bed.gateway.hub.list().findLast((s) => s.operatorUserId === userId) as ProxySession | undefined,
      'the live session',
    );
  }

  async function recordingOf(sessionId: number): Promise<RecordEvent[]> {
    await waitFor(
      async () => (await bed.store.sessions.get(sessionId, userId))?.status === 'finished',
      'the session to finish',
    );
    const reader = await RecordingReader.open(
      join(bed.dataDir, (await bed.store.sessions.get(sessionId, userId))!.recording!.path!),
    );
    const events: RecordEvent[] = [];
    for await (const e of reader.records()) events.push(e);
    await reader.close();
    return events;
  }

  const refusals = async (): Promise<string[]> =>
    (await bed.store.events.list({ type: 'Access refused' }, 0, 100)).items
      .filter((e) => e.actor?.login === 'hana')
      .map((e) => e.note)
      .reverse(); // oldest first

  it('keeps the API answering while a 2 MB line with cursor moves arrives through a session', async () => {
    const term = await openShell(await operator());
    const half = 1024 * 1024;
    // The target swallows exactly the line, without echo, then says so.
    term.send(
      `stty -echo -icanon; echo GO-$((2+3)); head -c ${2 * half + 2} >/dev/null; stty sane; echo DONE-$((6*7))\r`,
    );
    await term.waitFor('GO-5');
    term.send(`${'a'.repeat(half)}\x01`);
    expect(await apiStatus(bed.gateway.url)).toBe(200);
    // Each slice is typed at the start of a 1 MB line: the API must answer between them.
    for (let sent = 0; sent < half; sent += half / 8) {
      term.send('b'.repeat(half / 8));
      expect(await apiStatus(bed.gateway.url)).toBe(200);
    }
    term.send('\r');
    await term.waitFor('DONE-42', 60_000);
    term.send('exit\r');
    await term.closed;
  }, 120_000);

  it('clamps a huge terminal size where it is received; the session stays usable', async () => {
    const term = await openShell(await operator(), { cols: 65535, rows: 65535 });
    const live = await liveOf(term);
    const screen = await terminalSnapshot(live);
    expect([screen.cols, screen.rows]).toEqual([1000, 500]);
    let mark = term.mark();
    term.send('stty size\r');
    await term.waitFor('500 1000', 10_000, mark);

    const resized = new Promise((resolve) => live.once('resize', (...size) => resolve(size)));
    term.channel.setWindow(65535, 65535, 65535, 65535);
    expect(await resized).toEqual([1000, 500]);
    term.channel.setWindow(30, 90, 0, 0);
    mark = term.mark();
    term.send('stty size; echo OK-$((3*3))\r');
    await term.waitFor('OK-9', 10_000, mark);
    expect(term.stdout().slice(mark)).toContain('30 90');
    const resizedScreen = await terminalSnapshot(live);
    expect([resizedScreen.cols, resizedScreen.rows]).toEqual([90, 30]);
    term.send('exit\r');
    await term.closed;
  });

  it(`refuses more than ${MAX_SESSION_CHANNELS} session channels on one connection`, async () => {
    const client = await operator();
    const open: Terminal[] = [];
    for (let i = 0; i < MAX_SESSION_CHANNELS; i++) open.push(await execCommand(client, 'cat'));
    await expect(execCommand(client, 'echo one-too-many')).rejects.toThrow(/open failure|failed/i);
    // A channel that closes makes room again.
    open.shift()!.channel.end();
    await waitFor(async () => {
      try {
        const again = await execCommand(client, 'echo room-again');
        await again.closed;
        return again.stdout() === 'room-again\n';
      } catch {
        return false;
      }
    }, 'a free channel');
    for (const term of open) term.channel.end();
    await Promise.all(open.map((t) => t.closed));
  });

  it('passes only LANG, LC_* and TERM to the target', async () => {
    const client = await operator();
    const term = await new Promise<Terminal>((resolve, reject) =>
      client.exec(
        'echo "L=$LANG C=$LC_TIME F=$FOO P=$LD_PRELOAD"',
        { env: { LANG: 'C.UTF-8', LC_TIME: 'C', FOO: 'bar', LD_PRELOAD: '/tmp/x.so' } },
        (err, channel) => {
          if (err) return reject(err);
          import('./sshTestbed').then(({ wrapChannel }) => resolve(wrapChannel(channel)), reject);
        },
      ),
    );
    await term.closed;
    expect(term.stdout()).toBe('L=C.UTF-8 C=C F= P=\n');
  });

  it('keeps a bounded amount of what is typed while blocked, and says how much was dropped', async () => {
    const term = await openShell(await operator());
    const live = await liveOf(term);
    live.setBlocked(true, 'auditor');
    term.send('x'.repeat(1024 * 1024));
    // The window change travels after the input: once it arrived, all of the input did.
    const resized = new Promise((resolve) => live.once('resize', resolve));
    term.channel.setWindow(33, 99, 0, 0);
    await resized;
    live.setBlocked(false, 'auditor');
    const mark = term.mark();
    term.send('echo BACK-$((4+4))\r');
    await term.waitFor('BACK-8', 10_000, mark);
    term.send('exit\r');
    await term.closed;

    const events = await recordingOf(live.sessionId);
    const block = events.findIndex((e) => e.type === 'm' && e.kind === 'block');
    const release = events.findIndex((e) => e.type === 'm' && e.kind === 'release');
    const whileBlocked = events
      .slice(block, release)
      .reduce((n, e) => n + (e.type === 'i' ? e.data.length : 0), 0);
    expect(whileBlocked).toBe(64 * 1024);
    const notes = events.flatMap((e) => (e.type === 'm' && e.kind === 'notice' ? [e.note] : []));
    expect(notes).toContain(`${1024 * 1024 - 64 * 1024} bytes typed while blocked were not recorded`);
  });

  it('leaves an event for refused sessions: no grant, blocked', async () => {
    const before = (await refusals()).length;
    const denied = await execCommand(await operator(`${sshd.user}@no-such-target`), 'true');
    expect((await denied.closed).code).toBe(1);
    const adminId = (await bed.store.users.findByLogin('admin'))!.id;
    const term = await openShell(await operator());
    const live = await liveOf(term);
    const block = (await bed.store.blocks.create({
      sessionId: live.sessionId,
      blockedUserId: userId,
      authorId: adminId,
      at: Date.now(),
    }))!;
    try {
      const blocked = await execCommand(await operator(), 'true');
      expect((await blocked.closed).code).toBe(1);
    } finally {
      await bed.store.blocks.release(block.id, adminId, Date.now());
    }
    term.send('exit\r');
    await term.closed;
    const [deniedNote, blockedNote] = (await refusals()).slice(before);
    expect(deniedNote).toMatch(
      /^SSH command "true" as \S+ on no-such-target refused \(access\): .*access not granted/,
    );
    expect(blockedNote).toMatch(
      new RegExp(
        `^SSH command "true" as \\S+ on ${TARGET_NAME} refused \\(blocked\\): Error\\. User has been prevented`,
      ),
    );
  });

  describe('targets whose host key was registered in advance', () => {
    const addTarget = async (name: string, hostKey: string): Promise<void> => {
      const added = await runGatewayCli([
        'target',
        'add',
        name,
        '--protocol',
        'ssh',
        '--host',
        '127.0.0.1',
        '--port',
        String(sshd.port),
        '--host-key',
        hostKey,
        '--data',
        bed.dataDir,
      ]);
      expect(added.code, added.stderr).toBe(0);
      await bed.admin.addCredential(name, sshd.user, sshd.password);
      await bed.admin.grantAccess('hana', name, sshd.user);
    };
    const hostFingerprint = (): string => parsePublicKeys(sshd.hostPublicKey)[0]!.fingerprint;

    it('connects when the target shows the registered key (file or fingerprint), pinning nothing new', async () => {
      const file = join(bed.dataDir, 'web-keyed.pub');
      // As ssh-keyscan prints it: the host first.
      writeFileSync(file, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
      await addTarget('web-keyed', file);
      await addTarget('web-printed', hostFingerprint());
      for (const target of ['web-keyed', 'web-printed']) {
        const registered = (await bed.store.targets.findTarget(target))!;
        expect(await bed.store.targets.hostKey(registered.id)).toBe(hostFingerprint());
        const term = await execCommand(await operator(`${sshd.user}@${target}`), 'echo pinned-ok');
        await term.closed;
        expect(term.stdout()).toBe('pinned-ok\n');
      }
      const pinned = (await bed.store.events.list({ type: 'Host key pinned' }, 0, 100)).items.map(
        (e) => e.note,
      );
      expect(pinned.some((n) => /web-keyed|web-printed/.test(n))).toBe(false);
    });

    it('refuses a target that shows another key than the registered one', async () => {
      const other = parsePublicKeys(generateEd25519KeyPair().public)[0]!.fingerprint;
      await addTarget('web-imposter', other);
      const term = await execCommand(await operator(`${sshd.user}@web-imposter`), 'echo should-not-run');
      expect((await term.closed).code).toBe(1);
      expect(term.stdout()).toBe('');
      expect(term.stderr()).toContain(
        `the target's host key changed (pinned ${other}, now ${hostFingerprint()})`,
      );
    });

    it('logs the key trusted on first use, and fails closed when another key was pinned first', async () => {
      const first = await execCommand(await operator(), 'true');
      await first.closed;
      const pinned = (await bed.store.events.list({ type: 'Host key pinned' }, 0, 100)).items;
      expect(pinned.map((e) => e.note)).toContain(
        `Trusted on first use: ${TARGET_NAME} shows the SSH host key ${hostFingerprint()}`,
      );
      const target = (await bed.store.targets.findTarget(TARGET_NAME))!;
      const leg = openTargetLeg({
        target,
        credential: { id: 0, account: sshd.user, password: sshd.password, privateKey: null },
        pinnedHostKey: null,
        // A concurrent first connection pinned another key in the meantime.
        pinHostKey: () => Promise.resolve('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
        pty: null,
        env: {},
        command: 'true',
      });
      await expect(leg).rejects.toBeInstanceOf(TargetError);
      await expect(leg).rejects.toThrow(/host key changed/);
    });
  });

  describe('file transfer, with the OpenSSH client', () => {
    const target = (): string => `hana@${sshd.user}@${TARGET_NAME}@127.0.0.1`;
    const options = (): string[] => [
      '-P',
      String(bed.sshPort),
      '-i',
      keyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
    ];
    const run = (program: string, args: string[], input = ''): Promise<{ code: number; stderr: string }> =>
      new Promise((resolve) => {
        const child = execFile(program, args, { timeout: 30_000 }, (err, _stdout, stderr) =>
          resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? -1), stderr }),
        );
        child.stdin!.end(input);
      });
    /** An ssh for `scp -S` that hides the remote scp behind a shell variable. */
    const disguisedSsh = (): string => {
      const path = join(bed.dataDir, 'disguised-ssh');
      writeFileSync(
        path,
        '#!/bin/bash\nargs=("$@"); cmd="${args[-1]}"; unset \'args[-1]\'\n' +
          'exec ssh "${args[@]}" "p=sc; \\${p}p ${cmd#scp }"\n',
      );
      chmodSync(path, 0o755);
      return path;
    };
    const refused = 'Vigil: file transfer (SFTP, scp, rsync) not granted';
    const remote = (): string => join(sshd.home, `upload-${randomBytes(4).toString('hex')}.txt`);

    it('refuses SFTP and scp without the grant, also when the command hides them', async () => {
      const before = (await refusals()).length;
      const local = join(bed.dataDir, 'upload.txt');
      writeFileSync(local, 'secret data\n');
      const hidden = `sh -c 'p=${SFTP_SERVER.slice(0, -1)}; exec \${p}r'`;
      const attempts: [string, string[]][] = [
        ['sftp', ['-b', '-', '-s', SFTP_SERVER, ...options(), target()]],
        ['sftp', ['-b', '-', '-s', hidden, ...options(), target()]],
        ['scp', ['-O', '-S', disguisedSsh(), ...options(), local, `${target()}:${remote()}`]],
        [
          'scp',
          ['-O', '-S', disguisedSsh(), ...options(), `${target()}:/etc/hostname`, join(bed.dataDir, 'got')],
        ],
      ];
      for (const [program, args] of attempts) {
        const result = await run(program, args, `put ${local} ${remote()}\n`);
        expect(result.code, `${program} ${args.join(' ')}`).not.toBe(0);
        expect(result.stderr, `${program} ${args.join(' ')}`).toContain(refused);
      }
      expect(existsSync(join(bed.dataDir, 'got'))).toBe(false);
      // A refusal inside an open session is logged while the operator is already being told.
      await waitFor(
        async () => (await refusals()).length >= before + attempts.length,
        'an event for each refusal',
      );
      const notes = (await refusals()).slice(before);
      expect(notes).toHaveLength(attempts.length);
      // The hidden ones were recognised by their first bytes, after the session had opened.
      expect(notes.filter((n) => /^SSH file transfer refused on session \d+/.test(n))).toHaveLength(3);
    });

    it('allows SFTP and scp once granted with --file-transfer', async () => {
      const granted = await runGatewayCli([
        'access',
        'grant',
        'hana',
        TARGET_NAME,
        sshd.user,
        '--file-transfer',
        '--data',
        bed.dataDir,
      ]);
      expect(granted.code, granted.stderr).toBe(0);
      expect(granted.stdout).toBe(
        `hana already had access to ${sshd.user}@${TARGET_NAME}; it is now with file transfer (SFTP, scp, rsync)\n`,
      );
      try {
        const local = join(bed.dataDir, 'granted.txt');
        writeFileSync(local, 'granted data\n');
        const viaSftp = remote();
        const sftp = await run('sftp', ['-b', '-', ...options(), target()], `put ${local} ${viaSftp}\n`);
        expect(sftp.code, sftp.stderr).toBe(0);
        expect(readFileSync(viaSftp, 'utf8')).toBe('granted data\n');
        const viaScp = remote();
        const scp = await run('scp', [
          '-O',
          '-S',
          disguisedSsh(),
          ...options(),
          local,
          `${target()}:${viaScp}`,
        ]);
        expect(scp.code, scp.stderr).toBe(0);
        expect(readFileSync(viaScp, 'utf8')).toBe('granted data\n');
        rmSync(viaSftp);
        rmSync(viaScp);
      } finally {
        await bed.admin.grantAccess('hana', TARGET_NAME, sshd.user, { fileTransfer: false });
      }
    });
  });
});
