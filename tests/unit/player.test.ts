import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParseBudget, RecordingPlayer, RecordingReader, RecordingWriter } from '../../src/recording';
import { TRAILER_BYTES } from '../../src/recording/format';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import { prng, scriptedSession, type Scripted } from '../support/terminalScript';

const dir = mkdtempSync(join(tmpdir(), 'vigil-player-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const nextPath = (): string => join(dir, `p${++fileNo}.vrec`);

/** Records `events` with the real writer (small segments and frequent checkpoints, so seeks use them). */
async function record(path: string, events: Scripted[], cols = 80, rows = 24): Promise<void> {
  let now = 0;
  const writer = new RecordingWriter({
    path,
    sessionId: 'player',
    cols,
    rows,
    now: () => now,
    segmentMaxBytes: 16 * 1024,
    checkpointEveryMs: 20_000,
    checkpointEveryBytes: 8 * 1024,
    // Checkpoints as fast as the machine goes: the test waits for them anyway.
    budget: new ParseBudget({ share: 1, busyShare: 1 }),
  });
  for (const [i, e] of events.entries()) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
    else writer.marker(e.kind, e.note);
    if (i % 50 === 0) await writer.flush();
  }
  await writer.checkpointsSettled();
  await writer.close();
}

interface Reference {
  /** False when the output so far ends inside an escape sequence or a UTF-8 character. */
  between: boolean;
  cells: string[];
  cursor: { x: number; y: number };
  cols: number;
  rows: number;
}

/** The reference: one terminal fed every event from the very start, read at each of `times`. */
async function fullReplay(events: Scripted[], times: number[], cols: number, rows: number) {
  const screen = new HeadlessScreen(cols, rows);
  const states = new Map<number, Reference>();
  const read = (at: number) =>
    states.set(at, {
      between: screen.betweenSequences(),
      cells: screen.cells(),
      cursor: screen.cursor(),
      cols: screen.cols,
      rows: screen.rows,
    });
  const pending = [...new Set(times)].sort((x, y) => x - y);
  for (const e of events) {
    while (pending.length > 0 && pending[0]! < e.t) read(pending.shift()!);
    if (e.type === 'o') await screen.write(e.data);
    else if (e.type === 'r') screen.resize(e.cols, e.rows);
  }
  for (const at of pending) read(at);
  screen.dispose();
  return states;
}

/** The first row and cell where two screens differ, or null. */
function firstDifference(shown: string[], reference: string[]): string | null {
  const y = shown.findIndex((row, i) => row !== reference[i]);
  if (y < 0) return shown.length === reference.length ? null : 'screen sizes differ';
  const cellsA = shown[y]!.split(';');
  const cellsB = reference[y]!.split(';');
  const x = cellsA.findIndex((cell, i) => cell !== cellsB[i]);
  return `row ${y - 1}, cell ${x}: shown ${cellsA[x]} expected ${cellsB[x]}`;
}

describe('RecordingPlayer', () => {
  it('shows at any time the same screen as a full replay up to that time', async () => {
    const events = scriptedSession(7, 3_000);
    const path = nextPath();
    await record(path, events);
    const reader = await RecordingReader.open(path);
    expect(reader.checkpoints.length).toBeGreaterThan(20);
    expect(reader.segments.length).toBeGreaterThan(3);
    await reader.close();

    const player = await RecordingPlayer.open(path);
    const rnd = prng(99);
    const times = [
      0,
      player.durationMs,
      ...Array.from({ length: 60 }, () => Math.floor(rnd() * player.durationMs)),
    ];
    // Exactly at event times and just before them: the edges of "t <= T".
    for (const e of events.filter((_, i) => i % 400 === 0)) times.push(e.t, e.t - 1);
    // Playing on from each time: the screen, then the output pages up to a later time.
    const later = (at: number) => {
      const next = events.findIndex((e) => e.t > at);
      return next < 0 ? player.durationMs : events[Math.min(events.length - 1, next + 30)]!.t;
    };
    const references = await fullReplay(events, [...times, ...times.map(later)], 80, 24);
    let cutSequences = 0;
    for (const at of times) {
      const shown = await player.screenAt(at);
      const reference = references.get(at)!;
      // What a viewer sees: the serialized screen written into a fresh terminal of its size.
      const viewer = new HeadlessScreen(shown.cols, shown.rows);
      await viewer.write(shown.screen);
      if (reference.between) {
        expect(shown.eventsCursor).toBeNull();
        expect({ at, cols: shown.cols, rows: shown.rows, cursor: shown.cursor }).toEqual({
          at,
          cols: reference.cols,
          rows: reference.rows,
          cursor: reference.cursor,
        });
        expect(firstDifference(viewer.cells(), reference.cells), `screen at ${at} ms`).toBeNull();
        expect(viewer.cursor()).toEqual(reference.cursor);
      } else {
        // The output cut a sequence at `at`: the screen holds its end, the events go on after it.
        expect(shown.eventsCursor).not.toBeNull();
        cutSequences++;
      }
      const until = later(at);
      let cursor = shown.eventsCursor;
      do {
        const page = await player.events(at, until, cursor);
        for (const e of page.events) {
          if (e.type === 'output') await viewer.write(e.data);
          else viewer.resize(e.cols, e.rows);
        }
        cursor = page.next;
      } while (cursor !== null);
      const then = references.get(until)!;
      expect(firstDifference(viewer.cells(), then.cells), `played from ${at} to ${until} ms`).toBeNull();
      expect(viewer.cursor()).toEqual(then.cursor);
      viewer.dispose();
    }
    expect(cutSequences).toBeGreaterThan(0);
    await player.close();
  }, 120_000);

  // A finished file carries its timeline in the index (output per second); a file cut short by a
  // crash has no index and is scanned event by event. Both must tell the recorded truth.
  for (const kind of ['finished', 'cut short'] as const) {
    it(`gives markers, activity and idle gaps that match what was recorded (${kind} file)`, async () => {
      const events = scriptedSession(11, 1_500);
      const path = nextPath();
      await record(path, events);
      if (kind === 'cut short') truncateSync(path, statSync(path).size - TRAILER_BYTES);
      const reader = await RecordingReader.open(path);
      expect(reader.complete).toBe(kind === 'finished');
      await reader.close();
      const player = await RecordingPlayer.open(path, { buckets: 100 });
      const { markers, activity, idleGaps, outputBytes } = player.overview;

      const recordedMarkers = events.flatMap((e) =>
        e.type === 'm' ? [{ tMs: e.t, kind: e.kind, note: e.note }] : [],
      );
      expect(recordedMarkers.length).toBeGreaterThan(5);
      expect(markers).toEqual(recordedMarkers);

      const output = events.flatMap((e) => (e.type === 'o' ? [e] : []));
      const totalOutput = output.reduce((n, e) => n + e.data.length, 0);
      expect(outputBytes).toBe(totalOutput);
      expect(activity).toHaveLength(100);
      expect(activity.reduce((a, b) => a + b, 0)).toBe(totalOutput);
      // The index counts output per second: a second is in the bucket where it starts.
      const bucketMs = player.durationMs / 100;
      expect(bucketMs).toBeGreaterThan(1_000);
      const expected = new Array<number>(100).fill(0);
      const timeOf = (t: number) => (kind === 'finished' ? Math.floor(t / 1000) * 1000 : t);
      for (const e of output) expected[Math.min(99, Math.floor(timeOf(e.t) / bucketMs))]! += e.data.length;
      expect(activity).toEqual(expected);

      // A gap is a silence of the screen (no output, no resize) longer than 5 s; nothing else is one.
      const visible = events.filter((e) => e.type === 'o' || e.type === 'r').map((e) => e.t);
      const silences: { fromMs: number; toMs: number }[] = [];
      let last = 0;
      for (const t of [...visible, player.durationMs]) {
        if (t - last > 5_000) silences.push({ fromMs: last, toMs: t });
        last = Math.max(last, t);
      }
      expect(silences.length).toBeGreaterThan(5);
      expect(idleGaps).toEqual(silences);
      for (const gap of idleGaps)
        expect(
          visible.some((t) => t > gap.fromMs && t < gap.toMs),
          `output inside ${gap.fromMs}..${gap.toMs}`,
        ).toBe(false);
      await player.close();
    });
  }

  it('pages the output after a time, bounded, without losing or repeating a byte', async () => {
    const events = scriptedSession(5, 2_000);
    const big = Buffer.from('B'.repeat(700_000));
    const at = events[1_000]!.t;
    events.splice(1_001, 0, { t: at, type: 'o', data: big });
    const path = nextPath();
    await record(path, events);
    const player = await RecordingPlayer.open(path);
    const fromMs = events[300]!.t;
    const toMs = events[1_800]!.t;
    const expected = events.filter((e) => (e.type === 'o' || e.type === 'r') && e.t > fromMs && e.t <= toMs);

    const got: { t: number; type: string; data?: Buffer }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await player.events(fromMs, toMs, cursor, 64 * 1024);
      const bytes = page.events.reduce((n, e) => n + (e.type === 'output' ? e.data.length : 0), 0);
      expect(bytes).toBeLessThanOrEqual(64 * 1024);
      // A cursor with a byte offset means the page split an event: its rest opens the next page.
      const continues = cursor !== null && !cursor.endsWith('.0');
      for (const [i, e] of page.events.entries()) {
        const last = got[got.length - 1];
        if (i === 0 && continues && e.type === 'output' && last?.data)
          last.data = Buffer.concat([last.data, e.data]);
        else
          got.push(e.type === 'output' ? { t: e.atMs, type: 'o', data: e.data } : { t: e.atMs, type: 'r' });
      }
      cursor = page.next;
      pages++;
    } while (cursor !== null);
    expect(pages).toBeGreaterThan(11);
    expect(got.map((e) => e.t)).toEqual(expected.map((e) => e.t));
    expect(Buffer.concat(got.flatMap((e) => (e.data ? [e.data] : [])))).toEqual(
      Buffer.concat(expected.flatMap((e) => (e.type === 'o' ? [e.data] : []))),
    );
    await expect(player.events(0, 1, 'not-a-cursor')).rejects.toThrow(/cursor/);
    await player.close();
  });

  it('finds rendered text and the time it was shown', async () => {
    const path = nextPath();
    const events: Scripted[] = [
      { t: 100, type: 'o', data: Buffer.from('$ ls\r\nalpha.txt\r\n') },
      { t: 2_000, type: 'o', data: Buffer.from('$ cat secret') },
      { t: 2_500, type: 'o', data: Buffer.from('s.conf\r\nPassword=\x1b[31mHUNTER2\x1b[0m\r\n') },
      { t: 9_000, type: 'o', data: Buffer.from('$ echo done\r\ndone\r\n') },
    ];
    await record(path, events);
    const player = await RecordingPlayer.open(path);
    expect(await player.search('SECRETS.conf')).toEqual({
      hits: [{ atMs: 2_500, text: '$ cat secrets.conf' }],
      total: 1,
    });
    expect(await player.search('hunter2')).toEqual({
      hits: [{ atMs: 2_500, text: 'Password=HUNTER2' }],
      total: 1,
    });
    const dollar = await player.search('$', 2);
    expect(dollar.total).toBe(3);
    expect(dollar.hits.map((h) => h.atMs)).toEqual([100, 2_500]);
    expect(await player.search('nowhere')).toEqual({ hits: [], total: 0 });
    await player.close();
  });
});
