import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PlayerService } from '../src/main/services/player-service';
import { RecordingReader, RecordingWriter } from '../src/recording';
import { TRAILER_BYTES } from '../src/recording/format';
import type { BenchRow } from './report';
import { syntheticSession, type SessionEvent } from './syntheticSession';

/**
 * Player seek benchmark: an 8-hour session (several scripted administrators' work squeezed into
 * the 8 hours) recorded by the real writer with its real checkpoints, then played through the
 * desktop app's PlayerService: open to first screen, the screen at 200 random times, an output
 * page, and text search (first search builds the text).
 */
const HOURS_8 = 8 * 3_600_000;
export const SEEK_TARGET_P95_MS = 100;
export const OPEN_TARGET_MS = 500;

export interface SeekBenchResult {
  rows: BenchRow[];
  seekP95: number;
  openMs: number;
}

function heavySession(copies: number): SessionEvent[] {
  const all: SessionEvent[] = [];
  for (let k = 0; k < copies; k++) {
    for (const e of syntheticSession(HOURS_8, 2_000 + k)) {
      e.t = Math.floor((k * HOURS_8 + e.t) / copies);
      all.push(e);
    }
  }
  return all.sort((a, b) => a.t - b.t);
}

async function writeRecording(path: string, copies: number, log: (line: string) => void): Promise<number> {
  const events = heavySession(copies);
  const outputBytes = events.reduce((n, e) => n + (e.type === 'o' ? e.data.length : 0), 0);
  log(`writing an 8-hour recording: ${events.length} events, ${(outputBytes / 1e6).toFixed(1)} MB of output`);
  let now = 0;
  const writer = new RecordingWriter({ path, sessionId: 'bench-seek', now: () => now });
  for (const [i, e] of events.entries()) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
    if (i % 5_000 === 0) await writer.flush();
  }
  log('waiting for the checkpoints to catch up…');
  await writer.checkpointsSettled();
  await writer.close();
  return outputBytes;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Seeded PRNG so two runs seek to the same times. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function benchSeek(log: (line: string) => void): Promise<SeekBenchResult> {
  const copies = Number(process.env.VIGIL_BENCH_SEEK_COPIES ?? 20);
  const seeks = Number(process.env.VIGIL_BENCH_SEEKS ?? 200);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-seek-'));
  try {
    const path = join(dir, 'eight-hours.vrec');
    const outputBytes = await writeRecording(path, copies, log);
    const reader = await RecordingReader.open(path);
    const checkpoints = reader.checkpoints.length;
    const segments = reader.segments.length;
    await reader.close();
    const cut = join(dir, 'cut-short.vrec');
    // One service, as in the app: reading the session text in the background gives way to its requests.
    const player = new PlayerService({ recordingPath: async (itemId) => (itemId === 'cut' ? cut : path) });

    // Open to first screen, a few times (the first includes loading the code paths).
    const opens: number[] = [];
    let playerId = '';
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      const info = await player.open({ itemId: 'bench' });
      await player.screenAt({ playerId: info.playerId, atMs: 0 });
      opens.push(performance.now() - t0);
      if (playerId) await player.close(playerId);
      playerId = info.playerId;
    }
    const openMs = percentile(
      [...opens].sort((a, b) => a - b),
      50,
    );

    // The same file cut short (no index, as after a crash): the timeline is scanned from the events.
    copyFileSync(path, cut);
    truncateSync(cut, statSync(cut).size - TRAILER_BYTES);
    const scanStarted = performance.now();
    const scanned = await player.open({ itemId: 'cut' });
    await player.screenAt({ playerId: scanned.playerId, atMs: 0 });
    const scanOpenMs = performance.now() - scanStarted;
    await player.close(scanned.playerId);

    const rnd = prng(7);
    const times: number[] = [];
    for (let i = 0; i < seeks; i++) {
      const at = Math.floor(rnd() * HOURS_8);
      const t0 = performance.now();
      await player.screenAt({ playerId, atMs: at });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);

    const pages: number[] = [];
    for (let i = 0; i < 50; i++) {
      const from = Math.floor(rnd() * HOURS_8);
      const t0 = performance.now();
      await player.events({ playerId, fromMs: from, toMs: from + 60_000 });
      pages.push(performance.now() - t0);
    }
    pages.sort((a, b) => a - b);

    let t0 = performance.now();
    await player.search({ playerId, q: 'nginx' });
    const firstSearchMs = performance.now() - t0;
    const searches: number[] = [];
    for (const q of ['nginx', 'took 899ms', 'no-such-text', 'a', 'LOAD AVERAGE']) {
      t0 = performance.now();
      await player.search({ playerId, q });
      searches.push(performance.now() - t0);
    }
    searches.sort((a, b) => a - b);
    await player.closeAll();

    const seekP95 = percentile(times, 95);
    const rows: BenchRow[] = [
      { name: 'session length', value: HOURS_8 / 3_600_000, unit: 'hours' },
      { name: 'output', value: outputBytes / 1e6, unit: 'MB' },
      { name: 'file size', value: statSync(path).size / 1e6, unit: 'MB' },
      { name: 'segments / checkpoints', value: segments, unit: `segments, ${checkpoints} checkpoints` },
      { name: 'open to first screen, p50 of 5', value: openMs, unit: `ms (target < ${OPEN_TARGET_MS})` },
      { name: 'open to first screen, first', value: opens[0]!, unit: 'ms' },
      { name: 'open to first screen, file without index', value: scanOpenMs, unit: 'ms (timeline scanned)' },
      { name: `screenAt p50 (${seeks} random times)`, value: percentile(times, 50), unit: 'ms' },
      { name: 'screenAt p95', value: seekP95, unit: `ms (target < ${SEEK_TARGET_P95_MS})` },
      { name: 'screenAt max', value: times.at(-1)!, unit: 'ms' },
      { name: 'events page (60 s window) p95', value: percentile(pages, 95), unit: 'ms' },
      { name: 'first search (builds the text)', value: firstSearchMs / 1000, unit: 's' },
      { name: 'later searches, max of 5', value: searches.at(-1)!, unit: 'ms' },
    ];
    return { rows, seekP95, openMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
