import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureDataDir } from '../src/gateway/datadir';
import { DirectorySaveTarget, createMainServices, type MainServices } from '../src/main/services';
import type { SecretStore } from '../src/main/services/secret-store';
import { RecordingWriter } from '../src/recording';
import type { IpcEventName, IpcEvents } from '../src/shared/ipc';
import type { Result } from '../src/shared/result';
import { finishedSession, seedDataDir, startGatewayProcess } from '../tests/support/gateway';
import type { BenchRow } from './report';
import { syntheticSession } from './syntheticSession';

/**
 * "Video" clicked on a 1-hour SSH session until its first screen is drawn, through the desktop
 * app's main-process services exactly as the player screen calls them: library and downloads
 * looked up, download started (with the signing-key check beside it), done, verified, opened, the
 * screen at 0. A real gateway process on loopback serves it over HTTPS; every run has a fresh
 * library (a new app data folder: nothing is reused), signed in before the clock starts. The
 * first run of the process (code not yet compiled, the gateway's first download) is shown on its
 * own: it is the very first Video of an app session; the percentiles are over the runs after it.
 */
export const VIDEO_OPEN_TARGET_MS = 500;
const HOUR = 3_600_000;
const STARTED = Date.parse('2026-06-01T08:00:00Z');

export interface VideoOpenResult {
  rows: BenchRow[];
  p95: number;
}

class NoSecrets implements SecretStore {
  async get() {
    return null;
  }
  async set() {}
  async delete() {
    return false;
  }
}

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** Nearest-rank percentile. */
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

interface Run {
  total: number;
  download: number;
  verify: number;
  open: number;
  screen: number;
  /** A search typed right after the first screen (its text is being read in the background). */
  search: number;
}

export async function benchVideoOpen(log: (line: string) => void): Promise<VideoOpenResult> {
  const runs = Number(process.env.VIGIL_BENCH_VIDEO_RUNS ?? 20);
  const gateway = await startGatewayProcess();
  const home = mkdtempSync(join(tmpdir(), 'vigil-bench-video-'));
  try {
    const recording = await writeHour(gateway.dataDir);
    log(`a 1-hour recording of ${(recording.size / 1024).toFixed(0)} KiB; ${runs} runs, fresh library each`);
    const [sessionId] = (
      await seedDataDir(gateway.dataDir, {
        sessions: [
          finishedSession('alice', STARTED, {
            durationMs: recording.durationMs,
            endedAt: STARTED + recording.durationMs,
            recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
          }),
        ],
      })
    ).sessionIds;
    const results: Run[] = [];
    for (let run = 0; run <= runs; run++) {
      const app = await signedInApp(join(home, `run-${run}`), gateway);
      try {
        results.push(await openVideo(app, sessionId!));
      } finally {
        app.services.close();
      }
    }
    const cold = results.shift()!;
    const column = (key: keyof Run) => results.map((r) => r[key]);
    const totals = column('total');
    return {
      p95: percentile(totals, 95),
      rows: [
        { name: 'recording size', value: recording.size / 1024, unit: 'KiB' },
        { name: 'first run of the process (cold)', value: cold.total, unit: 'ms' },
        { name: 'Video click to first screen, p50', value: percentile(totals, 50), unit: 'ms' },
        { name: 'Video click to first screen, p95', value: percentile(totals, 95), unit: 'ms' },
        { name: '  download into the library, p50', value: percentile(column('download'), 50), unit: 'ms' },
        {
          name: '  verify size, SHA-256, signature, p50',
          value: percentile(column('verify'), 50),
          unit: 'ms',
        },
        { name: '  player:open, p50', value: percentile(column('open'), 50), unit: 'ms' },
        { name: '  screenAt(0), p50', value: percentile(column('screen'), 50), unit: 'ms' },
        {
          name: 'first search, typed right after the first screen, p50',
          value: percentile(column('search'), 50),
          unit: 'ms',
        },
      ],
    };
  } finally {
    await gateway.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

interface App {
  services: MainServices;
  profileId: string;
  /** Resolves with the item id once the download of `sessionId` is reported done. */
  done(sessionId: number): Promise<string>;
}

/** A new app data folder, signed in, with the gateway's certificate and signing key trusted. */
async function signedInApp(
  dir: string,
  gateway: Awaited<ReturnType<typeof startGatewayProcess>>,
): Promise<App> {
  const waiting = new Map<number, { resolve: (itemId: string) => void; reject: (e: Error) => void }>();
  const events = <E extends IpcEventName>(event: E, payload: IpcEvents[E]) => {
    if (event !== 'downloads:progress') return;
    const status = payload as IpcEvents['downloads:progress'];
    const waiter = waiting.get(status.sessionId);
    if (status.state === 'done' && status.itemId) waiter?.resolve(status.itemId);
    if (status.state === 'failed' || status.state === 'interrupted')
      waiter?.reject(new Error(`download failed: ${status.error?.message}`));
  };
  const services = createMainServices({
    userDataDir: dir,
    secrets: new NoSecrets(),
    saveTarget: new DirectorySaveTarget(join(dir, 'exports')),
    events,
    appInfo: { version: '0.0.0-bench', platform: 'linux', host: 'bridge' },
    gatewayUrl: gateway.url,
  });
  const { handlers } = services;
  const [profile] = value(await handlers['profiles:list']());
  value(
    await handlers['profiles:trustCertificate']({ profileId: profile!.id, fingerprint: gateway.fingerprint }),
  );
  value(
    await handlers['auth:login']({
      profileId: profile!.id,
      username: 'admin',
      password: gateway.adminPassword,
      remember: false,
    }),
  );
  const key = value(await handlers['profiles:signingKey'](profile!.id));
  value(await handlers['profiles:trustSigningKey']({ profileId: profile!.id, keyId: key.keyId }));
  return {
    services,
    profileId: profile!.id,
    done: (sessionId) => new Promise((resolve, reject) => waiting.set(sessionId, { resolve, reject })),
  };
}

/** The calls the player screen makes, in its order, each step timed. */
async function openVideo(app: App, sessionId: number): Promise<Run> {
  const { handlers } = app.services;
  const start = performance.now();
  const done = app.done(sessionId);
  value(await handlers['library:list']());
  const keyCheck = handlers['profiles:signingKey'](app.profileId);
  value(await handlers['downloads:list']());
  value(await handlers['downloads:start'](sessionId));
  const itemId = await done;
  value(await keyCheck);
  const downloaded = performance.now();
  value(await handlers['library:verify'](itemId));
  const verified = performance.now();
  const player = value(await handlers['player:open']({ itemId }));
  const opened = performance.now();
  value(await handlers['player:screenAt']({ playerId: player.playerId, atMs: 0 }));
  const shown = performance.now();
  value(await handlers['player:search']({ playerId: player.playerId, q: 'sudo' }));
  const searched = performance.now();
  value(await handlers['player:close'](player.playerId));
  return {
    total: shown - start,
    download: downloaded - start,
    verify: verified - downloaded,
    open: opened - verified,
    screen: shown - opened,
    search: searched - shown,
  };
}

/** One hour of a scripted administrator's work, written by the real recorder. */
async function writeHour(dataDir: string) {
  let now = 0;
  const writer = new RecordingWriter({
    path: join(ensureDataDir(dataDir).recordings, 'bench-hour.rec'),
    sessionId: 'bench-hour',
    startedAt: new Date(STARTED),
    now: () => now,
  });
  for (const e of syntheticSession(HOUR, 7)) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
  }
  now = HOUR;
  await writer.checkpointsSettled();
  return writer.close();
}
