import { describe, expect, it } from 'vitest';
import { TerminalMirror } from '../../src/recording';
import { HeadlessScreen } from '../../src/recording/headlessScreen';

/**
 * Output any target can print once the window shrank: the full-screen buffer, a cursor move past
 * the screen, then "erase above". @xterm/headless 6.0.0 kept the full-screen buffer at its first
 * size after a shrink and threw from its write timer (ending the process); the dependency is
 * patched (patches/), and these feed it through the components that run the emulator.
 */
const SHRINK = { cols: 61, rows: 21 };
const HOSTILE = '\x1b[?1049h\x1b[28;88H\x1b[1Jstill here';

describe('terminal output that tripped the emulator after a shrink', () => {
  it('a headless screen takes it and keeps drawing', async () => {
    const screen = new HeadlessScreen(80, 24);
    screen.resize(SHRINK.cols, SHRINK.rows);
    await screen.write(HOSTILE);
    await screen.write('\x1b[?1049l\r\nafter');
    expect(screen.serialize()).toContain('after');
  });

  it('the live mirror of a session gives a snapshot after it', async () => {
    const errors: Error[] = [];
    const mirror = new TerminalMirror({ cols: 80, rows: 24, onError: (err) => errors.push(err) });
    try {
      mirror.resize(SHRINK.cols, SHRINK.rows);
      mirror.write(Buffer.from(HOSTILE));
      const snapshot = await mirror.snapshot();
      expect(errors).toEqual([]);
      expect(snapshot).toMatchObject(SHRINK);
      expect(snapshot.screen).toContain('still here');
    } finally {
      mirror.dispose();
    }
  });
});
