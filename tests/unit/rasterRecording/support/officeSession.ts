import { keyStroke, SCANCODES, typeText } from '../../../../src/gateway/rdp/scancodes';
import type { MarkerKind } from '../../../../src/recording/format';
import type { RasterInput } from '../../../../src/recording/raster/rasterFormat';
import type { BitmapRect } from '../../../../src/shared/rdp/framebuffer';
import { intBelow, prng } from '../../../support/prng';
import { OfficeScene, type WindowKind } from './officeScene';
import { serverRects, type ServerStyle } from './serverRects';

export type SessionStep =
  | { t: number; type: 'rects'; rects: BitmapRect[] }
  | { t: number; type: 'input'; input: RasterInput }
  | { t: number; type: 'resize'; width: number; height: number }
  | { t: number; type: 'marker'; kind: MarkerKind; note: string };

export interface OfficeSessionOptions {
  durationMs: number;
  seed: number;
  width?: number;
  height?: number;
  bpp?: 16 | 24;
  rawShare?: number;
  /** Weight of idle spells (nothing but the caret blinking and the clock) among the activities. */
  idleWeight?: number;
  /** Longest idle spell. */
  idleMaxMs?: number;
  /** From here on nobody works: the caret blinks and the clock ticks until the end. */
  activeUntilMs?: number;
  /** The screen changes size here (the server repaints it all). */
  resize?: { atMs: number; width: number; height: number };
  /** Text antialiased (a Linux desktop through xrdp) or not (Windows without font smoothing). */
  smoothText?: boolean;
  /** Input is blocked between these times (a supervisor's hold), with markers. */
  block?: { fromMs: number; toMs: number };
}

const CARET_BLINK_MS = 530;
const SERVER_DELAY_MS = 9;

/**
 * A scripted office session as an RDP target shows it: typing bursts in a document, commands at a
 * terminal, scrolling pages, windows opened, focused and closed, pointer moves and clicks, idle
 * spells with a blinking caret and a clock, each screen change sent as the server would (strips of
 * real RLE bitmaps of what was drawn). Steps come in time order; the same seed gives the same session.
 */
