import { describe, expect, it } from 'vitest';
import { ParseBudget, TerminalMirror } from '../../src/recording';
import { HeadlessScreen } from '../../src/recording/headlessScreen';

/** What a late-joining viewer's terminal shows after writing the snapshot (then `more`). */
async function viewerScreen(
  snapshot: { screen: string; cols: number; rows: number },
  more = '',
): Promise<{ lines: string[]; cursor: { x: number; y: number } }> {
  const viewer = new HeadlessScreen(snapshot.cols, snapshot.rows);
  await viewer.write(snapshot.screen);
  if (more) await viewer.write(more);
  const result = { lines: viewer.lines(), cursor: viewer.cursor() };
  viewer.dispose();
  return result;
}

async function reference(cols: number, rows: number, output: string) {
  const screen = new HeadlessScreen(cols, rows);
  await screen.write(output);
  const result = { lines: screen.lines(), cursor: screen.cursor() };
  screen.dispose();
  return result;
}

describe('TerminalMirror', () => {
  it('gives a late joiner the current screen, exact at the snapshot position', async () => {
    const mirror = new TerminalMirror({ cols: 60, rows: 10 });
    let output = '';
    for (let i = 0; i < 40; i++) {
      const chunk = `\x1b[3${i % 8}mline ${i}\x1b[0m ${'·'.repeat(i % 20)}\r\n`;
      output += chunk;
      mirror.write(Buffer.from(chunk));
    }
    output += '\x1b[1;1Htop-left \x1b[5;20Hmiddle';
    mirror.write(Buffer.from('\x1b[1;1Htop-left \x1b[5;20Hmiddle'));
    const pending = mirror.snapshot();
    mirror.write(Buffer.from('\r\nwritten after the snapshot was asked for'));
    const snapshot = await pending;
    expect(snapshot.position).toBe(Buffer.byteLength(output));
    expect(snapshot.approximate).toBe(false);
    const shown = await viewerScreen(snapshot);
    const expected = await reference(60, 10, output);
    expect(shown).toEqual(expected);
    expect(shown.lines.join('\n')).toContain('middle');
    expect(shown.lines.join('\n')).not.toContain('written after');
    // The viewer continues with the live output after `position` and ends up where the mirror is.
    const later = await viewerScreen(snapshot, '\r\nwritten after the snapshot was asked for');
    expect(later).toEqual(await viewerScreen(await mirror.snapshot()));
    mirror.dispose();
  });

  it('follows resizes and the alternate screen', async () => {
    const mirror = new TerminalMirror({ cols: 80, rows: 24 });
    mirror.write(Buffer.from('shell prompt$ vim\r\n'));
    mirror.resize(100, 30);
    mirror.write(Buffer.from('\x1b[?1049h\x1b[H\x1b[2Jediting a file\x1b[30;1H-- INSERT --'));
    const snapshot = await mirror.snapshot();
    expect([snapshot.cols, snapshot.rows]).toEqual([100, 30]);
    const shown = await viewerScreen(snapshot);
    expect(shown.lines[0]).toBe('editing a file');
    expect(shown.lines[29]).toBe('-- INSERT --');
    mirror.dispose();
  });

  it('stays bounded when parsing falls behind, keeping the newest output', async () => {
    const starved = new ParseBudget({ share: 0.0001, busyShare: 0.0001, burstMs: 0 });
    const mirror = new TerminalMirror({
      cols: 80,
      rows: 5,
      maxBacklogBytes: 64 * 1024,
      keepOnOverflowBytes: 16 * 1024,
      budget: starved,
    });
    for (let i = 0; i < 20_000; i++) mirror.write(Buffer.from(`bulk output line ${i}\r\n`));
    expect(mirror.backlogBytes).toBeLessThanOrEqual(64 * 1024);
    const snapshot = await mirror.snapshot();
    expect(snapshot.approximate).toBe(true);
    expect(mirror.skippedBytes).toBeGreaterThan(0);
    const shown = await viewerScreen(snapshot);
    expect(shown.lines.slice(0, 4)).toEqual([
      'bulk output line 19996',
      'bulk output line 19997',
      'bulk output line 19998',
      'bulk output line 19999',
    ]);
    mirror.dispose();
  });

  it('rejects snapshots once disposed', async () => {
    const mirror = new TerminalMirror({ cols: 80, rows: 24 });
    mirror.dispose();
    await expect(mirror.snapshot()).rejects.toThrow(/disposed/);
  });
});

describe('ParseBudget', () => {
  it('shrinks its share while the event loop is saturated', async () => {
    let load = 0.2;
    let now = 0;
    const budget = new ParseBudget({ share: 0.2, busyShare: 0.01, now: () => now, loopLoad: () => load });
    now += 500;
    budget.spend(0);
    expect(budget.currentShare).toBeCloseTo(0.2);
    load = 0.97;
    now += 500;
    budget.spend(0);
    expect(budget.currentShare).toBeCloseTo(0.01);
    load = 0.75;
    now += 500;
    budget.spend(0);
    expect(budget.currentShare).toBeCloseTo(0.105);
  });

  it('makes parsing wait once its share is spent', async () => {
    const budget = new ParseBudget({ share: 0.5, burstMs: 10, loopLoad: () => 0 });
    // Within its share a turn only yields to the event loop: it comes long before a far timer,
    // however loaded the machine (an ordering, not a speed).
    const first = await Promise.race([
      budget.turn().then(() => 'turned'),
      new Promise((resolve) => setTimeout(() => resolve('waited'), 1_000)),
    ]);
    expect(first).toBe('turned');
    budget.spend(40); // 30 ms over: 60 ms at a 50% share
    const started = performance.now();
    await budget.turn();
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });
});
