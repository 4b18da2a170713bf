import { describe, expect, it } from 'vitest';
import { ACTIVITY_TEXT_HEADING, ActivityText, activityText } from '../../../src/gateway/rdp/activityText';
import { keyStroke, SCANCODES, typeText, type ScancodeEvent } from '../../../src/gateway/rdp/scancodes';
import type { RasterEvent, RasterInput } from '../../../src/recording/raster/rasterFormat';

/** Input events 10 ms apart from `startMs`. */
function input(startMs: number, inputs: RasterInput[]): RasterEvent[] {
  return inputs.map((e, i) => ({ t: startMs + i * 10, type: 'input', input: e }));
}

const keys = (events: ScancodeEvent[]): RasterInput[] => events.map((k) => ({ kind: 'key', ...k }));
const press = (code: number, extended = false) => keys(keyStroke(code, extended));
const hold = (code: number, extended: boolean, inner: RasterInput[]): RasterInput[] => [
  { kind: 'key', code, down: true, extended },
  ...inner,
  { kind: 'key', code, down: false, extended },
];

function textOf(events: RasterEvent[]): string[] {
  const text = new ActivityText();
  for (const e of events) text.add(e);
  return text.finish().map((l) => l.text);
}

describe('a remote desktop as text: keys pressed and clicks', () => {
  it('opens with what the lines are, and reads typed lines with Shift, Enter and Backspace', () => {
    const events = input(100, [
      ...keys(typeText('ecjo')),
      ...press(SCANCODES.backspace),
      ...press(SCANCODES.backspace),
      ...keys(typeText('ho "Hello, World!" | tr A-Z a-z\n')),
      ...keys(typeText('ls ~/tmp\n')),
    ]);
    expect(textOf(events)).toEqual([ACTIVITY_TEXT_HEADING, 'echo "Hello, World!" | tr A-Z a-z', 'ls ~/tmp']);
    expect(ACTIVITY_TEXT_HEADING).toContain("the target's layout may differ");
  });

  it('gives each line the session time of its first key', () => {
    const text = new ActivityText();
    for (const e of input(5_000, keys(typeText('id\n')))) text.add(e);
    for (const e of input(9_000, keys(typeText('w\n')))) text.add(e);
    expect(text.finish().map((l) => l.offsetMs)).toEqual([0, 5_000, 9_000]);
  });

  it('names shortcuts, keys that type nothing, and a Backspace it cannot take back', () => {
    const events = input(0, [
      ...keys(typeText('vi')),
      ...press(SCANCODES.tab),
      ...press(SCANCODES.backspace),
      ...press(0x48, true),
      ...hold(SCANCODES.leftControl, false, press(0x2e)),
      ...hold(SCANCODES.leftControl, false, hold(SCANCODES.leftShift, false, press(0x14))),
      ...hold(SCANCODES.leftAlt, false, press(0x3e)),
      ...press(SCANCODES.escape),
      ...press(0x53, true),
    ]);
    expect(textOf(events)[1]).toBe('vi<Tab><Backspace><Up><Ctrl+C><Ctrl+Shift+T><Alt+F4><Esc><Delete>');
  });

  it('reads Shift+Space and the keypad as the characters they type', () => {
    const events = input(0, [
      ...hold(SCANCODES.leftShift, false, press(SCANCODES.space)),
      ...press(0x4f),
      ...press(0x4e),
      ...press(0x50),
      ...press(0x35, true),
      ...press(SCANCODES.enter, true),
    ]);
    expect(textOf(events)[1]).toBe(' 1+2/');
  });

  it('reads letters through Caps Lock, and the lock key itself shows nothing', () => {
    const events = input(0, [
      ...press(0x3a),
      ...keys(typeText('abc')),
      ...press(0x3a),
      ...keys(typeText('d\n')),
    ]);
    expect(textOf(events)[1]).toBe('ABCd');
  });

  it('puts clicks, wheel turns and screen size changes on lines of their own', () => {
    const wheel = (negative: boolean): RasterInput => ({
      kind: 'wheel',
      x: 300,
      y: 200,
      step: 120,
      negative,
      horizontal: false,
    });
    const events: RasterEvent[] = [
      ...input(0, [
        ...keys(typeText('pass')),
        { kind: 'pointer', x: 12, y: 34, button: 0, down: false },
        { kind: 'pointer', x: 412, y: 230, button: 1, down: true },
        { kind: 'pointer', x: 412, y: 230, button: 1, down: false },
        ...keys(typeText('wd\n')),
        wheel(true),
        wheel(true),
        wheel(true),
        wheel(false),
        { kind: 'pointer', x: 5, y: 6, button: 2, down: true },
      ]),
      { t: 500, type: 'resize', width: 1024, height: 768 },
    ];
    expect(textOf(events).slice(1)).toEqual([
      'pass',
      '[left click at 412,230]',
      'wd',
      '[wheel down x3 at 300,200]',
      '[wheel up at 300,200]',
      '[right click at 5,6]',
      '[screen size 1024x768]',
    ]);
  });

  it('cuts a very long line typed without Enter, and skips screen updates', async () => {
    const long = 'a'.repeat(1200);
    const bitmap: RasterEvent = {
      t: 0,
      type: 'bitmap',
      rect: {
        x: 0,
        y: 0,
        width: 1,
        height: 1,
        right: 0,
        bottom: 0,
        bpp: 32,
        compressed: false,
        data: new Uint8Array(4),
      },
    };
    async function* events(): AsyncGenerator<RasterEvent> {
      yield bitmap;
      yield* input(1, keys(typeText(long)));
    }
    const lines: string[] = [];
    for await (const batch of activityText(events())) lines.push(...batch.map((l) => l.text));
    expect(lines.slice(1)).toEqual(['a'.repeat(500), 'a'.repeat(500), 'a'.repeat(200)]);
  });
});
