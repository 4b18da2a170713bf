import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingReader, RecordingWriter } from '../../src/recording';
import { FRAME_MS, frameSchedule, type ScheduledFrame } from '../../src/recording/video/frameSchedule';
import { concatList } from '../../src/recording/video/mp4';

const dir = mkdtempSync(join(tmpdir(), 'vigil-video-schedule-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

type Step = { atMs: number; output?: string; input?: string; resize?: [number, number] };

async function framesOf(steps: Step[], endMs: number): Promise<ScheduledFrame[]> {
  const path = join(dir, `s${++fileNo}.vrec`);
  let now = 0;
  const writer = new RecordingWriter({ path, sessionId: 'schedule', cols: 20, rows: 5, now: () => now });
  for (const step of steps) {
    now = step.atMs;
    if (step.output !== undefined) writer.output(Buffer.from(step.output));
    if (step.input !== undefined) writer.input(Buffer.from(step.input));
    if (step.resize) writer.resize(...step.resize);
  }
  now = endMs;
  await writer.close();
  const reader = await RecordingReader.open(path);
  try {
    const frames: ScheduledFrame[] = [];
    for await (const frame of frameSchedule(reader)) frames.push(frame);
    return frames;
  } finally {
    await reader.close();
  }
}

const firstLine = (frame: ScheduledFrame) =>
  frame.grid.cells[0]!.map((c) => c?.text || ' ')
    .join('')
    .trimEnd();

describe('video frame schedule', () => {
  it('makes one frame per screen change, later changes shown from the next 40 ms tick', async () => {
    const frames = await framesOf(
      [
        { atMs: 0, output: '$ ' },
        { atMs: 1000, output: 'l' },
        { atMs: 1010, output: 's' },
        { atMs: 1030, output: ' -l' },
        { atMs: 5000, output: 'x' },
      ],
      9000,
    );
    expect(frames.map((f) => [f.startMs, firstLine(f)])).toEqual([
      [0, '$'],
      [1000, '$ l'],
      [1040, '$ ls -l'],
      [5000, '$ ls -lx'],
    ]);
    for (const frame of frames) expect(frame.startMs % FRAME_MS).toBe(0);
  });

  it('makes no frame for input, or for output that leaves the picture as it was', async () => {
    const frames = await framesOf(
      [
        { atMs: 0, output: 'hello' },
        { atMs: 2000, input: 'secret' },
        { atMs: 3000, output: '\x1b[1;1H\x1b[1;6H' },
        { atMs: 4000, output: '\x1b[m' },
      ],
      6000,
    );
    expect(frames.map((f) => f.startMs)).toEqual([0]);
  });

  it('follows the recorded terminal size', async () => {
    const frames = await framesOf(
      [
        { atMs: 0, output: 'small' },
        { atMs: 2000, resize: [30, 8] },
      ],
      4000,
    );
    expect(frames.map((f) => [f.startMs, f.grid.cols, f.grid.rows])).toEqual([
      [0, 20, 5],
      [2000, 30, 8],
    ]);
  });

  it('times the concat list so the frames last until the end of the recording', () => {
    const list = concatList(
      [
        { name: 'a.png', startMs: 0 },
        { name: 'b.png', startMs: 1040 },
      ],
      9000,
    );
    // The last file is named twice (ffmpeg drops the last duration otherwise), and shows one tick.
    expect(list).toBe(
      "ffconcat version 1.0\nfile 'a.png'\nduration 1.040\nfile 'b.png'\nduration 7.920\nfile 'b.png'\n",
    );
  });
});
