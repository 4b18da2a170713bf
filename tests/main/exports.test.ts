import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingPlayer, RecordingWriter } from '../../src/recording';
import { exportMp4, locateFfmpeg } from '../../src/recording/video';
import { HeadlessScreen } from '../../src/recording/headlessScreen';
import {
  DirectorySaveTarget,
  createHandlers,
  createMainServices,
  type MainServices,
} from '../../src/main/services';
import { BrowserDownloads } from '../../src/main/bridge/downloads';
import { ExportService, type VideoEngine } from '../../src/main/services/exports/export-service';
import { ITEM_FILES } from '../../src/main/services/library/library';
import type { SaveTarget } from '../../src/main/services/save-target';
import { BRIDGE_DOWNLOAD_PATH } from '../../src/shared/bridge';
import { IPC_ERROR, type ExportJob, type IpcChannel, type LibraryItem } from '../../src/shared/ipc';
import { findProgram, missingProgram } from '../support/programs';
import { scriptedSession } from '../support/terminalScript';
import { waitFor } from '../support/wait';
import { NoSecrets, value } from './helpers/services';

const noFfmpeg = missingProgram('ffmpeg');
const realVideo: VideoEngine = { exportMp4, locateFfmpeg };
const appInfo = { version: '0.0.0-test', platform: 'linux', host: 'bridge' } as const;
const STARTED = '2026-10-06T09:00:00.000Z';

/** Never reached by the asciicast tests: asciicast needs no ffmpeg. */
const noVideo: VideoEngine = {
  exportMp4: () => Promise.reject(new Error('no MP4 in this test')),
  locateFfmpeg: ({ setting }) =>
    Promise.resolve({ path: null, source: null, version: null, setting, tried: [] }),
};

/** A recording as the SSH proxy writes it: colours, split UTF-8 and sequences, resizes, the alternate screen. */
async function writeScriptedRecording(path: string): Promise<void> {
  let now = 0;
  const writer = new RecordingWriter({
    path,
    sessionId: '42',
    cols: 80,
    rows: 24,
    startedAt: new Date(STARTED),
    now: () => now,
  });
  for (const e of scriptedSession(11, 600)) {
    now = e.t;
    if (e.type === 'o') writer.output(e.data);
    else if (e.type === 'i') writer.input(e.data);
    else if (e.type === 'r') writer.resize(e.cols, e.rows);
    else writer.marker(e.kind, e.note);
  }
  await writer.close();
}

/** What a finished download leaves in the library: the recording and the item's facts. */
function addLibraryItem(services: MainServices, itemId: string, protocol: string, recording: string): void {
  const dir = services.library.itemDir(itemId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ITEM_FILES.recording), readFileSync(recording));
  const item: Partial<LibraryItem> = {
    itemId,
    sessionId: 42,
    protocol,
    startedAt: STARTED,
    operator: 'alice',
  };
  writeFileSync(join(dir, ITEM_FILES.meta), JSON.stringify({ version: 1, item, publicKey: null }));
}

