/**
 * A scripted, reproducible interactive SSH session (seeded PRNG): an administrator typing commands at
 * human speed with typos, reading their output, idling, running top and vim in the alternate screen
 * and answering a sudo password prompt. Used to measure recording size per hour.
 */
export type SessionEvent =
  { t: number; type: 'o' | 'i'; data: Buffer } | { t: number; type: 'r'; cols: number; rows: number };

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'nginx',
  'api',
  'worker',
  'cache',
  'db',
  'auth',
  'billing',
  'queue',
  'metrics',
  'backup',
  'deploy',
];
const USERS = ['root', 'www-data', 'postgres', 'deploy', 'syslog'];
const SERVICES = ['nginx', 'postgresql', 'redis-server', 'cron', 'ssh', 'docker'];

export function syntheticSession(durationMs: number, seed = 42): SessionEvent[] {
  const rnd = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const events: SessionEvent[] = [];
  let t = 0;
  let cwd = '~';
  const out = (text: string, after = 0): void => {
    t += after;
    events.push({ t, type: 'o', data: Buffer.from(text, 'utf8') });
  };
  const key = (text: string, echo = true): void => {
    t += int(70, 260);
    events.push({ t, type: 'i', data: Buffer.from(text) });
    if (echo) out(text, int(1, 4));
  };
  const prompt = (): void =>
    out(`\x1b[01;32madmin@web-prod-03\x1b[00m:\x1b[01;34m${cwd}\x1b[00m$ `, int(2, 15));
  const type = (command: string): void => {
    for (const ch of command) {
      if (rnd() < 0.03) {
        key(pick(['x', 'q', 'w', 'j']));
        t += int(200, 600);
        events.push({ t, type: 'i', data: Buffer.from([0x7f]) });
        out('\b\x1b[K', 2);
      }
      key(ch);
    }
    t += int(150, 900);
    events.push({ t, type: 'i', data: Buffer.from('\r') });
    out('\r\n', 2);
  };
  const lines = (count: number, make: (i: number) => string): void => {
    let chunk = '';
    for (let i = 0; i < count; i++) {
      chunk += make(i) + '\r\n';
      if (chunk.length > 1500) {
        out(chunk, int(1, 8));
        chunk = '';
      }
    }
    if (chunk) out(chunk, int(1, 8));
  };
  const date = (): string =>
    `2026-03-${String(int(1, 28)).padStart(2, '0')} ${int(10, 23)}:${int(10, 59)}:${int(10, 59)}`;
  const commands: (() => void)[] = [
    () => {
      type('ls -la');
      lines(int(8, 40), () => {
        const dir = rnd() < 0.3;
        const name = `${pick(WORDS)}${rnd() < 0.5 ? '-' + pick(WORDS) : ''}${dir ? '' : pick(['.conf', '.log', '.sh', '.yml', '.json'])}`;
        return `${dir ? 'd' : '-'}rw-r--r-- 1 ${pick(USERS)} ${pick(USERS)} ${String(int(100, 99999)).padStart(6)} Mar ${int(1, 28)} ${int(10, 23)}:${int(10, 59)} ${dir ? '\x1b[01;34m' + name + '\x1b[0m' : name}`;
      });
    },
    () => {
      const w = pick(WORDS);
      type(`cd /srv/${w}`);
      cwd = `/srv/${w}`;
    },
    () => {
      type(`tail -n 40 /var/log/${pick(WORDS)}.log`);
      lines(
        40,
        () =>
          `${date()} web-prod-03 ${pick(WORDS)}[${int(1000, 32000)}]: ${pick(['INFO', 'WARN', 'ERROR'])} request ${pick(['GET', 'POST'])} /${pick(WORDS)}/${int(1, 9999)} from 10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)} took ${int(1, 900)}ms`,
      );
    },
    () => {
      type('ps aux | grep -v grep | head -30');
      lines(
        30,
        () =>
          `${pick(USERS).padEnd(9)} ${String(int(1, 40000)).padStart(6)}  ${(rnd() * 5).toFixed(1)}  ${(rnd() * 3).toFixed(1)} ${int(10000, 900000)} ${int(1000, 90000)} ?        Ss   Mar${int(1, 28)}   ${int(0, 9)}:${String(int(0, 59)).padStart(2, '0')} /usr/sbin/${pick(SERVICES)} -c /etc/${pick(WORDS)}.conf`,
      );
    },
    () => {
      const s = pick(SERVICES);
      type(`systemctl status ${s}`);
      out(
        `\x1b[0;1;32m●\x1b[0m ${s}.service - ${s} daemon\r\n     Loaded: loaded (/lib/systemd/system/${s}.service; enabled)\r\n     Active: \x1b[0;1;32mactive (running)\x1b[0m since ${date()} UTC; ${int(1, 40)} days ago\r\n   Main PID: ${int(100, 9000)} (${s})\r\n`,
        int(20, 200),
      );
      lines(
        12,
        () =>
          `${date()} web-prod-03 ${s}[${int(100, 9000)}]: ${pick(['started', 'reloaded', 'accepted connection', 'worker exited'])} ${pick(WORDS)}`,
      );
    },
    () => {
      type(`cat /etc/${pick(WORDS)}/${pick(WORDS)}.conf`);
      lines(int(20, 90), () =>
        rnd() < 0.2
          ? `# ${pick(WORDS)} ${pick(WORDS)} settings`
          : `${'    '.repeat(int(0, 2))}${pick(WORDS)}_${pick(WORDS)} ${pick(['on', 'off', String(int(1, 4096)), pick(WORDS) + '.example.com'])};`,
      );
    },
    () => {
      type('df -h');
      lines(
        8,
        (i) =>
          `/dev/sda${i}       ${int(10, 500)}G  ${int(1, 400)}G  ${int(1, 100)}G  ${int(1, 99)}% /${pick(WORDS)}`,
      );
    },
    () => {
      type('git log --oneline -15');
      lines(
        15,
        () =>
          `\x1b[33m${Math.floor(rnd() * 0xfffffff)
            .toString(16)
            .padStart(
              7,
              '0',
            )}\x1b[m ${pick(['fix', 'add', 'update', 'remove'])} ${pick(WORDS)} ${pick(WORDS)} handling`,
      );
    },
    () => {
      type('top');
      out('\x1b[?1049h\x1b[?1h\x1b=\x1b[H\x1b[2J', 30);
      for (let frame = 0; frame < int(3, 8); frame++) {
        let screen = `\x1b[Htop - ${int(10, 23)}:${int(10, 59)}:${int(10, 59)} up ${int(1, 90)} days,  load average: ${rnd().toFixed(2)}, ${rnd().toFixed(2)}, ${rnd().toFixed(2)}\x1b[K\r\n`;
        for (let row = 0; row < 22; row++)
          screen += `${String(int(1, 40000)).padStart(7)} ${pick(USERS).padEnd(9)} 20   0 ${String(int(1e4, 9e5)).padStart(8)} ${(rnd() * 9).toFixed(1)} ${pick(SERVICES)}\x1b[K\r\n`;
        out(screen, frame === 0 ? 50 : 3000);
      }
      key('q', false);
      out('\x1b[?1l\x1b>\x1b[?1049l', 10);
    },
    () => {
      type(`sudo vim /etc/${pick(WORDS)}.conf`);
      out('[sudo] password for admin: ', 30);
      for (let i = 0; i < 12; i++) key('s', false);
      events.push({ t: (t += 300), type: 'i', data: Buffer.from('\r') });
      out('\r\n\x1b[?1049h\x1b[H\x1b[2J', 200);
      lines(23, (i) => (i < 15 ? `${pick(WORDS)} = ${int(1, 999)}` : '\x1b[94m~\x1b[0m'));
      for (let edit = 0; edit < int(3, 10); edit++) {
        out(`\x1b[${int(1, 15)};${int(1, 20)}H`, int(500, 3000));
        for (const ch of `${pick(WORDS)}`) key(ch);
      }
      for (const ch of '\x1b:wq\r') key(ch, false);
      out('\x1b[?1049l', 20);
    },
  ];
  out(`Linux web-prod-03 6.1.0-18-amd64 #1 SMP Debian x86_64\r\n\r\nLast login: ${date()} from 10.0.0.5\r\n`);
  prompt();
  while (t < durationMs) {
    pick(commands)();
    prompt();
    // Reading, thinking, switching windows: mostly seconds, sometimes minutes.
    t += rnd() < 0.1 ? int(60_000, 300_000) : int(2_000, 25_000);
  }
  return events.filter((e) => e.t <= durationMs);
}
