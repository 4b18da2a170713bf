import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  appendFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  RecordingReader,
  RecordingWriter,
  sha256File,
  toAsciicast,
  type RecordEvent,
} from '../../src/recording';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import { FRAME_HEADER_BYTES, FrameType, MAGIC, parseFrameHeader } from '../../src/recording/format';
import { waitFor } from '../support/wait';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const nextPath = (): string => join(dir, `s${++fileNo}.vrec`);

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function allRecords(reader: RecordingReader, fromMs = 0): Promise<RecordEvent[]> {
  const out: RecordEvent[] = [];
  for await (const e of reader.records(fromMs)) out.push(e);
  return out;
}

/** Offsets of the frames of one type, walking the file's frame headers. */
function frameOffsets(file: Buffer, type: number): number[] {
  const offsets: number[] = [];
  for (let at = MAGIC.length; at < file.length;) {
    const frame = parseFrameHeader(file, at, at)!;
    if (frame.type === type) offsets.push(at);
    at += FRAME_HEADER_BYTES + frame.length;
  }
  return offsets;
}

/** The screen at `ms` rebuilt by replaying every event from the start (the reference). */
async function replayFromStart(
  reader: RecordingReader,
  ms: number,
): Promise<{ lines: string[]; cursor: object }> {
  const screen = new HeadlessScreen(reader.header.cols, reader.header.rows);
  let parsed = Promise.resolve();
  for await (const e of reader.records(0, ms)) {
    if (e.type === 'o') parsed = screen.write(e.data);
    else if (e.type === 'r') {
      await parsed;
      screen.resize(e.cols, e.rows);
    }
  }
  await parsed;
  const result = { lines: screen.lines(), cursor: screen.cursor() };
  screen.dispose();
  return result;
}

function shellLikeOutput(i: number): Buffer {
  const colour = 31 + (i % 7);
  return Buffer.from(
    `\x1b[1;32muser@host\x1b[0m:\x1b[34m~/w${i}\x1b[0m$ ls -la dir${i}\r\n` +
      `\x1b[${colour}mfile-${i}.txt\x1b[0m  ${'x'.repeat(i % 50)}  ção ✓ 漢字\r\n` +
      (i % 9 === 0 ? `\x1b[2J\x1b[H` : '') +
      (i % 13 === 0 ? `\x1b[5;10Hmoved\x1b[K` : ''),
  );
}

