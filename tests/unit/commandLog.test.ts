import { describe, expect, it } from 'vitest';
import { CommandLog, type TypedCommand } from '../../src/gateway/ssh/commandLog';
import { AltScreenWatch, renderEchoedLine } from '../../src/gateway/ssh/terminalEcho';

const PROMPT = '\x1b[01;32madmin@web\x1b[00m:\x1b[01;34m~\x1b[00m$ ';

/** Drives a CommandLog the way a shell session does: each key, then the shell's echo of it. */
class Session {
  readonly log: CommandLog;
  readonly commands: TypedCommand[] = [];
  t = 0;

  constructor(options?: ConstructorParameters<typeof CommandLog>[0]) {
    this.log = new CommandLog(options);
    this.out(PROMPT);
  }

  /** Keys sent one by one; `echo(key)` is what the shell prints back for each. */
  keys(keys: string[], echo: (key: string) => string = (k) => k): this {
    for (const key of keys) {
      this.in(key);
      const shown = echo(key);
      if (shown) this.out(shown);
    }
    return this;
  }

  type(text: string): this {
    return this.keys([...text]);
  }

  in(data: string | Buffer): this {
    this.t += 120;
    this.commands.push(...this.log.input(Buffer.isBuffer(data) ? data : Buffer.from(data), this.t));
    return this;
  }

  out(data: string): this {
    this.t += 2;
    this.commands.push(...this.log.output(Buffer.from(data), this.t));
    return this;
  }

  /** Enter, the shell's newline, some command output and the next prompt. */
  enter(output = ''): this {
    return this.in('\r').out(`\r\n${output}${PROMPT}`);
  }

  get texts(): string[] {
    return this.commands.map((c) => c.command);
  }
}

const BS_ECHO = '\b\x1b[K';
const LEFT = '\x1b[D';
const RIGHT = '\x1b[C';

describe('CommandLog line editing', () => {
  it('logs a line typed key by key, with the time of Enter', () => {
    const s = new Session().type('ls -la').enter('total 0\r\n');
    expect(s.commands).toEqual([{ atMs: 6 * 122 + 120 + 2, command: 'ls -la' }]);
  });

  it('applies Backspace (DEL and ^H)', () => {
    const s = new Session()
      .keys(['l', 'x', '\x7f', 's', ' ', '-', 'q', '\b', 'l'], (k) =>
        k === '\x7f' || k === '\b' ? BS_ECHO : k,
      )
      .enter();
    expect(s.texts).toEqual(['ls -l']);
  });

  it('applies Ctrl-U, Ctrl-W, Ctrl-K and Alt-Backspace', () => {
    const s = new Session()
      .type('rm -rf /')
      .keys(['\x15'], () => '\r' + PROMPT + '\x1b[K')
      .type('echo ok')
      .enter()
      .type('git push origin')
      .keys(['\x17'], () => '\b'.repeat(6) + '\x1b[K')
      .type('main')
      .enter()
      .type('cat file.txt | grep x')
      .keys(['\x01', RIGHT, RIGHT, RIGHT, RIGHT, '\x0b'], () => '')
      .type('/etc/hosts')
      .enter()
      .type('ls /var/log/nginx')
      .keys(['\x1b\x7f'], () => '\b\b\b\b\b\x1b[K')
      .type('apt')
      .enter();
    expect(s.texts).toEqual(['echo ok', 'git push main', 'cat /etc/hosts', 'ls /var/log/apt']);
  });

  it('discards a line abandoned with Ctrl-C', () => {
    const s = new Session()
      .type('shutdown -h now')
      .keys(['\x03'], () => '^C\r\n' + PROMPT)
      .type('uptime')
      .enter();
    expect(s.texts).toEqual(['uptime']);
  });

  it('follows the cursor: arrows (CSI and SS3), Home/End, Delete, word motion', () => {
    const s = new Session()
      .type('echo wrld')
      .keys([LEFT, LEFT, LEFT], () => '\b')
      .keys(['o'], () => '\x1b[@o') // readline inserts with ICH...
      .enter()
      .type('ech hi')
      .keys(['\x1bOD', '\x1bOD', '\x1b[D'], () => '\b')
      .keys(['o'], () => 'o hi\b\b\b') // ...or redraws the rest of the line
      .enter()
      .type('xcat a')
      .keys(['\x1b[H'], () => '\b'.repeat(6))
      .keys(['\x1b[3~'], () => '\x1b[P')
      .keys(['\x1b[F'], () => '\x1b[5C')
      .type('b')
      .enter()
      .type('cp one two')
      .keys(['\x1b[1;5D', '\x1b[1;5D'], () => '\b\b\b\b')
      .keys(['x'], () => 'xone two\b\b\b\b\b\b\b')
      .enter();
    expect(s.texts).toEqual(['echo world', 'echo hi', 'cat ab', 'cp xone two']);
  });

  it('reassembles escape sequences and UTF-8 characters split across chunks', () => {
    const e = Buffer.from('é');
    const s = new Session().type('echo caf');
    s.in(e.subarray(0, 1)).in(e.subarray(1)).out('é');
    s.in('\x1b').in('[').in('D').out('\b').in('!').out('!é\b');
    s.enter();
    expect(s.texts).toEqual(['echo caf!é']);
  });

  it('takes a bracketed paste literally, one command per pasted line', () => {
    const s = new Session()
      .in('\x1b[200~cat /etc/passwd\x1b[201~')
      .out('cat /etc/passwd')
      .enter()
      .in('\x1b[200~cd /srv\rls -la\x1b[201~')
      .out('cd /srv\r\nls -la')
      .enter();
    expect(s.texts).toEqual(['cat /etc/passwd', 'cd /srv', 'ls -la']);
  });

  it('accepts \\r\\n and \\n as Enter, and ignores empty lines', () => {
    const s = new Session()
      .type('pwd')
      .in('\r\n')
      .out('\r\n/root\r\n' + PROMPT)
      .in('\r')
      .out('\r\n' + PROMPT);
    s.type('id').in('\n').out('\r\nuid=0(root)\r\n');
    expect(s.texts).toEqual(['pwd', 'id']);
  });
});

