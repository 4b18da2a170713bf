import { describe, expect, it } from 'vitest';
import { TerminalMirror, type MirrorSnapshot } from '../../src/recording';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import { incompleteCharBytes, sequenceStart } from '../../src/recording/outputCut';

const COLS = 40;
const ROWS = 8;

/** Every cell of a terminal fed `parts` in order, as a viewer's xterm would show them. */
async function cellsOf(parts: (string | Uint8Array)[], cols = COLS, rows = ROWS) {
  const screen = new HeadlessScreen(cols, rows);
  for (const part of parts) if (part.length > 0) await screen.write(part);
  const shown = { cells: screen.cells(), cursor: screen.cursor() };
  screen.dispose();
  return shown;
}

/**
 * Feeds `before` to a mirror in the chunks given, asks for a snapshot, then feeds `after`; returns
 * the snapshot and what a late joiner shows (the snapshot, then the live output from its position)
 * next to what the session's own terminal shows.
 */
async function joinLate(before: (string | Buffer)[], after: (string | Buffer)[]) {
  const mirror = new TerminalMirror({ cols: COLS, rows: ROWS });
  const chunks = [...before, ...after].map((c) => (typeof c === 'string' ? Buffer.from(c) : c));
  for (const chunk of chunks.slice(0, before.length)) mirror.write(chunk);
  const pending = mirror.snapshot();
  for (const chunk of chunks.slice(before.length)) mirror.write(chunk);
  const snapshot: MirrorSnapshot = await pending;
  mirror.dispose();
  const all = Buffer.concat(chunks);
  return {
    snapshot,
    viewer: await cellsOf([snapshot.screen, all.subarray(snapshot.position)]),
    session: await cellsOf([all]),
  };
}

describe('a late joiner of a live session', () => {
  it('sees a colour whose escape sequence the output cut in two, not its tail as text', async () => {
    const { viewer, session, snapshot } = await joinLate(
      ['prompt$ ls\r\n', 'notes.txt \x1b[3'],
      ['1mred.txt\x1b[0m plain.txt\r\nprompt$ '],
    );
    expect(snapshot.approximate).toBe(false);
    expect(viewer).toEqual(session);
  });

  it('sees a window title and a cursor move cut inside their sequences', async () => {
    const { viewer, session } = await joinLate(
      ['\x1b]0;build on db-1\x07top\r\n', '\x1b]0;tail -f log', '\x1b[5;1'],
      ['0Hat row five\x07? no: \x1b\\', 'after the title'],
    );
    expect(viewer).toEqual(session);
  });

  it('sees a character whose UTF-8 bytes the output cut in two', async () => {
    const cafe = Buffer.from('café ✓ done');
    const cut = cafe.indexOf(0xc3) + 1;
    const { viewer, session, snapshot } = await joinLate(
      ['$ echo café\r\n', cafe.subarray(0, cut)],
      [cafe.subarray(cut), Buffer.from('\r\n$ ')],
    );
    expect(snapshot.position).toBe(Buffer.byteLength('$ echo café\r\n') + cut + 1);
    expect(viewer).toEqual(session);
  });

  it('waits for the rest of a cut character before answering', async () => {
    const mirror = new TerminalMirror({ cols: COLS, rows: ROWS });
    const check = Buffer.from('✓');
    mirror.write(Buffer.from('ok '));
    mirror.write(check.subarray(0, 1));
    let answered: MirrorSnapshot | null = null;
    const pending = mirror.snapshot().then((s) => (answered = s));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBeNull();
    mirror.write(check.subarray(1));
    await pending;
    expect(answered!.position).toBe(3 + check.length);
    expect((await cellsOf([answered!.screen])).cells).toEqual((await cellsOf(['ok ✓'])).cells);
    mirror.dispose();
  });

  it('a snapshot waiting for the rest of a character ends when the session does', async () => {
    const mirror = new TerminalMirror({ cols: COLS, rows: ROWS });
    mirror.write(Buffer.from('✓').subarray(0, 2));
    const pending = mirror.snapshot();
    mirror.dispose();
    await expect(pending).rejects.toThrow('disposed');
  });

  it('sees full-screen state the compact serializer loses: scroll region, coloured blanks, saved cursor', async () => {
    const { viewer, session } = await joinLate(
      [
        '\x1b[44m\x1b[2J\x1b[Hheader\x1b[0m\r\n',
        '\x1b[2;6r\x1b[2;1Hline a\r\nline b\x1b[43m\x1b[K\x1b[0m\r\n',
        '\x1b[8;1Hstatus bar\x1b7\x1b[3;1H',
      ],
      ['\x1b[6;1H\nscrolled 1\nscrolled 2\x1b8 saved', '\x1b[4mU\x1b[0m'],
    );
    expect(viewer).toEqual(session);
  });
});

describe('where output was cut', () => {
  it('finds the escape sequence left unfinished, also a C1 one', () => {
    expect(sequenceStart(Buffer.from('ab\x1b[1mcd\x1b[3'))).toBe(8);
    expect(sequenceStart(Buffer.from('ab\u009b3'))).toBe(2);
    expect(sequenceStart(Buffer.from('plain é'))).toBe(-1);
  });

  it('counts the bytes a cut UTF-8 character lacks', () => {
    const check = Buffer.from('✓');
    const face = Buffer.from('😀');
    expect(incompleteCharBytes(Buffer.from('abc'))).toBe(0);
    expect(incompleteCharBytes(check.subarray(0, 1))).toBe(2);
    expect(incompleteCharBytes(check.subarray(0, 2))).toBe(1);
    expect(incompleteCharBytes(check)).toBe(0);
    expect(incompleteCharBytes(face.subarray(0, 3))).toBe(1);
    expect(incompleteCharBytes(Buffer.alloc(0))).toBe(0);
  });
});
