import { createHash, randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedOperatorMessage, OPERATOR_MESSAGES } from '../../src/shared/messages';
import { RecordingReader, sha256File, type RecordEvent } from '../../src/recording';
import type { ProxySession } from '../../src/gateway/ssh/proxySession';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { terminalSnapshot } from '../support/liveSession';
import { waitFor, waitForValue } from '../support/wait';
import {
  connectOperator,
  execCommand,
  openShell,
  processAlive,
  startTestbed,
  TARGET_NAME,
  type Terminal,
  type Testbed,
  wrapChannel,
} from './sshTestbed';
import { generateEd25519KeyPair } from '../../src/gateway/ssh/keys';

const skip = sshdSkipReason();
const PASSWORD = 'operator-password-1';

describe.skipIf(skip !== null)(`SSH proxy against a real sshd${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sshd: TestSshd;
  let bed: Testbed;
  let aliceId: number;
  const clients: Client[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    bed = await startTestbed(sshd);
    aliceId = await bed.addUser('alice', PASSWORD);
    await bed.admin.grantAccess('alice', TARGET_NAME, sshd.user);
  });
  afterAll(async () => {
    for (const c of clients) c.end();
    await bed?.stop();
    await sshd?.stop();
  });

  const login = (user = 'alice', route = `${sshd.user}@${TARGET_NAME}`) => `${user}@${route}`;
  async function operator(user = 'alice', password = PASSWORD, route?: string): Promise<Client> {
    const client = await connectOperator(bed.sshPort, login(user, route), { password });
    clients.push(client);
    return client;
  }

  /** The live session the operator's newest shell opened. */
  async function liveOf(userId: number): Promise<ProxySession> {
    return waitForValue(
      () => bed.gateway.hub.list().findLast((s) => s.operatorUserId === userId) as ProxySession | undefined,
      'a live session of the operator',
      2_000,
    );
  }

  /** A shell at a known state: a unique marker echoed, so later output is easy to find. */
  async function readyShell(client: Client): Promise<Terminal> {
    const term = await openShell(client);
    term.send('echo READY-$((20+22))\r');
    await term.waitFor('READY-42');
    return term;
  }

  async function recordingEvents(path: string): Promise<{ reader: RecordingReader; events: RecordEvent[] }> {
    const reader = await RecordingReader.open(join(bed.dataDir, path));
    const events: RecordEvent[] = [];
    for await (const e of reader.records()) events.push(e);
    return { reader, events };
  }

  it('proxies an interactive shell, records it, and finishes the session row', async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    const row = (await bed.store.sessions.get(live.sessionId, aliceId))!;
    expect(row).toMatchObject({
      status: 'live',
      protocol: 'ssh',
      proxy: 'SSH Proxy',
      credential: sshd.user,
      device: TARGET_NAME,
      originIp: '127.0.0.1',
      user: { login: 'alice' },
    });
    expect(row.hash).toMatch(/^[0-9a-f]{32}$/);

    const mark = term.mark();
    term.send('echo hello-$((6*7)) && whoami\r');
    await term.waitFor(`hello-42\r\n${sshd.user}`, 10_000, mark);
    term.send('exit 0\r');
    expect(await term.closed).toEqual({ code: 0, signal: null });

    await waitFor(
      async () => (await bed.store.sessions.get(live.sessionId, aliceId))!.status === 'finished',
      'the session to finish',
    );
    const done = (await bed.store.sessions.get(live.sessionId, aliceId))!;
    expect(done.errorMessage).toBeNull();
    expect(done.endedAt).toBeGreaterThanOrEqual(done.startedAt);
    expect(done.durationMs).toBe(done.endedAt! - done.startedAt);
    expect(done.recording!.path).toBe(`recordings/${done.hash}.vrec`);
    const file = join(bed.dataDir, done.recording!.path!);
    expect(done.recording!.sha256).toBe(await sha256File(file));

    const { reader, events } = await recordingEvents(done.recording!.path!);
    expect(reader.complete).toBe(true);
    expect(reader.header).toMatchObject({
      sessionId: String(live.sessionId),
      cols: 100,
      rows: 30,
      pty: true,
    });
    await reader.close();
    const input = Buffer.concat(events.flatMap((e) => (e.type === 'i' ? [e.data] : []))).toString();
    const output = Buffer.concat(events.flatMap((e) => (e.type === 'o' ? [e.data] : []))).toString();
    expect(input).toContain('echo hello-$((6*7)) && whoami\r');
    expect(output).toContain('hello-42');
    const commands = (await bed.store.sessionCommands.list(live.sessionId)).map((c) => c.command);
    expect(commands).toEqual(['echo READY-$((20+22))', 'echo hello-$((6*7)) && whoami', 'exit 0']);
    expect(
      events.filter((e) => e.type === 'm' && e.kind === 'command').map((e) => (e as { note: string }).note),
    ).toEqual(commands);

    const trail = (await bed.store.events.list({ sessionId: live.sessionId }, 0, 10)).items.map((e) => [
      e.type,
      e.actorId,
    ]);
    expect(trail).toEqual([
      ['Terminated', aliceId],
      ['Started', aliceId],
    ]);
  });

  it('runs `ssh … command`: stdout, stderr and exit status come back; the command is logged', async () => {
    const client = await operator();
    const term = await execCommand(client, 'echo out; echo err >&2; exit 3');
    expect(await term.closed).toEqual({ code: 3, signal: null });
    expect(term.stdout()).toBe('out\n');
    expect(term.stderr()).toBe('err\n');
    const row = await newestSession(aliceId);
    await waitFor(
      async () => (await bed.store.sessions.get(row.id, aliceId))!.status === 'finished',
      'the session to finish',
    );
    expect((await bed.store.sessionCommands.list(row.id)).map((c) => c.command)).toEqual([
      'echo out; echo err >&2; exit 3',
    ]);
    const { reader } = await recordingEvents(
      (await bed.store.sessions.get(row.id, aliceId))!.recording!.path!,
    );
    expect(reader.header.pty).toBe(false);
    await reader.close();
  });

  it('passes stdin through and forwards its end (EOF) to the target', async () => {
    const client = await operator();
    const term = await execCommand(client, 'wc -c; echo done');
    term.channel.write('x'.repeat(100_000));
    term.channel.end();
    expect(await term.closed).toEqual({ code: 0, signal: null });
    expect(term.stdout().trim().split('\n')).toEqual(['100000', 'done']);
  });

  it('propagates an exit signal', async () => {
    const client = await operator();
    const term = await execCommand(client, 'kill -TERM $$');
    expect(await term.closed).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('forwards window changes to the target and records them', async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    const resized = new Promise<[number, number]>((resolve) =>
      live.once('resize', (c, r) => resolve([c, r])),
    );
    term.channel.setWindow(40, 132, 0, 0);
    expect(await resized).toEqual([132, 40]);
    const mark = term.mark();
    term.send('stty size\r');
    await term.waitFor('40 132', 10_000, mark);
    term.send('exit\r');
    await term.closed;
    await waitFor(
      async () => (await bed.store.sessions.get(live.sessionId, aliceId))!.status === 'finished',
      'the session to finish',
    );
    const { reader, events } = await recordingEvents(
      (await bed.store.sessions.get(live.sessionId, aliceId))!.recording!.path!,
    );
    await reader.close();
    expect(events.filter((e) => e.type === 'r')).toEqual([expect.objectContaining({ cols: 132, rows: 40 })]);
  });

  it('refuses port forwarding and X11', async () => {
    const client = await operator();
    await expect(
      new Promise((resolve, reject) =>
        client.forwardOut('127.0.0.1', 0, '127.0.0.1', sshd.port, (err, ch) =>
          err ? reject(err) : resolve(ch),
        ),
      ),
    ).rejects.toThrow(/prohibited|failure/i);
    await expect(
      new Promise((resolve, reject) =>
        client.forwardIn('127.0.0.1', 0, (err, port) => (err ? reject(err) : resolve(port))),
      ),
    ).rejects.toThrow();
    await expect(
      new Promise((resolve, reject) =>
        client.exec('true', { x11: true }, (err, ch) => (err ? reject(err) : resolve(ch))),
      ),
    ).rejects.toThrow(/X11/);
  });

  it('refuses SFTP and scp without a file-transfer grant, with a message on stderr', async () => {
    const client = await operator();
    const sftp = await new Promise<Terminal>((resolve, reject) =>
      client.subsys('sftp', (err, channel) => (err ? reject(err) : resolve(wrapChannel(channel)))),
    );
    const refusal =
      `Vigil: file transfer (SFTP, scp, rsync) not granted: alice may not transfer files as ${sshd.user} ` +
      `on ${TARGET_NAME}\n`;
    expect((await sftp.closed).code).toBe(1);
    expect(sftp.stderr()).toBe(refusal);
    const scp = await execCommand(client, 'scp -t /tmp');
    expect((await scp.closed).code).toBe(1);
    expect(scp.stderr()).toBe(refusal);
  });

  it('tells an operator without an access grant, and opens nothing', async () => {
    await bed.addUser('bob', PASSWORD);
    const before = await sessionCount();
    const client = await operator('bob');
    const term = await execCommand(client, 'true');
    expect((await term.closed).code).toBe(1);
    expect(term.stderr()).toBe(
      `Vigil: access not granted: bob may not open sessions as ${sshd.user} on ${TARGET_NAME}\n`,
    );
    // Unknown targets and accounts get the same answer: nothing to probe.
    const other = await execCommand(await operator('alice', PASSWORD, `root@${TARGET_NAME}`), 'true');
    expect((await other.closed).code).toBe(1);
    expect(other.stderr()).toBe(
      `Vigil: access not granted: alice may not open sessions as root on ${TARGET_NAME}\n`,
    );
    const nowhere = await execCommand(await operator('alice', PASSWORD, `${sshd.user}@nowhere`), 'true');
    expect((await nowhere.closed).code).toBe(1);
    expect(nowhere.stderr()).toContain('access not granted');
    expect(await sessionCount()).toBe(before);
  });

  it('shows how to name the target when the username lacks it (with a terminal: on its own line)', async () => {
    const client = await connectOperator(bed.sshPort, 'alice', { password: PASSWORD });
    clients.push(client);
    const term = await openShell(client);
    expect((await term.closed).code).toBe(1);
    expect(term.stderr()).toBe(
      `Vigil: name the account and target to open: ssh -p ${bed.sshPort} alice@ACCOUNT@TARGET@127.0.0.1\r\n`,
    );
  });

  it('refuses wrong passwords, and locks the login after five failures (also for SSH)', async () => {
    await bed.addUser('carol', PASSWORD);
    await bed.admin.grantAccess('carol', TARGET_NAME, sshd.user);
    for (let i = 0; i < 5; i++) {
      await expect(
        connectOperator(bed.sshPort, login('carol'), { password: 'wrong-password' }),
      ).rejects.toThrow(/authentication methods failed/);
    }
    // Locked: even the right password is refused now (the OpenSSH test sees keyboard-interactive say why).
    await expect(connectOperator(bed.sshPort, login('carol'), { password: PASSWORD })).rejects.toThrow();
    const types = (await bed.store.events.list({ actor: 'carol' }, 0, 50)).items.map((e) => e.type);
    expect(types.filter((t) => t === 'Login failed')).toHaveLength(5);
    expect(types).toContain('Login locked');
  });

  it('logs in with keyboard-interactive and with a public key added by `user key add`', async () => {
    const viaKeyboard = await new Promise<Client>((resolve, reject) => {
      const client = new ssh2.Client();
      client.on('keyboard-interactive', (_n, _i, _l, prompts, finish) => finish(prompts.map(() => PASSWORD)));
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({ host: '127.0.0.1', port: bed.sshPort, username: login(), tryKeyboard: true });
    });
    clients.push(viaKeyboard);
    const one = await execCommand(viaKeyboard, 'echo kbd-ok');
    await one.closed;
    expect(one.stdout()).toBe('kbd-ok\n');

    const key = generateEd25519KeyPair();
    await expect(connectOperator(bed.sshPort, login(), { privateKey: key.private })).rejects.toThrow();
    await bed.sshAdmin.addUserKeys('alice', key.public);
    const viaKey = await connectOperator(bed.sshPort, login(), { privateKey: key.private });
    clients.push(viaKey);
    const two = await execCommand(viaKey, 'echo key-ok');
    await two.closed;
    expect(two.stdout()).toBe('key-ok\n');
    const rsa = ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 });
    await bed.sshAdmin.addUserKeys('alice', rsa.public);
    const viaRsa = await connectOperator(bed.sshPort, login(), { privateKey: rsa.private });
    clients.push(viaRsa);
    const three = await execCommand(viaRsa, 'echo rsa-ok');
    await three.closed;
    expect(three.stdout()).toBe('rsa-ok\n');
  });

  it('finishes the session with an error when the target refuses the stored credential', async () => {
    await bed.admin.addTarget({ name: 'web-badpw', protocol: 'ssh', host: sshd.host, port: sshd.port });
    await bed.admin.addCredential('web-badpw', sshd.user, 'not-the-password');
    await bed.admin.grantAccess('alice', 'web-badpw', sshd.user);
    const client = await operator('alice', PASSWORD, `${sshd.user}@web-badpw`);
    const term = await openShell(client);
    expect((await term.closed).code).toBe(1);
    expect(term.stderr()).toBe(
      `Vigil: could not open the session as ${sshd.user} on web-badpw: the target refused the stored credential\r\n`,
    );
    const row = await newestSession(aliceId);
    expect(row).toMatchObject({
      status: 'finished',
      device: 'web-badpw',
      errorMessage: 'the target refused the stored credential',
      recording: null,
    });
    const trail = (await bed.store.events.list({ sessionId: row.id }, 0, 10)).items.map((e) => e.type);
    expect(trail).toEqual(['Terminated', 'Started']);
  });

  it('logs into the target with a stored private key, and pins the target host key', async () => {
    await bed.admin.addTarget({ name: 'web-key', protocol: 'ssh', host: sshd.host, port: sshd.port });
    await bed.admin.addCredential('web-key', sshd.user, 'not-the-password');
    await bed.sshAdmin.setCredentialKey('web-key', sshd.user, sshd.privateKey);
    await bed.admin.grantAccess('alice', 'web-key', sshd.user);
    const target = (await bed.store.targets.findTarget('web-key'))!;
    expect(await bed.store.targets.hostKey(target.id)).toBeNull();
    const client = await operator('alice', PASSWORD, `${sshd.user}@web-key`);
    const term = await execCommand(client, 'echo key-login');
    expect((await term.closed).code).toBe(0);
    expect(term.stdout()).toBe('key-login\n');
    const pinned = await bed.store.targets.hostKey(target.id);
    const hostBlob = Buffer.from(sshd.hostPublicKey.split(' ')[1]!, 'base64');
    expect(pinned).toBe(
      `SHA256:${createHash('sha256').update(hostBlob).digest('base64').replace(/=+$/, '')}`,
    );

    // Another machine answering on the target's address is refused.
    await bed.sql('UPDATE targets SET host_key = ? WHERE id = ?', ['SHA256:somethingelse', target.id]);
    const again = await execCommand(await operator('alice', PASSWORD, `${sshd.user}@web-key`), 'echo no');
    expect((await again.closed).code).toBe(1);
    expect(again.stderr()).toContain(
      "the target's host key changed (pinned SHA256:somethingelse, now SHA256:",
    );
    expect((await newestSession(aliceId)).errorMessage).toContain('host key changed');
    expect(await bed.sshAdmin.forgetHostKey('web-key')).toBe(true);
    const third = await execCommand(await operator('alice', PASSWORD, `${sshd.user}@web-key`), 'echo yes');
    expect((await third.closed).code).toBe(0);
    expect(await bed.store.targets.hostKey(target.id)).toBe(pinned);
  });

  it('Hold on!: while blocked no keystroke reaches the target; release restores input', async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    const tag = randomBytes(6).toString('hex');
    const blockedFile = join('/tmp', `vigil-blocked-${tag}`);
    const releasedFile = join('/tmp', `vigil-released-${tag}`);
    try {
      const interactivity = new Promise((resolve) => live.once('interactivity', (...args) => resolve(args)));
      let mark = term.mark();
      live.setBlocked(true, 'auditor1');
      expect(live.blocked).toBe(true);
      expect(((await interactivity) as unknown[]).slice(0, 2)).toEqual([true, 'auditor1']);
      await term.waitFor(`\r\n${OPERATOR_MESSAGES.blocked}\r\n`, 5000, mark);

      // Typed while blocked: must never run, not even after release.
      term.send(`touch ${blockedFile}\r`);
      term.send('\x03\x04');
      // A window change travels on the same channel after those keystrokes and passes while blocked:
      // once the gateway has seen it, the keystrokes were received (and held back) before the release.
      const resized = new Promise((resolve) => live.once('resize', (...size) => resolve(size)));
      term.channel.setWindow(31, 101, 0, 0);
      expect(await resized).toEqual([101, 31]);
      expect((await bed.store.sessions.get(live.sessionId, aliceId))!.status).toBe('live');

      mark = term.mark();
      live.setBlocked(false, 'auditor1');
      await term.waitFor(`\r\n${OPERATOR_MESSAGES.released}\r\n`, 5000, mark);
      mark = term.mark();
      term.send(`touch ${releasedFile} && echo RELEASED-$((1+1))\r`);
      await term.waitFor('RELEASED-2\r\n', 10_000, mark);
      expect(existsSync(releasedFile)).toBe(true);
      expect(existsSync(blockedFile)).toBe(false);
      term.send('exit\r');
      await term.closed;
      await waitFor(
        async () => (await bed.store.sessions.get(live.sessionId, aliceId))!.status === 'finished',
        'the session to finish',
      );

      const { reader, events } = await recordingEvents(
        (await bed.store.sessions.get(live.sessionId, aliceId))!.recording!.path!,
      );
      await reader.close();
      const markers = events.filter((e) => e.type === 'm' && e.kind !== 'command');
      expect(markers.map((e) => [(e as { kind: string }).kind, (e as { note: string }).note])).toEqual([
        ['block', 'auditor1'],
        ['release', 'auditor1'],
      ]);
      const output = Buffer.concat(events.flatMap((e) => (e.type === 'o' ? [e.data] : []))).toString();
      // The notices are the gateway's, shown to the operator only: not target output.
      expect(output).not.toContain(OPERATOR_MESSAGES.blocked);
      expect(output).not.toContain(OPERATOR_MESSAGES.released);
      // What was typed while blocked is evidence: recorded as input, never as a command.
      const input = Buffer.concat(events.flatMap((e) => (e.type === 'i' ? [e.data] : []))).toString();
      expect(input).toContain(`touch ${blockedFile}`);
      const commands = (await bed.store.sessionCommands.list(live.sessionId)).map((c) => c.command);
      expect(commands.some((c) => c.includes(blockedFile))).toBe(false);
      expect(commands).toContain(`touch ${releasedFile} && echo RELEASED-$((1+1))`);
    } finally {
      rmSync(blockedFile, { force: true });
      rmSync(releasedFile, { force: true });
    }
  });

  it('Drop: the operator sees the message, both legs end at once, the recording is closed cleanly', async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    let mark = term.mark();
    term.send('echo SHELL-PID=$$\r');
    await term.waitFor(/SHELL-PID=\d+\r\n/, 10_000, mark);
    const shellPid = Number(/SHELL-PID=(\d+)\r\n/.exec(term.stdout())![1]);
    expect(processAlive(shellPid)).toBe(true);
    const ended = new Promise((resolve) => live.once('ended', (...args) => resolve(args)));
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    mark = term.mark();
    await live.drop('auditor2');
    // Drop resolves once both legs are closed: the message is already on the operator's screen.
    await term.waitFor(`\r\n${OPERATOR_MESSAGES.dropped}\r\n`, 5000, mark);
    expect(((await ended) as unknown[])[0]).toBe('dropped');
    await clientClosed; // the operator's connection is closed, not left open
    await waitFor(() => !processAlive(shellPid), 'the shell on the target to exit', 5000);
    expect(bed.gateway.hub.get(live.sessionId)).toBeUndefined();

    const row = (await bed.store.sessions.get(live.sessionId, aliceId))!;
    expect(row.status).toBe('finished');
    expect(row.errorMessage).toBeNull();
    const { reader, events } = await recordingEvents(row.recording!.path!);
    expect(reader.complete).toBe(true);
    await reader.close();
    expect(row.recording!.sha256).toBe(await sha256File(join(bed.dataDir, row.recording!.path!)));
    expect(events.filter((e) => e.type === 'm' && e.kind === 'drop')).toEqual([
      expect.objectContaining({ note: 'auditor2' }),
    ]);
    const terminated = (await bed.store.events.list({ sessionId: row.id, type: 'Terminated' }, 0, 5)).items;
    expect(terminated.map((e) => e.note)).toEqual([
      `Dropped by auditor2 (recording SHA-256 ${row.recording!.sha256})`,
    ]);
  });

  it("refuses a blocked operator's new session, naming who blocked it, until the block is released", async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    const adminId = (await bed.store.users.findByLogin('admin'))!.id;
    const block = (await bed.store.blocks.create({
      sessionId: live.sessionId,
      blockedUserId: aliceId,
      authorId: adminId,
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
    }))!;
    live.setBlocked(true, 'admin');
    const before = await sessionCount();
    const second = await execCommand(await operator(), 'true');
    expect((await second.closed).code).toBe(1);
    expect(second.stderr()).toBe(`${blockedOperatorMessage('admin', new Date(block.blockedAt))}\n`);
    expect(second.stderr()).toBe(
      'Error. User has been prevented to start sessions by admin on 2026-01-02 03:04:05 UTC\n',
    );
    const withPty = await openShell(await operator());
    await withPty.closed;
    expect(withPty.stderr()).toBe(`${blockedOperatorMessage('admin', new Date(block.blockedAt))}\r\n`);
    expect(await sessionCount()).toBe(before);

    await bed.store.blocks.release(block.id, adminId, Date.now());
    live.setBlocked(false, 'admin');
    const third = await execCommand(await operator(), 'echo allowed');
    await third.closed;
    expect(third.stdout()).toBe('allowed\n');
    term.send('exit\r');
    await term.closed;
  });

  it('streams output to live viewers and gives late joiners the current screen', async () => {
    const client = await operator();
    const term = await readyShell(client);
    const live = await liveOf(aliceId);
    const seen: Buffer[] = [];
    live.on('output', (chunk) => seen.push(chunk));
    const mark = term.mark();
    term.send('printf "VIEW-%s\\n" $((3*3))\r');
    await term.waitFor('VIEW-9', 10_000, mark);
    expect(Buffer.concat(seen).toString()).toContain('VIEW-9');
    const screen = await terminalSnapshot(live);
    expect(screen).toMatchObject({ cols: 100, rows: 30 });
    expect(screen.screen).toContain('VIEW-9');
    expect(screen.screen).toContain('READY-42');
    term.send('exit\r');
    await term.closed;
  });

  async function newestSession(userId: number) {
    const [newest] = await bed.sql('SELECT max(id) AS id FROM sessions WHERE user_id = ?', [userId]);
    return (await bed.store.sessions.get(Number(newest!.id), userId))!;
  }

  function sessionCount(): Promise<number> {
    return bed.count('sessions');
  }
});
