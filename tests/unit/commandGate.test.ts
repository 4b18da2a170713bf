import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RuleAction } from '../../src/shared/rules';
import { compilePattern } from '../../src/gateway/rules/pattern';
import type { CompiledRule } from '../../src/gateway/rules/ruleBook';
import { CommandGate, type RuleMatch } from '../../src/gateway/ssh/commandGate';
import { CommandLog } from '../../src/gateway/ssh/commandLog';
import { TypedCommands } from '../../src/gateway/ssh/typedCommands';

const rule = (name: string, pattern: string, action: RuleAction): CompiledRule => ({
  name,
  pattern,
  score: 50,
  criticality: 'high',
  action,
  target: null,
  targetId: null,
  regex: compilePattern(pattern),
});

/**
 * A session's two streams through the gate: what the operator sends (`in`), what the shell prints
 * (`out`), what reached the target (`sent`), and what was logged or matched.
 */
class Terminal {
  sent = '';
  sends = 0;
  readonly logged: string[] = [];
  readonly matches: { rule: string; action: RuleAction; command: string; dropped: number }[] = [];
  rules: CompiledRule[] = [];
  ruleReads = 0;
  readonly commands = new TypedCommands((c) => this.logged.push(c.command));
  readonly gate = new CommandGate({
    commands: this.commands,
    rules: () => {
      this.ruleReads++;
      return this.rules;
    },
    send: (data) => {
      this.sends++;
      this.sent += data.toString('utf8');
      this.commands.input(data, Date.now());
    },
    matched: (m: RuleMatch, dropped) =>
      this.matches.push({ rule: m.rule.name, action: m.rule.action, command: m.command, dropped }),
    flowControl: () => undefined,
    graceMs: 1000,
    settleMs: 50,
    now: () => this.now(),
  });

  constructor(readonly now: () => number = () => Date.now()) {
    this.out('$ ');
  }

  in(text: string): this {
    this.gate.input(Buffer.from(text));
    return this;
  }

  out(text: string): this {
    this.commands.output(Buffer.from(text), Date.now());
    this.gate.output(Buffer.from(text));
    return this;
  }

  /** Keys one by one, each echoed by the shell. */
  type(text: string): this {
    for (const key of text) this.in(key).out(key);
    return this;
  }
}

