import { describe, expect, it } from 'vitest';
import { ParseBudget, TerminalMirror } from '../../src/recording';
import { CommandLog } from '../../src/gateway/ssh/commandLog';
import { LineEditor, MAX_LINE_CHARS } from '../../src/gateway/ssh/lineEditor';
import { renderEchoedLine } from '../../src/gateway/ssh/terminalEcho';
import { waitFor } from '../support/wait';

const MB = 1024 * 1024;
const CHUNK = 32 * 1024; // about what one SSH data packet carries

/** CPU time of feeding `input` to a fresh editor in SSH-sized chunks (best of three). */
function editorCost(input: Buffer, feed: (chunk: Buffer) => void = () => undefined): number {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const editor = new LineEditor();
    const started = process.cpuUsage();
    for (let at = 0; at < input.length; at += CHUNK) {
      const chunk = input.subarray(at, at + CHUNK);
      editor.feed(chunk);
      feed(chunk);
    }
    const used = process.cpuUsage(started);
    best = Math.min(best, used.user + used.system);
  }
  return best;
}

const repeat = (text: string, bytes: number): string => text.repeat(Math.ceil(bytes / text.length));

describe('line editor: cost stays linear in the input', () => {
  // What ordinary typing costs: 2 MB of 63-character command lines.
  const baseline = editorCost(Buffer.from(repeat(`${'x'.repeat(62)} \r`, 2 * MB)));

  const attacks: [string, string][] = [
    ['1 MB, Ctrl-A, then 1 MB more', `${'a'.repeat(MB)}\x01${'b'.repeat(MB)}\r`],
    ['2 MB typed at the start of a line with Left', `${'a'.repeat(2000)}${repeat('\x1b[Db', 2 * MB)}\r`],
    ['word motion back and forth over a long word', `${'a'.repeat(8000)}${repeat('\x1bb\x1bf', 2 * MB)}\r`],
    ['deleting from the start of a long line', `${'a'.repeat(8000)}\x01${repeat('\x04a\x01', 2 * MB)}\r`],
    ['an escape sequence with 2 MB of parameters', `\x1b[${'1;'.repeat(MB)}C ls\r`],
    ['a 2 MB bracketed paste', `\x1b[200~${repeat('echo a\r', 2 * MB)}\x1b[201~\r`],
  ];
  it.each(attacks)('%s costs about what 2 MB of plain lines cost', (_name, text) => {
    const cost = editorCost(Buffer.from(text));
    expect(cost / baseline).toBeLessThan(4);
  });

  it('the whole command extraction stays linear too (pastes of many lines)', () => {
    const run = (text: string): number => {
      const log = new CommandLog();
      let t = 0;
      return editorCost(Buffer.from(text), (chunk) => {
        log.input(chunk, t++);
        log.output(chunk, t);
      });
    };
    const plain = run(repeat(`${'x'.repeat(62)} \r`, MB / 2));
    const pastes = run(repeat(`\x1b[200~${repeat('a\r', 8000)}\x1b[201~\r`, MB / 2));
    expect(pastes / plain).toBeLessThan(6);
  });

  it('looking for the echo of lines typed blind stays linear in the output, however it is cut', () => {
    const outputCost = (blindLines: number): number => {
      const log = new CommandLog({ echoGraceMs: 3_600_000 });
      log.input(Buffer.from(Array.from({ length: blindLines }, (_, i) => `blind-${i}\r`).join('')), 0);
      const output = Buffer.alloc(MB, 'x');
      const started = process.cpuUsage();
      for (let at = 0; at < output.length; at += 16) log.output(output.subarray(at, at + 16), 1);
      const used = process.cpuUsage(started);
      return used.user + used.system;
    };
    const baseline = Math.min(outputCost(0), outputCost(0));
    expect(Math.min(outputCost(64), outputCost(64)) / baseline).toBeLessThan(5);
  });

  it('caps the line and marks a longer one inexact; editing below the cap stays exact', () => {
    const editor = new LineEditor();
    const long = editor.feed(Buffer.from(`${'a'.repeat(MAX_LINE_CHARS + 1)}\r`));
    expect(long).toEqual([{ text: '', inexact: true }]);
    const normal = editor.feed(Buffer.from(`ls -l\x01\x1b[3~\x05 /tmp\x1bb\x1bb\x1bf\r`));
    expect(normal).toEqual([{ text: 's -l /tmp', inexact: false }]);
  });

  it('renders echoed lines without trusting huge cursor counts from the output', () => {
    expect(renderEchoedLine(Buffer.from('ab\x1b[999999999Cc\x1b[999999999@d'))).toBe('ab');
    expect(renderEchoedLine(Buffer.from('ab\x1b[D\x1b[999999999@c'))).toBe('ac');
  });
});

describe('live screen mirror', () => {
  /** The shared parse budget, failing its first turn (as a parser fault would). */
  class FailingOnce extends ParseBudget {
    failed = false;
    override async turn(): Promise<void> {
      if (!this.failed) {
        this.failed = true;
        throw new Error('parser fault');
      }
      return super.turn();
    }
  }

  it('reports a parsing failure instead of leaving it unhandled, and starts over from the next output', async () => {
    const errors: Error[] = [];
    const mirror = new TerminalMirror({
      cols: 20,
      rows: 5,
      budget: new FailingOnce(),
      onError: (e) => errors.push(e),
    });
    mirror.write(Buffer.from('lost'));
    await waitFor(() => errors.length === 1, 'the failure to be reported');
    expect(errors[0]!.message).toBe('parser fault');
    mirror.write(Buffer.from('hello'));
    const snapshot = await mirror.snapshot();
    expect(snapshot.screen).toContain('hello');
    expect(snapshot.approximate).toBe(true);
    mirror.dispose();
  });
});