describe('RecordingWriter + RecordingReader', () => {
  it('round-trips output, input, resizes and markers byte for byte with their times', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'rt-1', cols: 100, rows: 30, now: clock.now });
    const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const euro = Buffer.from('€ and 😀', 'utf8');
    const expected: RecordEvent[] = [];
    const out = (t: number, data: Buffer): void => {
      clock.advance(t);
      writer.output(data);
      expected.push({ t: writer.elapsed(), type: 'o', data });
    };
    out(5, Buffer.from('hello\r\n'));
    out(10, allBytes);
    out(1, euro.subarray(0, 2)); // a character split across chunks
    out(1, euro.subarray(2));
    clock.advance(250);
    writer.input(Buffer.from('ls\r'));
    expected.push({ t: writer.elapsed(), type: 'i', data: Buffer.from('ls\r') });
    clock.advance(2);
    writer.resize(120, 40);
    expected.push({ t: writer.elapsed(), type: 'r', cols: 120, rows: 40 });
    await writer.flush(); // next events land in a second frame
    clock.advance(70_000);
    writer.marker('block', 'by auditor ana');
    expected.push({ t: writer.elapsed(), type: 'm', kind: 'block', note: 'by auditor ana' });
    out(3, randomBytes(50_000));
    const finished = await writer.close();

    expect(finished.size).toBe(statSync(path).size);
    expect(finished.sha256).toBe(await sha256File(path));
    const reader = await RecordingReader.open(path);
    expect(reader.complete).toBe(true);
    expect(reader.header).toMatchObject({ sessionId: 'rt-1', cols: 100, rows: 30, version: 1 });
    expect(reader.durationMs).toBe(finished.durationMs);
    const got = await allRecords(reader);
    expect(got).toEqual(expected);
    expect(await reader.markers()).toEqual([{ tMs: expected[6]!.t, kind: 'block', note: 'by auditor ana' }]);
    // Reading from a time skips what came before it.
    expect((await allRecords(reader, expected[6]!.t)).map((e) => e.type)).toEqual(['m', 'o']);
    await reader.close();
  });

  it('stores incompressible output without deflate and still reads it back exactly', async () => {
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'rnd', checkpoints: false });
    const chunks = Array.from({ length: 20 }, () => randomBytes(32 * 1024));
    for (const c of chunks) writer.output(c);
    await writer.close();
    const reader = await RecordingReader.open(path);
    expect(reader.segments.some((s) => !s.deflated)).toBe(true);
    const data = Buffer.concat(
      (await allRecords(reader)).map((e) => (e.type === 'o' ? e.data : Buffer.alloc(0))),
    );
    expect(data.equals(Buffer.concat(chunks))).toBe(true);
    expect(statSync(path).size).toBeLessThan(data.length * 1.01);
    await reader.close();
  });

  it('compresses typical terminal output well', async () => {
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'txt', checkpoints: false });
    let total = 0;
    for (let i = 0; i < 2000; i++) {
      const chunk = shellLikeOutput(i);
      total += chunk.length;
      writer.output(chunk);
    }
    await writer.close();
    expect(statSync(path).size).toBeLessThan(total / 5);
  });

  it('asks the source to pause above its high-water mark and emits drain once written', async () => {
    const path = nextPath();
    const writer = new RecordingWriter({
      path,
      sessionId: 'bp',
      highWaterMark: 256 * 1024,
      checkpoints: false,
    });
    const chunk = randomBytes(32 * 1024);
    let accepted = 0;
    while (writer.output(chunk)) accepted++;
    expect(accepted).toBeLessThan(8);
    await new Promise<void>((resolve) => writer.once('drain', () => resolve()));
    expect(writer.output(chunk)).toBe(true);
    const finished = await writer.close();
    expect(finished.size).toBeGreaterThan((accepted + 2) * chunk.length);
  });

  it('writes pending events within a second without close, readable while still open', async () => {
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'live' });
    const sizeAtStart = statSync(path).size;
    writer.output(Buffer.from('first line\r\n'));
    writer.input(Buffer.from('x'));
    await sleep(1100);
    expect(statSync(path).size).toBeGreaterThan(sizeAtStart);
    const reader = await RecordingReader.open(path);
    expect(reader.complete).toBe(false);
    expect((await allRecords(reader)).map((e) => e.type)).toEqual(['o', 'i']);
    await reader.close();
    await writer.close();
  });

  it('reads everything up to the last intact frame of a torn file', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'torn', now: clock.now, checkpoints: false });
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      writer.output(Buffer.from(`line ${i}\r\n`));
      await writer.flush();
    }
    const closedCleanly = await writer.close();
    const reference = await RecordingReader.open(path);
    const events = await allRecords(reference);
    await reference.close();

    // Killed before the index: drop index + trailer, then cut the last events frame in half.
    const torn = `${path}.torn`;
    copyFileSync(path, torn);
    const lastFrameStart = frameOffsets(readFileSync(path), FrameType.Events).at(-1)!;
    truncateSync(torn, lastFrameStart + 20);
    const reader = await RecordingReader.open(torn);
    expect(reader.complete).toBe(false);
    expect(await allRecords(reader)).toEqual(events.slice(0, -1));
    await reader.close();

    // A tail of garbage where a frame should be (e.g. zero-filled blocks after a power cut).
    const garbage = `${path}.garbage`;
    copyFileSync(torn, garbage);
    truncateSync(garbage, lastFrameStart);
    appendFileSync(garbage, Buffer.concat([Buffer.from([0x42, 0x01, 4, 0, 0, 0]), Buffer.alloc(12)]));
    const reader2 = await RecordingReader.open(garbage);
    expect(await allRecords(reader2)).toEqual(events.slice(0, -1));
    expect(reader2.durationMs).toBe(events[events.length - 2]!.t);
    await reader2.close();
    expect(closedCleanly.durationMs).toBeGreaterThanOrEqual(events[events.length - 1]!.t);
  });

  it('keeps every second written before the gateway process is SIGKILLed', async () => {
    const path = nextPath();
    const writerModule = new URL('../../src/recording/writer.ts', import.meta.url).pathname;
    const script = `
      import { RecordingWriter } from ${JSON.stringify(writerModule)};
      const w = new RecordingWriter({ path: ${JSON.stringify(path)}, sessionId: 'kill' });
      let i = 0;
      setInterval(() => { w.output(Buffer.from('tick ' + i + '\\r\\n')); process.stdout.write(i++ + '\\n'); }, 50);
    `;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let ticks = -1;
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().trim().split('\n')) ticks = Number(line);
    });
    await waitFor(() => ticks >= 50, 'fifty ticks written by the child');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lastPrinted = ticks;

    const reader = await RecordingReader.open(path);
    expect(reader.complete).toBe(false);
    const text = Buffer.concat(
      (await allRecords(reader)).map((e) => (e.type === 'o' ? e.data : Buffer.alloc(0))),
    ).toString();
    const written = [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    expect(written).toEqual(written.map((_, i) => i)); // in order, nothing missing
    // At 20 ticks per second, at most ~1 s (plus a little scheduling slack) may be lost.
    expect(lastPrinted - written[written.length - 1]!).toBeLessThanOrEqual(25);
    await reader.close();
  });

  it('exports valid asciicast v2', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'cast', cols: 90, rows: 20, now: clock.now });
    const text = Buffer.from('olá ✓\r\n');
    writer.output(text.subarray(0, 3)); // splits "á"
    clock.advance(1500);
    writer.output(text.subarray(3));
    writer.input(Buffer.from('q'));
    writer.resize(100, 30);
    writer.marker('drop', 'auditor');
    await writer.close();
    const reader = await RecordingReader.open(path);
    const lines = (await toAsciicast(reader)).trimEnd().split('\n');
    await reader.close();
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ version: 2, width: 90, height: 20, env: { TERM: 'xterm-256color' } });
    expect(typeof header.timestamp).toBe('number');
    const events = lines.slice(1).map((l) => JSON.parse(l) as [number, string, string]);
    for (const [time, code, data] of events) {
      expect(typeof time).toBe('number');
      expect(['o', 'i', 'r', 'm']).toContain(code);
      expect(typeof data).toBe('string');
    }
    expect(
      events
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join(''),
    ).toBe('olá ✓\r\n');
    expect(events.slice(-3)).toEqual([
      [1.5, 'i', 'q'],
      [1.5, 'r', '100x30'],
      [1.5, 'm', 'drop: auditor'],
    ]);
  });
});

