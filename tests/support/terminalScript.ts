import type { MarkerKind } from '../../src/recording';
import { prng } from './prng';

export { prng };

export type Scripted =
  | { t: number; type: 'o'; data: Buffer }
  | { t: number; type: 'i'; data: Buffer }
  | { t: number; type: 'r'; cols: number; rows: number }
  | { t: number; type: 'm'; kind: MarkerKind; note: string };

/** Terminal output a shell and full-screen programs produce: colours, cursor moves, erases, clears. */
function randomTerminalPiece(rnd: () => number): string {
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const words = ['nginx', 'ção', '漢字', 'status', 'OK', '✓', 'error', 'db-01', 'load'];
  const pieces: (() => string)[] = [
    () => `${words[int(0, words.length - 1)]} `,
    () => `\x1b[${int(30, 37)}m`,
    () => `\x1b[38;5;${int(0, 255)}m`,
    () => `\x1b[48;2;${int(0, 255)};${int(0, 255)};${int(0, 255)}m`,
    () => ['\x1b[1m', '\x1b[4m', '\x1b[7m', '\x1b[3m', '\x1b[0m', '\x1b[22m'][int(0, 5)]!,
    () => '\t',
    () => '\r\n',
    () => '\r\n'.repeat(int(1, 30)),
    () => `\x1b[${int(1, 40)};${int(1, 100)}H`,
    () => `\x1b[${int(1, 5)}${'ABCD'[int(0, 3)]}`,
    () => `\x1b[${int(0, 2)}K`,
    () => `\x1b[${[0, 2][int(0, 1)]}J`,
    () => '\x1b[H\x1b[2J',
    () => 'x'.repeat(int(1, 200)),
    () => '\b\b\x1b[K',
  ];
  let out = '';
  for (let n = int(1, 12); n > 0; n--) out += pieces[int(0, pieces.length - 1)]!();
  return out;
}

/** A scripted session: output cut at arbitrary bytes (split UTF-8 and escape sequences), resizes, the alternate screen, markers and long silences. */
export function scriptedSession(seed: number, count: number): Scripted[] {
  const rnd = prng(seed);
  const events: Scripted[] = [];
  let t = 0;
  let pending = Buffer.alloc(0);
  let alternate = false;
  for (let i = 0; i < count; i++) {
    const r = rnd();
    t += r < 0.03 ? 6_000 + Math.floor(rnd() * 20_000) : Math.floor(rnd() * 400);
    if (r < 0.02) {
      // Not while a full-screen program runs: xterm keeps the rows a shrunk alternate screen
      // pushed out and shows them again when it grows, which no serialized screen can carry.
      if (!alternate)
        events.push({ t, type: 'r', cols: 40 + Math.floor(rnd() * 100), rows: 10 + Math.floor(rnd() * 40) });
    } else if (r < 0.03) {
      events.push({ t, type: 'm', kind: 'notice', note: `note ${i}` });
    } else if (r < 0.04) {
      alternate = rnd() < 0.5;
      const toggle = alternate ? '\x1b[?1049h\x1b[H\x1b[2Jtop - 10:00' : '\x1b[?1049l';
      events.push({ t, type: 'o', data: Buffer.concat([pending, Buffer.from(toggle)]) });
      pending = Buffer.alloc(0);
    } else if (r < 0.1) {
      events.push({ t, type: 'i', data: Buffer.from('ls\r') });
    } else {
      pending = Buffer.concat([pending, Buffer.from(randomTerminalPiece(rnd))]);
      const cut = Math.floor(rnd() * (pending.length + 1));
      events.push({ t, type: 'o', data: pending.subarray(0, cut) });
      pending = pending.subarray(cut);
    }
  }
  if (pending.length > 0) events.push({ t: t + 1, type: 'o', data: pending });
  return events.filter((e) => e.type !== 'o' || e.data.length > 0);
}