describe('CommandGate', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('without rules, passes everything at once and looks only at chunks holding an Enter', () => {
    const t = new Terminal().type('rm -rf /srv');
    expect(t.ruleReads).toBe(0);
    t.in('\r');
    expect(t.sent).toBe('rm -rf /srv\r');
    expect(t.ruleReads).toBe(1);
    expect(t.matches).toEqual([]);
  });

  it('without rules, sends a chunk of many lines in one piece, as before', () => {
    const t = new Terminal();
    t.in('ls\rpwd\rwho');
    expect(t.sent).toBe('ls\rpwd\rwho');
    expect(t.sends).toBe(1);
  });

  it('checks every line of a long bracketed paste, over several turns, and stops at the one a rule blocks', async () => {
    let clock = 0;
    const t = new Terminal(() => (clock += 1)); // each look at the clock: 1 ms of work
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.out('\x1b[?2004h$ ');
    const lines = Array.from({ length: 500 }, (_, i) => (i === 400 ? 'rm -rf /srv' : `echo ${i}`));
    t.in(`\x1b[200~${lines.join('\r')}\r\x1b[201~`);
    expect(t.matches).toEqual([]);
    await vi.runAllTimersAsync();
    expect(t.matches.map((m) => m.command)).toEqual(['rm -rf /srv']);
    expect(t.sent).toBe(`\x1b[200~${lines.slice(0, 400).join('\r')}\rrm -rf /srv\x1b[201~\x05\x15`);
  });

  it('blocks a typed line at Enter: the target gets line editing instead, never the Enter', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.type('rm -rf /srv').in('\r');
    expect(t.sent).toBe('rm -rf /srv\x05\x15');
    expect(t.matches).toEqual([{ rule: 'no-rm', action: 'block', command: 'rm -rf /srv', dropped: 0 }]);
    t.type('ls').in('\r');
    expect(t.sent).toBe('rm -rf /srv\x05\x15ls\r');
    expect(t.logged).toEqual(['ls']);
  });

  it('holds a pasted Enter until the echo shows the line, and drops what was pasted behind it', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.in('rm -rf /srv\rls\r');
    expect(t.sent).toBe('rm -rf /srv');
    t.out('rm -rf /srv');
    expect(t.sent).toBe('rm -rf /srv\x05\x15');
    expect(t.matches).toEqual([{ rule: 'no-rm', action: 'block', command: 'rm -rf /srv', dropped: 3 }]);
  });

  it('lets allowed lines through in order, each after its echo, and logs them', () => {
    const t = new Terminal();
    t.rules = [rule('watch-ls', '^ls', 'allow')];
    t.in('ls\recho hi\r');
    expect(t.sent).toBe('ls');
    t.out('ls\r\n');
    expect(t.sent).toBe('ls\recho hi');
    t.out('file\r\n$ echo hi');
    expect(t.sent).toBe('ls\recho hi\r');
    expect(t.logged).toEqual(['ls', 'echo hi']);
    expect(t.matches).toEqual([{ rule: 'watch-ls', action: 'allow', command: 'ls', dropped: 0 }]);
  });

  it('lets a line typed with echo off (a password) go on unmatched once the grace passed', () => {
    const t = new Terminal();
    t.rules = [rule('password', 'hunter2', 'block')];
    t.out('[sudo] password for admin: ').in('hunter2\r');
    expect(t.sent).toBe('hunter2');
    vi.advanceTimersByTime(999);
    expect(t.sent).toBe('hunter2');
    vi.advanceTimersByTime(1);
    expect(t.sent).toBe('hunter2\r');
    // Typed key by key over longer than the grace, all without echo: nothing more to wait for.
    t.out('\r\n[sudo] password for admin: ');
    for (const key of 'hunter2') {
      t.in(key);
      vi.advanceTimersByTime(200);
    }
    t.in('\r');
    expect(t.sent).toBe('hunter2\rhunter2\r');
    expect(t.matches).toEqual([]);
    expect(t.logged).toEqual([]);
  });

  it('waits for the rest of an echo that started, counting from the last key', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.in('rm -rf');
    vi.advanceTimersByTime(900);
    t.out('rm -r');
    vi.advanceTimersByTime(300);
    t.in(' /srv\r');
    vi.advanceTimersByTime(900);
    expect(t.matches).toEqual([]);
    t.out('f /srv');
    expect(t.matches.map((m) => m.command)).toEqual(['rm -rf /srv']);
  });

  it('checks an Enter inside paste brackets the shell did not ask for', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.in('\x1b[200~rm -rf /srv\r\x1b[201~');
    t.out('rm -rf /srv');
    expect(t.sent).toBe('\x1b[200~rm -rf /srv\x05\x15');
    expect(t.matches.map((m) => m.command)).toEqual(['rm -rf /srv']);
  });

  it('takes an Enter inside a bracketed paste the shell asked for as text, and checks each pasted line', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.out('\x1b[?2004h$ ');
    t.in('\x1b[200~cd /\rrm -rf srv\x1b[201~');
    expect(t.sent).toBe('\x1b[200~cd /\rrm -rf srv\x1b[201~');
    t.in('\r');
    t.out('cd /\r\nrm -rf srv');
    expect(t.sent.endsWith('\x05\x15')).toBe(true);
    expect(t.matches.map((m) => m.command)).toEqual(['rm -rf srv']);
  });

  it('stops a pasted line at its own Enter when what asked for bracketed paste is no shell', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block'), rule('watch-ls', '^ls', 'allow')];
    t.out('\x1b[?2004h'); // printed by a program, say; `sh` then reads lines as they come
    t.in('\x1b[200~ls\r;rm -rf /srv\recho after\r\x1b[201~');
    expect(t.sent).toBe('\x1b[200~ls\r;rm -rf /srv\x1b[201~\x05\x15');
    expect(t.matches).toEqual([{ rule: 'no-rm', action: 'block', command: ';rm -rf /srv', dropped: 17 }]);
  });

  it('drops the rest of a stopped paste that arrives after the decision, up to its end', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.out('\x1b[?2004h$ ');
    t.in('\x1b[200~rm -rf /srv\r');
    expect(t.sent).toBe('\x1b[200~rm -rf /srv\x1b[201~\x05\x15');
    t.in('echo after\r').in('echo more\x1b[201~ls');
    expect(t.sent).toBe('\x1b[200~rm -rf /srv\x1b[201~\x05\x15ls');
  });

  it('treats Ctrl-J and Ctrl-O (operate-and-get-next) as Enter', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.type('rm -rf /srv').in('\x0f');
    t.type('rm -rf /opt').in('\n');
    expect(t.sent).toBe('rm -rf /srv\x05\x15rm -rf /opt\x05\x15');
    expect(t.matches).toHaveLength(2);
  });

  it('matches a line recalled from history as drawn, once the drawing settled', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.in('\x1b[A\r');
    expect(t.sent).toBe('\x1b[A');
    t.out('rm -rf');
    vi.advanceTimersByTime(20);
    t.out(' /srv');
    expect(t.matches).toEqual([]);
    vi.advanceTimersByTime(50);
    expect(t.matches.map((m) => m.command)).toEqual(['rm -rf /srv']);
    expect(t.sent).toBe('\x1b[A\x05\x15');
  });

  describe('a line longer than the gateway reads whole', () => {
    const padded = `echo start${' '.repeat(9000)}rm -rf /srv`;

    it('is blocked as line-too-long while a block rule applies: its unread tail could hold anything', () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
      t.in(`${padded}\r`);
      t.out(padded);
      expect(t.sent).toBe(padded);
      vi.advanceTimersByTime(50);
      expect(t.sent).toBe(`${padded}\x05\x15`);
      expect(t.matches).toEqual([
        { rule: 'line-too-long', action: 'block', command: 'echo start…', dropped: 0 },
      ]);
      // The line was cleared, not run: the next one is read and checked as usual.
      t.out('\r\n$ ').type('ls').in('\r');
      expect(t.sent).toBe(`${padded}\x05\x15ls\r`);
      expect(t.logged).toEqual(['ls']);
    });

    it('is ranked as any rule: an interrupt rule matching the part read is stricter', () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block'), rule('drop-echo', '^echo start', 'interrupt')];
      t.in(`${padded}\r`).out(padded);
      vi.advanceTimersByTime(50);
      expect(t.matches.map((m) => m.rule)).toEqual(['drop-echo']);
    });

    it('changes nothing when only allow rules apply, or none', () => {
      const allowed = new Terminal();
      allowed.rules = [rule('watch-echo', '^echo', 'allow')];
      allowed.in(`${padded}\r`).out(padded);
      vi.advanceTimersByTime(50);
      expect(allowed.sent).toBe(`${padded}\r`);
      expect(allowed.matches).toEqual([
        { rule: 'watch-echo', action: 'allow', command: 'echo start', dropped: 0 },
      ]);
      const none = new Terminal();
      none.in(`${padded}\r`);
      expect(none.sent).toBe(`${padded}\r`);
    });

    it('is blocked when only its echo tells it (recalled from history) and the row is too wide', () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
      t.in('\x1b[A\r').out(padded);
      vi.advanceTimersByTime(50);
      expect(t.matches.map((m) => [m.rule, m.command])).toEqual([['line-too-long', 'echo start…']]);
      expect(t.sent).toBe('\x1b[A\x05\x15');
    });

    it('stops a bracketed paste at its own pasted line that is too long', async () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
      t.out('\x1b[?2004h$ ');
      t.in(`\x1b[200~echo first\r${padded}\recho after\r\x1b[201~`);
      await vi.runAllTimersAsync();
      expect(t.matches.map((m) => [m.rule, m.command])).toEqual([['line-too-long', 'echo start…']]);
      expect(t.sent).toBe(`\x1b[200~echo first\r${padded}\x1b[201~\x05\x15`);
    });

    it('lets a line typed with echo off (a password) go on unmatched, however long', () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
      t.out('Password: ').in(`${'p'.repeat(9000)}\r`);
      vi.advanceTimersByTime(1000);
      expect(t.sent).toBe(`${'p'.repeat(9000)}\r`);
      expect(t.matches).toEqual([]);
      expect(t.logged).toEqual([]);
    });

    it('is not a long paste of many short lines: a heredoc past the echo kept runs', async () => {
      const t = new Terminal();
      t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
      t.out('\x1b[?2004h$ ');
      const config = Array.from({ length: 600 }, (_, i) => `option_${i} = "value number ${i} of the file"`);
      const lines = ["cat > /etc/app.conf <<'EOF'", ...config, 'EOF'];
      expect(lines.join('\n').length).toBeGreaterThan(16 * 1024);
      t.in(`\x1b[200~${lines.join('\r')}\x1b[201~`);
      await vi.runAllTimersAsync();
      expect(t.matches).toEqual([]);
      t.out(lines.join('\r\n'));
      t.in('\r');
      vi.advanceTimersByTime(50);
      expect(t.sent).toBe(`\x1b[200~${lines.join('\r')}\x1b[201~\r`);
      expect(t.matches).toEqual([]);
    });
  });

  it('never checks keys sent to a full-screen program', () => {
    const t = new Terminal();
    t.rules = [rule('no-rm', 'rm\\s+-rf', 'block')];
    t.out('\x1b[?1049h');
    t.in(':!rm -rf /srv\r');
    expect(t.sent).toBe(':!rm -rf /srv\r');
    expect(t.matches).toEqual([]);
  });
});

describe('CommandLog with lines typed ahead', () => {
  it('logs a line whose echo comes after the grace, in the chunk that ends it', () => {
    const log = new CommandLog({ echoGraceMs: 1000 });
    expect(log.input(Buffer.from('exit 0\r'), 0)).toEqual([]);
    expect(log.output(Buffer.from('exit 0\r\nlogout\r\n'), 5000).map((c) => c.command)).toEqual(['exit 0']);
  });

  it('logs at the end of the session a line whose echo arrived but was not looked at yet', () => {
    const log = new CommandLog();
    log.input(Buffer.from('exit 0\r'), 0);
    expect(log.output(Buffer.from('xxxxxxx'), 1)).toEqual([]);
    expect(log.output(Buffer.from('exit 0'), 2)).toEqual([]);
    expect(log.finish().map((c) => c.command)).toEqual(['exit 0']);
  });

  it('never logs at the end what was typed blind', () => {
    const log = new CommandLog();
    log.output(Buffer.from('Password: '), 0);
    log.input(Buffer.from('hunter2\r'), 1);
    log.output(Buffer.from('\r\nSorry.\r\n'), 2);
    expect(log.finish()).toEqual([]);
  });
});
