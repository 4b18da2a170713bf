import { describe, expect, test } from 'vitest';
import type { RecordEvent } from '../../src/recording';
import { extractText, type TextLine } from '../../src/recording/sessionText/extractor';

type Step = [t: number, out: string] | [t: number, resize: { cols: number; rows: number }];

function events(steps: readonly Step[]): RecordEvent[] {
  return steps.map(([t, x]) =>
    typeof x === 'string'
      ? { t, type: 'o' as const, data: Buffer.from(x, 'utf8') }
      : { t, type: 'r' as const, cols: x.cols, rows: x.rows },
  );
}

async function extract(steps: readonly Step[], cols = 40, rows = 5): Promise<TextLine[]> {
  const lines: TextLine[] = [];
  for await (const batch of extractText(events(steps), { cols, rows })) lines.push(...batch);
  return lines;
}
const texts = (lines: TextLine[]) => lines.map((l) => l.text);

describe('rendered text', () => {
  test('colours and other attributes leave no escape sequences', async () => {
    const lines = await extract([
      [0, '\x1b[01;32madmin@web\x1b[00m:\x1b[01;34m~\x1b[0m$ ls\r\n\x1b[1;4mbold\x1b[0m'],
    ]);
    expect(texts(lines)).toEqual(['admin@web:~$ ls', 'bold']);
  });

  test('a carriage return overwrites the line (progress bars)', async () => {
    const lines = await extract([
      [0, 'copy  10%'],
      [100, '\rcopy  55%'],
      [200, '\rcopy 100%\r\ndone\r\n'],
    ]);
    expect(texts(lines)).toEqual(['copy 100%', 'done']);
  });

  test('backspace and erase-to-end fix a typo', async () => {
    const lines = await extract([[0, '$ lx\b\x1b[Ks -la\r\n']]);
    expect(texts(lines)).toEqual(['$ ls -la']);
  });

  test('cursor moves write where they point', async () => {
    const lines = await extract([[0, 'aaaa\r\nbbbb\r\n\x1b[2A\x1b[3CX\x1b[2B\rcccc']]);
    expect(texts(lines)).toEqual(['aaaX', 'bbbb', 'cccc']);
  });

  test('a line wider than the terminal is one line, however many rows it wrapped to', async () => {
    const long = 'x'.repeat(25) + 'NEEDLE' + 'y'.repeat(40);
    const lines = await extract([[0, `$ echo\r\n${long}\r\nafter\r\n`]], 20, 4);
    expect(texts(lines)).toEqual(['$ echo', long, 'after']);
  });

  test('output without a pty: a bare line feed starts a new line', async () => {
    const lines: TextLine[] = [];
    const output: RecordEvent[] = [{ t: 0, type: 'o', data: Buffer.from('one\ntwo\nthree\n') }];
    for await (const batch of extractText(output, { cols: 40, rows: 5, pty: false })) lines.push(...batch);
    expect(texts(lines)).toEqual(['one', 'two', 'three']);
  });

  test('wide characters and accents', async () => {
    const lines = await extract([[0, 'Olá, 世界!\r\nação\r\n']]);
    expect(texts(lines)).toEqual(['Olá, 世界!', 'ação']);
  });

  test('what a clear erased stays in the text, then the new screen follows', async () => {
    const lines = await extract([
      [0, '$ ls\r\nfile-a\r\nfile-b\r\n$ clear\r\n'],
      [1000, '\x1b[H\x1b[2J\x1b[3J$ '],
      [2000, 'whoami\r\nroot\r\n$ '],
    ]);
    expect(texts(lines)).toEqual(['$ ls', 'file-a', 'file-b', '$ clear', '$ whoami', 'root', '$']);
    expect(lines[1]!.offsetMs).toBe(0);
    expect(lines[4]!.offsetMs).toBe(2000);
  });

  test('a full reset (ESC c) keeps what was shown before it', async () => {
    const lines = await extract([
      [0, 'before-reset\r\n'],
      [500, '\x1bcafter-reset\r\n'],
    ]);
    expect(texts(lines)).toEqual(['before-reset', 'after-reset']);
  });

  test('the alternate screen (vim, less, top) is not part of the text', async () => {
    const lines = await extract([
      [0, '$ vim notes\r\n'],
      [100, '\x1b[?1049h\x1b[H\x1b[2JSECRET-IN-VIM\r\n~\r\n~'],
      [200, '\x1b[3;1Hmore-vim'],
      [300, '\x1b[?1049l$ echo back\r\nback\r\n'],
    ]);
    expect(texts(lines)).toEqual(['$ vim notes', '$ echo back', 'back']);
  });

  test('empty lines between text stay; leading and trailing ones do not', async () => {
    const lines = await extract([[0, '\r\n\r\nfirst\r\n\r\n\r\nsecond   \r\n\r\n\r\n']]);
    expect(texts(lines)).toEqual(['first', '', '', 'second']);
  });

  test('after a resize, lines render at the new width', async () => {
    const long = 'z'.repeat(30);
    const lines = await extract([
      [0, 'narrow\r\n'],
      [100, { cols: 80, rows: 5 }],
      [200, `${long}\r\nwide\r\n`],
      [300, { cols: 10, rows: 3 }],
      [400, 'a1\r\na2\r\na3\r\na4\r\n'],
    ]);
    expect(texts(lines)).toEqual(['narrow', long, 'wide', 'a1', 'a2', 'a3', 'a4']);
  });

  test('many thousands of lines in one chunk: none dropped, in order', async () => {
    const count = 30_000;
    const body = Array.from({ length: count }, (_, i) => `line ${i}`).join('\r\n');
    const lines = await extract([[0, `${body}\r\n`]], 80, 24);
    expect(lines).toHaveLength(count);
    expect(lines.every((l, i) => l.text === `line ${i}`)).toBe(true);
  });

  test('the event loop gets turns while a big output is replayed', async () => {
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      const body = Array.from({ length: 50_000 }, (_, i) => `${'x'.repeat(70)} ${i}`).join('\r\n');
      const lines = await extract([[0, `${body}\r\n`]], 80, 24);
      expect(lines).toHaveLength(50_000);
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThan(1);
  });

  test('history is erased only after being read: 100k lines over many chunks', async () => {
    const steps: Step[] = [];
    for (let c = 0; c < 1000; c++) {
      steps.push([c, Array.from({ length: 100 }, (_, i) => `c${c} l${i}`).join('\r\n') + '\r\n']);
    }
    const lines = await extract(steps, 80, 24);
    expect(lines).toHaveLength(100_000);
    expect(lines[99_999]!.text).toBe('c999 l99');
    expect(lines[54_321]!.text).toBe('c543 l21');
    expect(lines[54_321]!.offsetMs).toBe(543);
  });
});

