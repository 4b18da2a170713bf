import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, fsync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createGzip, gzipSync } from 'node:zlib';
import { RecordingReader, RecordingWriter, toAsciicast } from '../src/recording';
import { syntheticSession } from './syntheticSession';
import type { BenchRow } from './report';

export type { BenchRow };

const CHUNK = 32 * 1024; // an SSH channel data packet
const BULK_BYTES = 128 * 1024 * 1024;

function bulkText(bytes: number): Buffer[] {
  const line = (i: number): string =>
    `${String(i).padStart(8)} drwxr-xr-x 2 www-data www-data 4096 Mar 12 10:${String(i % 60).padStart(2, '0')} /srv/app/releases/${(i * 2654435761) % 99991}.tar.gz\n`;
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < CHUNK * 64; i++) {
    const l = line(i);
    lines.push(l);
    size += l.length;
  }
  const block = Buffer.from(lines.join(''));
  const chunks: Buffer[] = [];
  for (let at = 0; chunks.length * CHUNK < bytes; at = (at + CHUNK) % (block.length - CHUNK)) {
    chunks.push(block.subarray(at, at + CHUNK));
  }
  return chunks;
}

interface BulkRun {
  mbPerS: number;
  /** Main-thread CPU per 100 MB: what the proxy's event loop pays (compression runs on the pool). */
  mainCpuMsPer100Mb: number;
  /** CPU of all threads per 100 MB. */
  cpuMsPer100Mb: number;
}

async function measure(chunks: Buffer[], run: () => Promise<void>): Promise<BulkRun> {
  const mainBefore = process.threadCpuUsage();
  const allBefore = process.cpuUsage();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const main = process.threadCpuUsage(mainBefore);
  const all = process.cpuUsage(allBefore);
  const per100Mb = 100 / (chunks.reduce((n, c) => n + c.length, 0) / 1e6);
  return {
    mbPerS: 100 / per100Mb / seconds,
    mainCpuMsPer100Mb: ((main.user + main.system) / 1000) * per100Mb,
    cpuMsPer100Mb: ((all.user + all.system) / 1000) * per100Mb,
  };
}

function viaWriter(path: string, chunks: Buffer[]): Promise<BulkRun> {
  return measure(chunks, async () => {
    const writer = new RecordingWriter({ path, sessionId: 'bench-bulk', cols: 120, rows: 40 });
    for (const chunk of chunks) {
      if (!writer.output(chunk)) await new Promise<void>((resolve) => writer.once('drain', () => resolve()));
    }
    await writer.close(); // includes its fsync
  });
}

function viaFsAppend(path: string, chunks: Buffer[]): Promise<BulkRun> {
  return measure(chunks, async () => {
    const fd = openSync(path, 'a');
    const stream = createWriteStream('', { fd, autoClose: false });
    for (const chunk of chunks) {
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      stream.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    await promisify(fsync)(fd);
    closeSync(fd);
  });
}

/** Best of three, so one unlucky scheduling slice on a shared machine does not decide. */
async function best(run: (i: number) => Promise<BulkRun>): Promise<BulkRun> {
  let top: BulkRun | null = null;
  for (let i = 0; i < 3; i++) {
    const r = await run(i);
    if (!top || r.mbPerS > top.mbPerS) top = r;
  }
  return top!;
}

async function bulkRows(dir: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const [label, chunks] of [
    ['text', bulkText(BULK_BYTES)],
    ['random', Array.from({ length: BULK_BYTES / CHUNK / 2 }, () => randomBytes(CHUNK))],
  ] as const) {
    const writer = await best((i) => viaWriter(join(dir, `bulk-${label}-${i}.vrec`), chunks));
    const plain = await best((i) => viaFsAppend(join(dir, `bulk-${label}-${i}.raw`), chunks));
    rows.push(
      { name: `recording writer throughput, bulk ${label}`, value: round(writer.mbPerS), unit: 'MB/s' },
      { name: `plain fs append throughput, bulk ${label}`, value: round(plain.mbPerS), unit: 'MB/s' },
      {
        name: `recording writer / fs append, bulk ${label}`,
        value: round(writer.mbPerS / plain.mbPerS, 3),
        unit: 'ratio',
      },
      {
        name: `recording writer main-thread CPU, bulk ${label}`,
        value: round(writer.mainCpuMsPer100Mb),
        unit: 'ms/100MB',
      },
      {
        name: `plain fs append main-thread CPU, bulk ${label}`,
        value: round(plain.mainCpuMsPer100Mb),
        unit: 'ms/100MB',
      },
      {
        name: `recording writer CPU (all threads), bulk ${label}`,
        value: round(writer.cpuMsPer100Mb),
        unit: 'ms/100MB',
      },
      {
        name: `plain fs append CPU (all threads), bulk ${label}`,
        value: round(plain.cpuMsPer100Mb),
        unit: 'ms/100MB',
      },
    );
  }
  return rows;
}