export function* officeSession(options: OfficeSessionOptions): Generator<SessionStep> {
  const random = prng(options.seed);
  const scene = new OfficeScene(
    options.width ?? 1024,
    options.height ?? 768,
    random,
    options.smoothText ?? true,
  );
  const style: ServerStyle = { bpp: options.bpp ?? 24, rawShare: options.rawShare ?? 0.03, random };
  const idleWeight = options.idleWeight ?? 0.06;
  const idleMaxMs = options.idleMaxMs ?? 120_000;
  let now = 0;
  let nextBlink = CARET_BLINK_MS;
  let nextClock = 60_000;
  let lastKeyMs = -Infinity;
  let pointer = { x: 512, y: 400 };
  const pending = [...(options.block ? [options.block.fromMs, options.block.toMs] : [])];
  let resize = options.resize;

  function* paint(): Generator<SessionStep> {
    const areas = scene.takeDirty();
    if (areas.length === 0) return;
    now += SERVER_DELAY_MS;
    const rects = areas.flatMap((area) => serverRects(scene.rgba(area), area, style));
    yield { t: now, type: 'rects', rects };
  }

  /** Lets time pass to `t`: the caret blinks, the clock ticks, a pending resize or hold happens. */
  function* until(t: number): Generator<SessionStep> {
    for (;;) {
      const next = Math.min(nextBlink, nextClock, resize?.atMs ?? Infinity, pending[0] ?? Infinity);
      if (next > t) break;
      now = Math.max(now, next);
      if (resize && next === resize.atMs) {
        yield { t: now, type: 'resize', width: resize.width, height: resize.height };
        scene.resize(resize.width, resize.height);
        resize = undefined;
      } else if (next === pending[0]) {
        pending.shift();
        const kind = pending.length % 2 === 1 ? 'block' : 'release';
        yield { t: now, type: 'marker', kind, note: kind === 'block' ? 'held by a supervisor' : '' };
        continue;
      } else if (next === nextClock) {
        scene.tickClock();
        nextClock += 60_000;
      } else {
        nextBlink += CARET_BLINK_MS;
        if (now - lastKeyMs > CARET_BLINK_MS) scene.blinkCaret();
      }
      yield* paint();
    }
    now = Math.max(now, t);
  }

  function* key(text: string): Generator<SessionStep> {
    for (const k of text === '\b' ? keyStroke(SCANCODES.backspace) : typeText(text)) {
      yield {
        t: now,
        type: 'input',
        input: { kind: 'key', code: k.code, down: k.down, extended: k.extended },
      };
      now += 1;
    }
    lastKeyMs = now;
  }

  function* moveTo(x: number, y: number): Generator<SessionStep> {
    const steps = 8 + intBelow(random, 25);
    const from = pointer;
    for (let i = 1; i <= steps; i++) {
      yield* until(now + 16);
      pointer = {
        x: Math.round(from.x + ((x - from.x) * i) / steps),
        y: Math.round(from.y + ((y - from.y) * i) / steps),
      };
      yield { t: now, type: 'input', input: { kind: 'pointer', ...pointer, button: 0, down: false } };
    }
  }

  function* click(): Generator<SessionStep> {
    yield { t: now, type: 'input', input: { kind: 'pointer', ...pointer, button: 1, down: true } };
    yield* until(now + 90);
    yield { t: now, type: 'input', input: { kind: 'pointer', ...pointer, button: 1, down: false } };
  }

  function* focus(kind: WindowKind): Generator<SessionStep> {
    if (scene.focused === kind) return;
    const target = scene.taskbarPoint(Math.min(scene.windowCount, 5));
    yield* moveTo(target.x, target.y);
    yield* click();
    scene.focus(kind);
    yield* paint();
  }

  function* typeBurst(text: string, kind: 'editor' | 'terminal'): Generator<SessionStep> {
    for (const ch of text) {
      yield* until(now + 150 + intBelow(random, 300) + (random() < 0.06 ? 1500 : 0));
      yield* key(ch);
      scene.type(ch);
      if (kind === 'editor' && random() < 0.03) {
        yield* key('\b');
        scene.type('\b');
      }
      yield* paint();
    }
  }

  yield* paint();
  while (now < options.durationMs) {
    if (now >= (options.activeUntilMs ?? Infinity)) {
      yield* until(options.durationMs);
      break;
    }
    const pick = random() * (1 + idleWeight);
    if (pick < 0.22) {
      yield* focus('editor');
      for (let words = 4 + intBelow(random, 22); words > 0; words--) {
        yield* typeBurst(`${WORDS[intBelow(random, WORDS.length)]} `, 'editor');
        if (random() < 0.08) {
          yield* key('\n');
          scene.enter();
          yield* paint();
        }
      }
    } else if (pick < 0.34) {
      yield* focus('terminal');
      yield* typeBurst(scene.command(), 'terminal');
      yield* until(now + 200);
      yield* key('\n');
      for (let chunk = intBelow(random, 4); chunk >= 0; chunk--) {
        scene.enter(2 + intBelow(random, 10));
        yield* paint();
        yield* until(now + 40);
      }
    } else if (pick < 0.54) {
      yield* focus((['browser', 'editor', 'files'] as const)[intBelow(random, 3)]!);
      const target = scene.focusPoint();
      yield* moveTo(target.x, target.y);
      const down = random() < 0.8;
      for (let step = 3 + intBelow(random, 10); step > 0; step--) {
        yield* until(now + 300 + intBelow(random, 900));
        yield {
          t: now,
          type: 'input',
          input: { kind: 'wheel', ...pointer, step: 120, negative: down, horizontal: false },
        };
        scene.scroll(down ? 3 : -3);
        yield* paint();
      }
    } else if (pick < 0.66) {
      const r = random();
      if (r < 0.3 && scene.windowCount < 5) {
        yield* moveTo(20, scene.height - 16);
        yield* click();
        scene.openWindow((['browser', 'files', 'editor'] as const)[intBelow(random, 3)]!);
      } else if (r < 0.45 && scene.windowCount > 2) {
        const p = scene.focusPoint();
        yield* moveTo(p.x + 200, p.y - 200);
        yield* click();
        scene.closeFocused();
      } else {
        const p = scene.taskbarPoint(intBelow(random, scene.windowCount));
        yield* moveTo(p.x, p.y);
        yield* click();
        scene.focusNext();
      }
      yield* paint();
    } else if (pick < 1) {
      yield* moveTo(intBelow(random, scene.width), intBelow(random, scene.height));
      yield* until(now + 3_000 + intBelow(random, 12_000));
    } else {
      yield* until(now + 20_000 + intBelow(random, idleMaxMs - 20_000));
    }
  }
}

const WORDS = ['report', 'budget', 'server', 'the', 'and', 'update', 'meeting', 'customer', 'of', 'backup'];
