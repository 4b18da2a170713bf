import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionLogs } from '../../src/shared/api';
import { OPERATOR_MESSAGES } from '../../src/shared/messages';
import { commandBlockedMessage, type RuleAction } from '../../src/shared/rules';
import { runGatewayCli } from '../support/gateway';
import { missingProgram } from '../support/programs';
import { sshdSkipReason, startSshd, type TestSshd } from '../support/sshd';
import { waitFor } from '../support/wait';
import { addOperatorKey, TmuxPanes, waitScreen, withKeyOptions, type Pane } from './opensshClient';
import {
  adminToken,
  connectOperator,
  openShell,
  startTestbed,
  TARGET_NAME,
  type Testbed,
} from './sshTestbed';

const skip = sshdSkipReason() ?? missingProgram('ssh', 'tmux', 'sudo', 'less');

/**
 * Audited-command rules enforced on what the real OpenSSH client (in a tmux pane) types through
 * the gateway to a real sshd: the line as the terminal shows it is matched at Enter.
 */
describe.skipIf(skip !== null)(
  `Audited-command rules in SSH sessions${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let sshd: TestSshd;
    let bed: Testbed;
    let keyFile: string;
    let userId: number;
    const tag = randomBytes(4).toString('hex');
    const rules: string[] = [];
    const paths: string[] = [];
    const panes = new TmuxPanes();

    beforeAll(async () => {
      sshd = await startSshd();
      bed = await startTestbed(sshd);
      userId = await bed.addUser('rita', 'rita-password-1');
      await bed.admin.grantAccess('rita', TARGET_NAME, sshd.user);
      keyFile = await addOperatorKey(bed, 'rita');
    });
    afterEach(async () => {
      for (const name of rules.splice(0)) await bed.store.commandRules.remove(name);
      for (const path of paths.splice(0)) rmSync(path, { recursive: true, force: true });
    });
    afterAll(async () => {
      panes.kill();
      await bed?.stop();
      await sshd?.stop();
    });

    const target = () => `rita@${sshd.user}@${TARGET_NAME}@127.0.0.1`;

    async function addRule(name: string, pattern: string, action: RuleAction): Promise<void> {
      const added = await bed.store.commandRules.add({
        name,
        pattern,
        score: 70,
        criticality: 'high',
        action,
        targetId: null,
        createdAt: Date.now(),
      });
      expect(added).toBe(true);
      rules.push(name);
    }

    /** A directory on the target that the session's user may remove. */
    function targetDir(name: string): string {
      const path = `/tmp/vigil-rules-${tag}-${name}`;
      mkdirSync(path);
      execFileSync('chown', [sshd.user, path]);
      paths.push(path);
      return path;
    }

    interface ShellPane extends Pane {
      sessionId: number;
    }

    /** `ssh` to the target in a new tmux pane, ready at a shell prompt. */
    async function shell(name: string): Promise<ShellPane> {
      const before = await lastSessionId();
      // TERM names a terminal every target knows (the pane's own may be missing there).
      const args = ['-tt', ...withKeyOptions(bed.sshPort, keyFile), target()];
      const pane = {
        sessionId: 0,
        ...panes.ssh(name, args, { cols: 150, rows: 40 }, 'TERM=xterm-256color '),
      };
      pane.keys('echo READY-$((40+2))', 'Enter');
      await waitScreen(pane, /^READY-42$/m);
      pane.sessionId = await lastSessionId();
      expect(pane.sessionId).toBeGreaterThan(before);
      return pane;
    }

    async function lastSessionId(): Promise<number> {
      const [row] = await bed.sql('SELECT max(id) AS id FROM sessions WHERE user_id = ?', [userId]);
      return Number(row?.id ?? 0);
    }

    /** Runs a command and waits for its end, so the shell is at its prompt again. */
    async function run(p: Pane, command: string): Promise<void> {
      const done = `DONE-${randomBytes(3).toString('hex')}`;
      p.keys(`${command}; echo ${done}`, 'Enter');
      await waitScreen(p, new RegExp(`^${done}$`, 'm'));
    }

    const risky = (sessionId: number) => bed.store.commandRules.risky(sessionId);
    const events = async (sessionId: number, type: string) =>
      (await bed.store.events.forSession(sessionId)).filter((e) => e.type === type);
    const typed = async (sessionId: number) =>
      (await bed.store.sessionCommands.list(sessionId)).map((c) => c.command);
    const blockedLine = (rule: string) => new RegExp(`^${escape(commandBlockedMessage(rule))}$`, 'm');

    it('blocks a typed command: it never runs, the operator is told, the shell goes on', async () => {
      const dir = targetDir('typed');
      await addRule(`no-rm-${tag}`, 'rm\\s+-rf', 'block');
      const p = await shell('typed');
      p.keys(`rm -rf ${dir}`, 'Enter');
      await waitScreen(p, blockedLine(`no-rm-${tag}`));
      const next = `NEXT-${randomBytes(3).toString('hex')}`;
      p.keys(`echo ${next}`, 'Enter');
      await waitScreen(p, new RegExp(`^${next}$`, 'm'));
      expect(existsSync(dir)).toBe(true);
      // The line was cleared, not run: the next command ran alone.
      expect(p.screen()).not.toMatch(/rm -rf \S+echo/);

      const [match] = await risky(p.sessionId);
      expect(match).toMatchObject({
        rule: `no-rm-${tag}`,
        action: 'block',
        criticality: 'high',
        score: 70,
        command: `rm -rf ${dir}`,
      });
      expect(await events(p.sessionId, 'Prohibited Event')).toHaveLength(1);
      expect((await events(p.sessionId, 'Prohibited Event'))[0]!.note).toContain(`rm -rf ${dir}`);
      await waitFor(
        async () => (await typed(p.sessionId)).includes(`echo ${next}`),
        'the next command in the log',
      );
      expect(await typed(p.sessionId)).not.toContain(`rm -rf ${dir}`);

      // Once the session is over, its Session Logs show the blocked command under its rule.
      p.keys('exit', 'Enter');
      await waitScreen(p, /SSH-EXIT=\d+/);
      await waitFor(
        async () => (await events(p.sessionId, 'Terminated')).length === 1,
        'the session to be finished',
      );
      const res = await bed.gateway.app.inject({
        method: 'GET',
        url: `/api/v1/sessions/${p.sessionId}/logs`,
        headers: { authorization: `Bearer ${await adminToken(bed)}` },
      });
      expect(res.statusCode, res.body).toBe(200);
      const logs = res.json() as SessionLogs;
      expect(logs.riskyCommands).toMatchObject([
        { rule: `no-rm-${tag}`, action: 'block', command: `rm -rf ${dir}` },
      ]);
      expect(logs.commands.map((c) => c.command)).not.toContain(`rm -rf ${dir}`);
    });

    it('blocks a pasted line with its Enter, and drops the rest of the paste', async () => {
      const dir = targetDir('pasted');
      const after = join(dir, 'after-paste');
      await addRule(`no-rm-paste-${tag}`, 'rm\\s+-rf', 'block');
      const p = await shell('pasted');
      p.literal(`rm -rf ${dir}\rtouch ${after}\r`);
      const screen = await waitScreen(p, blockedLine(`no-rm-paste-${tag}`));
      expect(screen).toMatch(/^Vigil: \d+ bytes typed after it were not sent$/m);
      await run(p, 'true');
      expect(existsSync(dir)).toBe(true);
      expect(existsSync(after)).toBe(false);
      expect((await risky(p.sessionId)).map((r) => [r.action, r.command])).toEqual([
        ['block', `rm -rf ${dir}`],
      ]);
    });

    it('blocks a line padded past what the gateway reads, whatever its tail', async () => {
      const dir = targetDir('padded');
      await addRule(`no-rm-padded-${tag}`, 'rm\\s+-rf', 'block');
      const p = await shell('padded');
      // One write, as a paste: 9,000 spaces push the command past the first 8 KiB of the line.
      p.literal(`${' '.repeat(9000)}rm -rf ${dir}\r`);
      await waitScreen(p, blockedLine('line-too-long'));
      await run(p, 'true');
      // Padded on both sides: the last row the terminal shows holds no `rm` either.
      p.literal(`${' '.repeat(9000)}rm -rf ${dir}${' '.repeat(300)}; true\r`);
      await waitFor(async () => (await risky(p.sessionId)).length === 2, 'the second match');
      await run(p, 'true');
      expect(existsSync(dir)).toBe(true);
      const line = { rule: 'line-too-long', action: 'block', criticality: 'high', score: 100 };
      expect(await risky(p.sessionId)).toMatchObject([line, line]);
      // What was read of it, marked as cut.
      expect((await risky(p.sessionId))[0]!.command).toMatch(/…$/);
      expect(await events(p.sessionId, 'Prohibited Event')).toHaveLength(2);
      expect((await typed(p.sessionId)).join('\n')).not.toContain('rm -rf');
    });

    it('blocks a line typed ahead while a command runs (the terminal echoes it, not the shell)', async () => {
      const dir = targetDir('ahead');
      await addRule(`no-rm-ahead-${tag}`, 'rm\\s+-rf', 'block');
      const p = await shell('ahead');
      p.keys('sleep 1; echo SLEPT', 'Enter');
      p.keys(`rm -rf ${dir}`, 'Enter');
      await waitScreen(p, blockedLine(`no-rm-ahead-${tag}`));
      await waitScreen(p, /^SLEPT\s*$/m);
      await run(p, 'true');
      expect(existsSync(dir)).toBe(true);
      expect((await risky(p.sessionId)).map((r) => r.command)).toEqual([`rm -rf ${dir}`]);
    });

    it('checks the lines of a bracketed paste: at the Enter that runs them, or at their own', async () => {
      const dir = targetDir('script');
      await addRule(`no-rm-script-${tag}`, 'rm\\s+-rf', 'block');
      const p = await shell('script');
      const paste = (text: string): void => {
        panes.tmux('set-buffer', '-b', `script-${tag}`, text);
        panes.tmux('paste-buffer', '-p', '-d', '-b', `script-${tag}`, '-t', 'script');
      };
      // The shell shows the pasted lines and runs them at the next Enter.
      paste(`cd /tmp\nrm -rf ${dir}`);
      await waitFor(
        () => p.screen().includes(`rm -rf ${dir}`),
        () => `the pasted lines:\n${p.screen()}`,
      );
      p.keys('Enter');
      await waitScreen(p, blockedLine(`no-rm-script-${tag}`));
      await run(p, 'true');
      // A blocked line inside the paste stops it there.
      paste(`rm -rf ${dir}\necho SCRIPT-RAN\n`);
      await waitFor(async () => (await risky(p.sessionId)).length === 2, 'the second match');
      await run(p, 'true');
      expect(existsSync(dir)).toBe(true);
      expect(p.screen()).not.toMatch(/^SCRIPT-RAN$/m);
      expect((await risky(p.sessionId)).map((r) => r.command)).toEqual([`rm -rf ${dir}`, `rm -rf ${dir}`]);
    });

    it('an interrupt rule blocks the command and drops the session', async () => {
      const word = `INTERRUPT-${tag}`;
      await addRule(`interrupt-${tag}`, word, 'interrupt');
      const p = await shell('interrupt');
      p.keys(`echo ${word}-$((1+1))`, 'Enter');
      const screen = await waitScreen(p, /SSH-EXIT=\d+/);
      expect(screen).toMatch(blockedLine(`interrupt-${tag}`));
      expect(screen).toMatch(new RegExp(`^${OPERATOR_MESSAGES.dropped}$`, 'm'));
      expect(screen).not.toContain(`${word}-2`);
      expect(screen).toContain('SSH-EXIT=255');
      await waitFor(
        async () => (await events(p.sessionId, 'Terminated')).length === 1,
        'the session to be finished',
      );
      const [row] = await bed.sql('SELECT status, error_message AS error FROM sessions WHERE id = ?', [
        p.sessionId,
      ]);
      expect(row).toEqual({ status: 'finished', error: `Dropped by policy (interrupt-${tag})` });
      expect((await events(p.sessionId, 'Terminated'))[0]!.note).toMatch(
        new RegExp(`^${escape(`Dropped by policy (interrupt-${tag})`)}`),
      );
      expect(await events(p.sessionId, 'Prohibited Event')).toHaveLength(1);
      expect((await risky(p.sessionId)).map((r) => r.action)).toEqual(['interrupt']);
    });

    it('an allow rule lets the command run and logs it', async () => {
      await addRule(`watch-uname-${tag}`, '^uname\\b', 'allow');
      const p = await shell('allow');
      await run(p, 'uname -s');
      expect(p.screen()).toMatch(/^Linux$/m);
      // An allowed command runs without waiting for its record, which lands just after.
      await waitFor(async () => (await risky(p.sessionId)).length > 0, 'the allowed command to be logged');
      const rows = await risky(p.sessionId);
      expect(rows.map((r) => [r.rule, r.action])).toEqual([[`watch-uname-${tag}`, 'allow']]);
      expect(rows[0]!.command).toMatch(/^uname -s; echo DONE-/);
      const observed = await events(p.sessionId, 'Observed Event');
      expect(observed).toHaveLength(1);
      expect(observed[0]!.note).toContain(`watch-uname-${tag}`);
    });

    it('a rule added with the CLI while the session runs applies to the next command, recalled with Up', async () => {
      const file = `/tmp/vigil-rules-${tag}-touched`;
      paths.push(file);
      const p = await shell('history');
      await run(p, `touch ${file}`);
      expect(existsSync(file)).toBe(true);
      rmSync(file);
      const name = `no-touch-${tag}`;
      const cli = await runGatewayCli([
        'rule',
        'add',
        name,
        '--pattern',
        `touch /tmp/vigil-rules-${tag}`,
        '--score',
        '40',
        '--criticality',
        'medium',
        '--action',
        'block',
        '--data',
        bed.dataDir,
      ]);
      expect(cli.code, cli.stderr).toBe(0);
      rules.push(name);
      p.keys('Up');
      await waitFor(
        () => p.screen().trimEnd().split('\n').at(-1)!.includes(`touch ${file}; echo DONE-`),
        () => `the recalled line:\n${p.screen()}`,
      );
      p.keys('Enter');
      await waitScreen(p, blockedLine(name));
      await run(p, 'true');
      expect(existsSync(file)).toBe(false);
      expect(await risky(p.sessionId)).toMatchObject([
        { rule: name, action: 'block', criticality: 'medium' },
      ]);
      expect((await risky(p.sessionId))[0]!.command).toContain(`touch ${file}; echo DONE-`);
    });

    it('matches what Tab completion shows, typed key by key or all at once', async () => {
      const file = `/tmp/vigil-rules-${tag}-complete-me`;
      writeFileSync(file, 'SECRET-CONTENT\n', { mode: 0o644 });
      paths.push(file);
      await addRule(`no-completed-${tag}`, 'complete-me', 'block');
      const p = await shell('complete');
      p.keys(`cat /tmp/vigil-rules-${tag}-comp`);
      p.keys('Tab');
      await waitFor(
        () => p.screen().includes(`cat ${file}`),
        () => `the completed line:\n${p.screen()}`,
      );
      p.keys('Enter');
      await waitScreen(p, blockedLine(`no-completed-${tag}`));
      // Keys, Tab and Enter in one write: the Enter waits until the completion is drawn.
      p.literal(`cat /tmp/vigil-rules-${tag}-comp\t\r`);
      await waitFor(async () => (await risky(p.sessionId)).length === 2, 'the second match');
      await run(p, 'true');
      expect(p.screen()).not.toContain('SECRET-CONTENT');
      expect((await risky(p.sessionId)).map((r) => r.command)).toEqual([`cat ${file}`, `cat ${file}`]);
    });

    it('never matches nor logs a password typed at a sudo prompt', async () => {
      const password = sshd.password;
      await addRule(`password-${tag}`, escape(password), 'block');
      await addRule(`sudo-seen-${tag}`, '^sudo -k', 'allow');
      const p = await shell('sudo');
      p.keys('sudo -k; sudo -p "PASSWORD-PROMPT: " true; echo SUDO-EXIT=$?', 'Enter');
      await waitScreen(p, /PASSWORD-PROMPT: $/m);
      p.keys(password, 'Enter');
      await waitScreen(p, /^SUDO-EXIT=\d+$/m);
      await run(p, 'true');
      expect(p.screen()).not.toMatch(blockedLine(`password-${tag}`));
      expect(p.screen()).not.toContain(password);
      expect((await risky(p.sessionId)).map((r) => r.rule)).toEqual([`sudo-seen-${tag}`]);
      expect((await typed(p.sessionId)).join('\n')).not.toContain(password);
      const notes = (await bed.store.events.forSession(p.sessionId)).map((e) => e.note);
      expect(notes.join('\n')).not.toContain(password);
    });

    it('does not match keys typed in a full-screen program (less)', async () => {
      const made = `/tmp/vigil-rules-${tag}-from-less`;
      paths.push(made, `${made}-after`);
      await addRule(`no-less-escape-${tag}`, `touch /tmp/vigil-rules-${tag}`, 'block');
      const p = await shell('less');
      p.keys('less /etc/passwd', 'Enter');
      await waitFor(
        () => p.screen().includes('root:'),
        () => `less to show the file:\n${p.screen()}`,
      );
      p.keys(`!touch ${made}`, 'Enter');
      await waitFor(() => existsSync(made), 'the shell escape of less to run');
      p.keys('Enter');
      p.keys('q');
      await run(p, 'true');
      expect(await risky(p.sessionId)).toEqual([]);
      expect(p.screen()).not.toMatch(blockedLine(`no-less-escape-${tag}`));
      // Back at the shell, the same rule applies again.
      p.keys(`touch ${made}-after`, 'Enter');
      await waitScreen(p, blockedLine(`no-less-escape-${tag}`));
      expect(existsSync(`${made}-after`)).toBe(false);
    });

    it('keeps lines typed ahead in order behind an Enter held for its echo', async () => {
      await addRule(`watch-order-${tag}`, '^echo ORDER', 'allow');
      const client = await connectOperator(bed.sshPort, `rita@${sshd.user}@${TARGET_NAME}`, {
        password: 'rita-password-1',
      });
      try {
        const term = await openShell(client);
        await term.waitFor(/\$ $/);
        // Two lines in one write, then the end of input: each Enter waits for its line's echo.
        term.send('echo ORDER-$((40+2))\rexit 3\r');
        term.channel.end();
        const closed = await term.closed;
        expect(term.stdout()).toMatch(/^ORDER-42\r?$/m);
        expect(closed.code).toBe(3);
        // The session does not wait for these records (its recording has them): they land just after.
        const sessionId = await lastSessionId();
        await waitFor(
          async () => (await risky(sessionId)).length > 0 && (await typed(sessionId)).length === 2,
          'the commands of the session to be logged',
        );
        expect((await risky(sessionId)).map((r) => r.command)).toEqual(['echo ORDER-$((40+2))']);
        expect(await typed(sessionId)).toEqual(['echo ORDER-$((40+2))', 'exit 3']);
      } finally {
        client.end();
      }
    });

    it('refuses `ssh host command` when a rule blocks the command', async () => {
      const dir = targetDir('exec');
      await addRule(`no-rm-exec-${tag}`, 'rm\\s+-rf', 'block');
      const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = execFile(
          'ssh',
          [...withKeyOptions(bed.sshPort, keyFile), target(), `rm -rf ${dir}`],
          { timeout: 20_000 },
          (err, _o, stderr) =>
            resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? -1), stderr }),
        );
        child.stdin!.end();
      });
      expect(result.stderr).toContain(commandBlockedMessage(`no-rm-exec-${tag}`));
      expect(result.code).toBe(1);
      expect(existsSync(dir)).toBe(true);
      const sessionId = await lastSessionId();
      expect(await risky(sessionId)).toMatchObject([{ action: 'block', command: `rm -rf ${dir}` }]);
      expect(await events(sessionId, 'Prohibited Event')).toHaveLength(1);
    });
  },
);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