async function sessionRows(dir: string): Promise<BenchRow[]> {
  const hourMs = 3600_000;
  const events = syntheticSession(hourMs);
  let now = 0;
  const path = join(dir, 'hour.vrec');
  const writer = new RecordingWriter({ path, sessionId: 'bench-hour', cols: 120, rows: 40, now: () => now });
  for (const e of events) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
  }
  now = hourMs;
  await writer.checkpointsSettled();
  const finished = await writer.close();
  const reader = await RecordingReader.open(path);
  const cast = Buffer.from(await toAsciicast(reader));
  const outputOnly = Buffer.from(
    cast
      .toString()
      .split('\n')
      .filter((l, i) => i === 0 || l.includes(',"o",'))
      .join('\n'),
  );
  const seekStarted = performance.now();
  const state = await reader.stateAt(reader.durationMs - 1000);
  const seekMs = performance.now() - seekStarted;
  await reader.close();
  const rawOutput = events.reduce((n, e) => n + (e.type === 'o' ? e.data.length : 0), 0);
  const castGz = gzipSync(cast).length;
  const castGzLive = await gzipFlushedEverySecond(cast.toString());
  const outputOnlyGz = gzipSync(outputOnly).length;
  return [
    { name: 'scripted 1 h session: terminal output', value: rawOutput, unit: 'bytes/hour' },
    { name: 'scripted 1 h session: Vigil recording', value: finished.size, unit: 'bytes/hour' },
    {
      name: 'scripted 1 h session: gzip asciicast (o+i+r events, same content)',
      value: castGz,
      unit: 'bytes/hour',
    },
    { name: 'recording / gzip asciicast', value: round(finished.size / castGz, 3), unit: 'ratio' },
    {
      name: 'scripted 1 h session: gzip asciicast written live (sync flush each second)',
      value: castGzLive,
      unit: 'bytes/hour',
    },
    { name: 'recording / live gzip asciicast', value: round(finished.size / castGzLive, 3), unit: 'ratio' },
    {
      name: 'scripted 1 h session: gzip asciicast, output events only',
      value: outputOnlyGz,
      unit: 'bytes/hour',
    },
    {
      name: 'recording / gzip asciicast output-only',
      value: round(finished.size / outputOnlyGz, 3),
      unit: 'ratio',
    },
    { name: 'scripted 1 h session: checkpoints', value: finished.checkpoints, unit: 'count' },
    { name: 'seek to end of 1 h session (stateAt)', value: round(seekMs, 1), unit: 'ms' },
    { name: 'seek to end of 1 h session: events replayed', value: state.replayedEvents, unit: 'events' },
  ];
}

/** What a recorder writing gzip'ed asciicast must produce to lose at most a second on a crash. */
async function gzipFlushedEverySecond(cast: string): Promise<number> {
  const gzip = createGzip();
  let size = 0;
  gzip.on('data', (chunk: Buffer) => (size += chunk.length));
  const flush = (): Promise<void> =>
    new Promise((resolve) => gzip.flush(constants.Z_SYNC_FLUSH, () => resolve()));
  const [header, ...lines] = cast.trimEnd().split('\n');
  gzip.write(header + '\n');
  let second = 0;
  for (const line of lines) {
    const t = (JSON.parse(line) as [number])[0];
    if (Math.floor(t) > second) {
      await flush();
      second = Math.floor(t);
    }
    gzip.write(line + '\n');
  }
  await new Promise((resolve) => gzip.end(resolve));
  return size;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export async function benchRecording(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rec-'));
  try {
    return [...(await sessionRows(dir)), ...(await bulkRows(dir))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