describe('checkpoints and seeking', () => {
  it('rebuilds the same screen from a checkpoint as from replaying the whole session', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({
      path,
      sessionId: 'cp',
      cols: 80,
      rows: 24,
      now: clock.now,
      segmentMaxBytes: 8 * 1024,
      checkpointEveryMs: 5_000,
      checkpointEveryBytes: 6 * 1024,
    });
    for (let i = 0; i < 400; i++) {
      clock.advance(200);
      writer.output(shellLikeOutput(i));
      if (i === 150)
        writer.output(Buffer.from('\x1b[?1049h\x1b[H\x1b[2Jfull screen app\x1b[10;5Hstatus line'));
      if (i === 170) writer.output(Buffer.from('\x1b[?1049l'));
      if (i === 250) writer.resize(132, 43);
      if (i % 40 === 0) await writer.flush();
    }
    await writer.checkpointsSettled();
    const finished = await writer.close();
    expect(finished.checkpoints).toBeGreaterThan(5);

    const reader = await RecordingReader.open(path);
    expect(reader.checkpoints.length).toBe(finished.checkpoints);
    for (const at of [100, 10_000, 30_150, 34_000, 50_050, 60_000, 79_999, reader.durationMs]) {
      const state = await reader.stateAt(at);
      const reference = await replayFromStart(reader, at);
      expect({ at, lines: state.lines, cursor: state.cursor }).toEqual({ at, ...reference });
      if (at > 20_000) expect(state.checkpointMs).not.toBeNull();
    }
    await reader.close();
  });

  it('replays a bounded number of events when seeking near the end of a long recording', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({
      path,
      sessionId: 'long',
      now: clock.now,
      checkpointEveryMs: 30_000,
    });
    // Two hours of a busy session: a line of output per second, a keystroke every 3 seconds.
    for (let s = 0; s < 2 * 3600; s++) {
      clock.advance(1000);
      writer.output(shellLikeOutput(s));
      if (s % 3 === 0) writer.input(Buffer.from('k'));
      if (s % 60 === 0) await writer.flush();
    }
    await writer.checkpointsSettled();
    await writer.close();
    const reader = await RecordingReader.open(path);
    const total = (await allRecords(reader)).length;
    const state = await reader.stateAt(reader.durationMs - 500);
    expect(state.checkpointMs).not.toBeNull();
    expect(reader.durationMs - 500 - state.checkpointMs!).toBeLessThanOrEqual(31_000);
    // One segment of at most 30 s holds at most ~40 events; replaying from the start would be ~9600.
    expect(state.replayedEvents).toBeLessThanOrEqual(45);
    expect(total).toBeGreaterThan(9000);
    await reader.close();
  });

  it('finds checkpoints by scanning when the file was not closed', async () => {
    const clock = manualClock();
    const path = nextPath();
    const writer = new RecordingWriter({ path, sessionId: 'scan', now: clock.now, checkpointEveryMs: 2_000 });
    for (let i = 0; i < 100; i++) {
      clock.advance(500);
      writer.output(shellLikeOutput(i));
      await writer.flush();
    }
    await writer.checkpointsSettled();
    const copy = `${path}.open`;
    copyFileSync(path, copy); // as if the gateway died here
    await writer.close();
    const reader = await RecordingReader.open(copy);
    expect(reader.complete).toBe(false);
    expect(reader.checkpoints.length).toBeGreaterThan(10);
    const at = reader.durationMs - 100;
    const state = await reader.stateAt(at);
    expect(state.checkpointMs).not.toBeNull();
    expect(state.lines).toEqual((await replayFromStart(reader, at)).lines);
    await reader.close();
  });
});