describe('recording exports through the IPC handlers', () => {
  let dir: string;
  let services: MainServices;
  let recording: string;
  const pushed: ExportJob[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-exports-'));
    pushed.length = 0;
    services = createMainServices({
      userDataDir: join(dir, 'user-data'),
      secrets: new NoSecrets(),
      saveTarget: new DirectorySaveTarget(join(dir, 'unused')),
      events: () => undefined,
      appInfo,
    });
    recording = join(dir, 'session.vrec');
    await writeScriptedRecording(recording);
    addLibraryItem(services, 's42-ssh', 'ssh', recording);
  });
  afterEach(() => {
    services.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The handlers as the app builds them, with an export service of the test's own. */
  function handlersWith(
    options: { saveTarget?: SaveTarget; video?: VideoEngine; env?: NodeJS.ProcessEnv } = {},
  ) {
    const exports = new ExportService({
      library: services.library,
      saveTarget: options.saveTarget ?? new DirectorySaveTarget(join(dir, 'saved')),
      events: (event, payload) => {
        if (event === 'exports:progress') pushed.push(payload as ExportJob);
      },
      userDataDir: join(dir, 'user-data'),
      env: options.env ?? {},
      video: options.video ?? noVideo,
      // The npm package's ffmpeg is left out, so the tests decide where ffmpeg is.
      packageBinary: null,
    });
    const handlers = createHandlers({ ...services, exports, appInfo });
    const call = <C extends IpcChannel>(channel: C, ...args: unknown[]) => handlers[channel](...args);
    const errorCode = async (channel: IpcChannel, ...args: unknown[]) => {
      const result = await call(channel, ...args);
      return result.ok ? 'ok' : result.error.code;
    };
    return { exports, call, errorCode };
  }

  it('exports asciicast that parses and replays to the same final screen as the player', async () => {
    const { call } = handlersWith();
    const job = value(await call('exports:start', { itemId: 's42-ssh', format: 'asciicast' }));
    expect(job).toMatchObject({
      itemId: 's42-ssh',
      format: 'asciicast',
      state: 'done',
      progress: 1,
      error: null,
    });
    const path = job.result!.path!;
    expect(path).toBe(join(dir, 'saved', 'vigil-session-42-20261006-090000.cast'));
    expect(readdirSync(join(dir, 'saved'))).toEqual(['vigil-session-42-20261006-090000.cast']);
    const text = readFileSync(path, 'utf8');
    expect(job.result!.bytes).toBe(Buffer.byteLength(text));

    const [headerLine, ...eventLines] = text.trimEnd().split('\n');
    const header = JSON.parse(headerLine!) as Record<string, unknown>;
    const player = await RecordingPlayer.open(recording);
    try {
      expect(header).toMatchObject({
        version: 2,
        width: 80,
        height: 24,
        timestamp: Date.parse(STARTED) / 1000,
        duration: player.durationMs / 1000,
      });
      const events = eventLines.map((line) => JSON.parse(line) as [number, string, string]);
      expect(events.length).toBeGreaterThan(100);
      expect(new Set(events.map((e) => e[1]))).toEqual(new Set(['o', 'i', 'r', 'm']));
      const times = events.map((e) => e[0]);
      expect(times).toEqual([...times].sort((a, b) => a - b));

      // What asciinema would show at the end: every output and resize, in order, on a fresh terminal.
      const replay = new HeadlessScreen(80, 24);
      for (const [, code, data] of events) {
        if (code === 'o') await replay.write(data);
        if (code === 'r') {
          const [cols, rows] = data.split('x').map(Number);
          replay.resize(cols!, rows!);
        }
      }
      const end = await player.screenAt(player.durationMs);
      const shown = new HeadlessScreen(end.cols, end.rows);
      await shown.write(end.screen);
      expect([replay.cols, replay.rows]).toEqual([end.cols, end.rows]);
      expect(replay.cells()).toEqual(shown.cells());
      expect(replay.cursor()).toEqual(end.cursor);
      expect(replay.lines().join('\n').trim().length).toBeGreaterThan(0);
      replay.dispose();
      shown.dispose();
    } finally {
      await player.close();
    }
  });

  it('in the browser the asciicast is staged and offered once as a download under its own name', async () => {
    const staging = join(dir, 'staging');
    const downloads = new BrowserDownloads(staging);
    const { call } = handlersWith({ saveTarget: downloads });
    const job = value(await call('exports:start', { itemId: 's42-ssh', format: 'asciicast' }));
    expect(job.state).toBe('done');
    expect(job.result?.path).toBe('vigil-session-42-20261006-090000.cast');
    expect(job.result?.download?.fileName).toBe('vigil-session-42-20261006-090000.cast');
    expect(job.result?.download?.url.startsWith(BRIDGE_DOWNLOAD_PATH)).toBe(true);
    const staged = readdirSync(staging);
    expect(staged).toHaveLength(1);
    expect(readFileSync(join(staging, staged[0]!), 'utf8')).toMatch(/^\{"version":2,/);
    downloads.close();
    expect(readdirSync(staging)).toEqual([]);
  });

  it('a cancelled save dialog is a cancelled export and writes nothing', async () => {
    const chosen: string[] = [];
    const { call } = handlersWith({
      saveTarget: {
        choose: async (name) => {
          chosen.push(name);
          return null;
        },
      },
    });
    const job = value(await call('exports:start', { itemId: 's42-ssh', format: 'asciicast' }));
    expect(job).toMatchObject({ state: 'cancelled', result: null, error: null });
    expect(chosen).toEqual(['vigil-session-42-20261006-090000.cast']);
    expect(readdirSync(dir).sort()).toEqual(['session.vrec', 'user-data']);
  });

  it('refuses unknown items, bad payloads, unknown exports and recordings of another kind', async () => {
    const { call, errorCode } = handlersWith();
    expect(await errorCode('exports:start', { itemId: 's99-nothere', format: 'asciicast' })).toBe(
      IPC_ERROR.libraryItemNotFound,
    );
    const bad: [IpcChannel, unknown[]][] = [
      ['exports:start', [{ itemId: 's42-ssh', format: 'gif' }]],
      ['exports:start', [{ itemId: '../../etc', format: 'asciicast' }]],
      ['exports:start', [{ itemId: 's42-ssh', format: 'mp4', width: 1281, height: 720 }]],
      ['exports:start', [{ itemId: 's42-ssh', format: 'mp4', width: 32, height: 32 }]],
      ['exports:start', [{ itemId: 's42-ssh', format: 'asciicast', path: '/tmp/x.cast' }]],
      ['exports:start', ['s42-ssh']],
      ['exports:cancel', [42]],
      ['exports:cancel', ['']],
      ['exports:setFfmpegPath', [42]],
      ['exports:setFfmpegPath', ['relative/ffmpeg']],
    ];
    for (const [channel, args] of bad) {
      const result = await call(channel, ...args);
      expect(result.ok, `${channel} ${JSON.stringify(args)}`).toBe(false);
      if (!result.ok)
        expect(result.error.code, `${channel} ${JSON.stringify(args)}`).toBe(IPC_ERROR.validation);
    }
    expect(await errorCode('exports:cancel', 'no-such-export')).toBe(IPC_ERROR.exportNotFound);

    addLibraryItem(services, 's43-rdp', 'rdp', recording);
    const rdp = await call('exports:start', { itemId: 's43-rdp', format: 'asciicast' });
    expect(rdp.ok).toBe(false);
    if (!rdp.ok) {
      expect(rdp.error.code).toBe(IPC_ERROR.exportNotSupported);
      expect(rdp.error.message).toMatch(/RDP/);
    }
    expect(readdirSync(dir).sort()).toEqual(['session.vrec', 'user-data']);
  });

  it('says a library item whose file is not a recording cannot be exported, before asking where to save', async () => {
    const garbage = join(dir, 'garbage.vrec');
    writeFileSync(garbage, 'not a recording at all');
    addLibraryItem(services, 's44-ssh', 'ssh', garbage);
    const { call } = handlersWith();
    const result = await call('exports:start', { itemId: 's44-ssh', format: 'asciicast' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(IPC_ERROR.recordingUnreadable);
    expect(readdirSync(dir).sort()).toEqual(['garbage.vrec', 'session.vrec', 'user-data']);
  });

  describe.skipIf(noFfmpeg !== null)(
    `MP4 with a real ffmpeg ${noFfmpeg ? `(skipped: ${noFfmpeg})` : ''}`,
    () => {
      const systemFfmpeg = () => findProgram('ffmpeg')!;
      const withPath = { env: { PATH: process.env.PATH }, video: realVideo };

      it('exports MP4 in the background with progress events until it is done', async () => {
        const { call } = handlersWith(withPath);
        const job = value(
          await call('exports:start', { itemId: 's42-ssh', format: 'mp4', width: 640, height: 360 }),
        );
        expect(job).toMatchObject({ format: 'mp4', state: 'running', result: null });
        await waitFor(() => pushed.some((p) => p.state !== 'running'), 'the export to end', 120_000);
        const mine = pushed.filter((p) => p.exportId === job.exportId);
        const last = mine[mine.length - 1]!;
        expect(last).toMatchObject({ state: 'done', progress: 1, error: null });
        expect(mine.length).toBeGreaterThan(1);
        expect(mine.slice(0, -1).every((p) => p.state === 'running')).toBe(true);
        const progress = mine.map((p) => p.progress);
        expect(progress).toEqual([...progress].sort((a, b) => a - b));

        const path = join(dir, 'saved', 'vigil-session-42-20261006-090000.mp4');
        expect(last.result?.path).toBe(path);
        expect(readdirSync(join(dir, 'saved'))).toEqual(['vigil-session-42-20261006-090000.mp4']);
        const video = readFileSync(path);
        expect(video.length).toBe(last.result?.bytes);
        expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
        // Cancelling an export that has ended changes nothing.
        expect(value(await call('exports:cancel', job.exportId))).toBeNull();
      });

      it('a cancelled MP4 export ends as cancelled and leaves no file', async () => {
        const { call } = handlersWith(withPath);
        const job = value(
          await call('exports:start', { itemId: 's42-ssh', format: 'mp4', width: 640, height: 360 }),
        );
        await waitFor(() => pushed.length > 0, 'the first progress event', 60_000);
        expect(value(await call('exports:cancel', job.exportId))).toBeNull();
        await waitFor(() => pushed.some((p) => p.state !== 'running'), 'the export to end', 60_000);
        expect(pushed[pushed.length - 1]).toMatchObject({
          exportId: job.exportId,
          state: 'cancelled',
          result: null,
        });
        expect(readdirSync(join(dir, 'saved'))).toEqual([]);
      });

      it('keeps the ffmpeg setting across restarts, and reports a broken one with its problem', async () => {
        const first = handlersWith(withPath);
        const ffmpeg = systemFfmpeg();
        const set = value(await first.call('exports:setFfmpegPath', ffmpeg));
        expect(set).toMatchObject({ path: ffmpeg, source: 'setting', setting: ffmpeg });
        expect(set.version).toMatch(/^ffmpeg version /);

        const restarted = handlersWith(withPath);
        expect(value(await restarted.call('exports:ffmpeg'))).toMatchObject({
          path: ffmpeg,
          source: 'setting',
        });

        const notFfmpeg = join(dir, 'not-ffmpeg');
        writeFileSync(notFfmpeg, 'just text', { mode: 0o755 });
        const broken = value(await restarted.call('exports:setFfmpegPath', notFfmpeg));
        expect(broken.setting).toBe(notFfmpeg);
        expect(broken.tried[0]).toMatchObject({
          source: 'setting',
          path: notFfmpeg,
          problem: expect.any(String),
        });
        // The next place that works is used meanwhile.
        expect(broken.source).toBe('path');
        expect(value(await handlersWith(withPath).call('exports:ffmpeg')).setting).toBe(notFfmpeg);

        expect(value(await restarted.call('exports:setFfmpegPath', null))).toMatchObject({
          setting: null,
          source: 'path',
        });
        expect(JSON.parse(readFileSync(join(dir, 'user-data', 'export-settings.json'), 'utf8'))).toEqual({
          ffmpegPath: null,
        });
      });
    },
  );

  it('says no ffmpeg was found, and where it looked, before asking where to save an MP4', async () => {
    const chosen: string[] = [];
    const { call } = handlersWith({
      env: { PATH: '' },
      video: realVideo,
      saveTarget: {
        choose: async (name) => {
          chosen.push(name);
          return join(dir, name);
        },
      },
    });
    const status = value(await call('exports:ffmpeg'));
    expect(status).toMatchObject({ path: null, source: null, setting: null });
    expect(status.tried.map((t) => t.source)).toEqual(['setting', 'env', 'package', 'path']);
    const result = await call('exports:start', { itemId: 's42-ssh', format: 'mp4' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(IPC_ERROR.ffmpegNotFound);
      expect(result.error.message).toMatch(/FFMPEG_PATH is not set/);
      expect(result.error.message).toMatch(/no ffmpeg on PATH/);
    }
    expect(chosen).toEqual([]);
  });
});