describe('CommandLog and the terminal echo', () => {
  it('takes a history recall or completion from what the shell echoed, flagged inexact', () => {
    const s = new Session()
      .keys(['\x1b[A'], () => 'systemctl restart nginx')
      .enter()
      .type('cat /etc/pas')
      .keys(['\t'], () => 'swd ')
      .enter()
      .type('ls -l /tmp/foo')
      .keys(['\x1b[A'], () => '\b'.repeat(14) + 'df -h\x1b[K')
      .enter();
    expect(s.commands.map(({ command, inexact }) => ({ command, inexact }))).toEqual([
      { command: 'systemctl restart nginx', inexact: true },
      { command: 'cat /etc/passwd', inexact: true },
      { command: 'df -h', inexact: true },
    ]);
  });

  it('never logs what is typed at a password prompt (echo off)', () => {
    const s = new Session().type('sudo -i').in('\r').out('\r\n[sudo] password for admin: ');
    s.keys([...'hunter2'], () => '')
      .in('\r')
      .out('\r\n');
    s.out('root@web:~# ');
    s.type('whoami').enter('root\r\n');
    s.in('\x1b[200~S3cret!\x1b[201~\r').out('\r\nSorry, try again.\r\n'); // pasted password
    s.t += 5000;
    s.out('\r\n' + PROMPT);
    expect(s.texts).toEqual(['sudo -i', 'whoami']);
    expect(s.texts.join(' ')).not.toMatch(/hunter2|S3cret/);
  });

  it('confirms a line typed ahead or pasted with Enter once its echo arrives', () => {
    const s = new Session().in('uname -a\r');
    expect(s.texts).toEqual([]);
    s.out('uname -a\r\nLinux web 6.1.0 x86_64 GNU/Linux\r\n' + PROMPT);
    expect(s.texts).toEqual(['uname -a']);
  });

  it('ignores keystrokes sent to full-screen programs (alternate screen)', () => {
    const s = new Session().type('vim notes.txt').enter();
    s.out('\x1b[?1049h\x1b[22;0;0t\x1b[?1h\x1b=\x1b[H\x1b[2J~\r\n~\r\n');
    s.type('ihello world')
      .keys(['\x1b'], () => '')
      .type(':wq')
      .in('\r')
      .out('\x1b[?1l\x1b>\x1b[?1049l');
    s.out(PROMPT).type('ls').enter('notes.txt\r\n');
    expect(s.texts).toEqual(['vim notes.txt', 'ls']);
  });

  it('logs without output when the echo check is off', () => {
    const log = new CommandLog({ requireEcho: false });
    expect(log.input(Buffer.from('ls\rpwd\r'), 5)).toEqual([
      { atMs: 5, command: 'ls' },
      { atMs: 5, command: 'pwd' },
    ]);
  });
});

describe('terminal echo helpers', () => {
  it('renders an echoed line with its edits', () => {
    expect(renderEchoedLine(Buffer.from('ls -l /tmp\b\b\b\x1b[Kvar'))).toBe('ls -l /var');
    expect(renderEchoedLine(Buffer.from('echo abc\x1b[2Dx\x1b[C!'))).toBe('echo axc!');
    expect(renderEchoedLine(Buffer.from('abcdef\x1b[3D\x1b[2P'))).toBe('abcf');
    expect(renderEchoedLine(Buffer.from('first\r\nsecond'))).toBe('second');
  });

  it('tracks the alternate screen across chunk boundaries', () => {
    const watch = new AltScreenWatch();
    expect(watch.observe(Buffer.from('text \x1b[?10'))).toBe(false);
    expect(watch.observe(Buffer.from('49h more'))).toBe(true);
    expect(watch.inAltScreen).toBe(true);
    watch.observe(Buffer.from('\x1b[?1h\x1b[?25l'));
    expect(watch.inAltScreen).toBe(true);
    watch.observe(Buffer.from('\x1b[?1049l'));
    expect(watch.inAltScreen).toBe(false);
    watch.observe(Buffer.from('\x1b[?47;1h'));
    expect(watch.inAltScreen).toBe(true);
  });
});