describe('times of lines', () => {
  test('each line carries the time it was last written', async () => {
    const lines = await extract([
      [1_000, '$ '],
      [2_000, 'uptime'],
      [2_500, '\r\n 10:00 up 3 days\r\n$ '],
      [9_000, 'date\r\n'],
      [9_100, 'Mon Jun  2\r\n$ '],
    ]);
    expect(lines.map((l) => [l.text, l.offsetMs])).toEqual([
      ['$ uptime', 2_500],
      [' 10:00 up 3 days', 2_500],
      ['$ date', 9_000],
      ['Mon Jun  2', 9_100],
      ['$', 9_100],
    ]);
  });

  test('a line rewritten later takes the later time', async () => {
    const lines = await extract([
      [0, 'copy  10%'],
      [5_000, '\rcopy 100%\r\n'],
      [6_000, 'next\r\n'],
    ]);
    expect(lines.map((l) => [l.text, l.offsetMs])).toEqual([
      ['copy 100%', 5_000],
      ['next', 6_000],
    ]);
  });

  test('input and markers are not output', async () => {
    const lines: TextLine[] = [];
    const recorded: RecordEvent[] = [
      { t: 0, type: 'i', data: Buffer.from('typed-secret') },
      { t: 1, type: 'm', kind: 'notice', note: 'marker' },
      { t: 2, type: 'o', data: Buffer.from('shown\r\n') },
    ];
    for await (const batch of extractText(recorded, { cols: 40, rows: 5 })) lines.push(...batch);
    expect(lines).toEqual([{ text: 'shown', offsetMs: 2 }]);
  });
});
