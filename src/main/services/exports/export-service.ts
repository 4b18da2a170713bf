import { randomUUID } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { isRasterHeader, readRecordingHeader } from '../../../recording';
import type {
  ExportFormat,
  ExportInput,
  ExportJob,
  ExportResult,
  FfmpegStatus,
  LibraryItem,
} from '../../../shared/ipc';
import { ValidationError, toAppError } from '../errors';
import type { EventSink } from '../events';
import type { Library } from '../library/library';
import type { SaveTarget } from '../save-target';
import { openRecording, writeAsciicastFile } from './asciicast-file';
import { exportDesktopMp4 } from './desktop-mp4';
import {
  ExportNotFoundError,
  ExportNotSupportedError,
  FfmpegNotFoundError,
  exportFailure,
  unreadableRecording,
} from './export-errors';
import { FfmpegSetting } from './ffmpeg-setting';
import { canExport } from './recording-kind';

/** The MP4 engine (src/recording/video), passed in so the service never depends on how frames are made. */
export interface VideoEngine {
  exportMp4(options: {
    recordingPath: string;
    outputPath: string;
    width: number;
    height: number;
    ffmpegPath: string;
    signal: AbortSignal;
    onProgress: (fraction: number) => void;
  }): Promise<{ bytes: number; frames: number }>;
  locateFfmpeg(options: {
    setting: string | null;
    env: NodeJS.ProcessEnv;
    packageBinary?: string | null;
  }): Promise<FfmpegStatus>;
}

/** MP4 of desktop (RDP) recordings: frames straight from the recorded screen. */
export interface DesktopVideoEngine {
  exportMp4: VideoEngine['exportMp4'];
}

export interface ExportServiceOptions {
  library: Pick<Library, 'get' | 'files'>;
  saveTarget: SaveTarget;
  events: EventSink;
  /** Holds the ffmpeg setting file. */
  userDataDir: string;
  /** Where FFMPEG_PATH and PATH are read (the process's own environment in the app). */
  env: NodeJS.ProcessEnv;
  video: VideoEngine;
  /** Left out: the desktop exporter of ./desktop-mp4.ts. */
  desktopVideo?: DesktopVideoEngine;
  /** The ffmpeg of an npm package; left out, the package is looked for; null: there is none. */
  packageBinary?: string | null;
  /** Least time between two progress events of one export. */
  progressIntervalMs?: number;
}

export const DEFAULT_MP4_SIZE = { width: 1280, height: 720 } as const;
const PROGRESS_INTERVAL_MS = 250;
/** Finished exports remembered, so cancelling one that just ended is not an error. */
const FINISHED_KEPT = 50;

interface Entry {
  job: ExportJob;
  controller: AbortController | null;
  settled: Promise<void>;
}

/**
 * Exports library recordings: asciicast written at once, MP4 in the background with progress
 * events and cancel. Where the file goes is the SaveTarget's question (a dialog in the app, a
 * browser download in the bridge); which exports a recording allows depends on its kind.
 */
export class ExportService {
  private readonly jobs = new Map<string, Entry>();
  private readonly setting: FfmpegSetting;

  constructor(private readonly options: ExportServiceOptions) {
    this.setting = new FfmpegSetting(options.userDataDir);
  }

  async start({ itemId, format, width, height }: ExportInput): Promise<ExportJob> {
    const { item } = await this.options.library.get(itemId);
    if (!canExport(item.protocol, format)) throw new ExportNotSupportedError(item.protocol, format);
    const recordingPath = this.options.library.files(itemId).recording;
    const job: ExportJob = {
      exportId: randomUUID(),
      itemId,
      format,
      state: 'running',
      progress: 0,
      result: null,
      error: null,
    };
    if (format === 'asciicast') {
      // Opened first: a recording that cannot be read is said before any save dialog.
      const reader = await openRecording(recordingPath);
      const name = suggestedName(item, format);
      const path = await this.options.saveTarget.choose(name).catch(async (error: unknown) => {
        await reader.close();
        throw error;
      });
      if (path === null) {
        await reader.close();
        return { ...job, state: 'cancelled' };
      }
      const bytes = await writeAsciicastFile(reader, path);
      return this.remember({ ...job, state: 'done', progress: 1, result: this.result(path, name, bytes) });
    }
    // Read first: a recording that cannot be read is said before any save dialog.
    const desktop = await isDesktopRecording(recordingPath);
    // No point asking where to save a video that cannot be made.
    const ffmpeg = await this.ffmpeg();
    if (ffmpeg.path === null) throw new FfmpegNotFoundError(ffmpeg);
    const name = suggestedName(item, format);
    const path = await this.options.saveTarget.choose(name);
    if (path === null) return { ...job, state: 'cancelled' };
    return this.runMp4(job, {
      engine: desktop ? (this.options.desktopVideo ?? { exportMp4: exportDesktopMp4 }) : this.options.video,
      recordingPath,
      path,
      name,
      ffmpegPath: ffmpeg.path,
      width: width ?? DEFAULT_MP4_SIZE.width,
      height: height ?? DEFAULT_MP4_SIZE.height,
    });
  }

  /** Stops a running export; its file is never left behind. One already finished stays as it ended. */
  cancel(exportId: string): void {
    const entry = this.jobs.get(exportId);
    if (entry === undefined) throw new ExportNotFoundError(exportId);
    if (entry.job.state === 'running') entry.controller?.abort();
  }

  async ffmpeg(): Promise<FfmpegStatus> {
    const { env, packageBinary } = this.options;
    return this.options.video.locateFfmpeg({
      setting: await this.setting.get(),
      env,
      ...(packageBinary === undefined ? {} : { packageBinary }),
    });
  }

  /** Saved even when it is not a working ffmpeg: the answer's `tried` says what is wrong with it. */
  async setFfmpegPath(path: string | null): Promise<FfmpegStatus> {
    // A bare name or relative path would depend on where the app happens to start.
    if (path !== null && !isAbsolute(path))
      throw new ValidationError(`Give the full path of the ffmpeg program, not ${path}`);
    await this.setting.set(path);
    return this.ffmpeg();
  }

  /** Cancels every running export and waits until their partial files are gone. */
  async close(): Promise<void> {
    const entries = [...this.jobs.values()];
    for (const entry of entries) entry.controller?.abort();
    await Promise.all(entries.map((entry) => entry.settled));
  }

  private runMp4(
    job: ExportJob,
    run: {
      engine: Pick<VideoEngine, 'exportMp4'>;
      recordingPath: string;
      path: string;
      name: string;
      ffmpegPath: string;
      width: number;
      height: number;
    },
  ): ExportJob {
    const controller = new AbortController();
    const interval = this.options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let lastEmit = -Infinity;
    const onProgress = (fraction: number) => {
      if (job.state !== 'running') return;
      job.progress = Math.min(1, Math.max(job.progress, fraction));
      const now = performance.now();
      if (now - lastEmit < interval) return;
      lastEmit = now;
      this.emit(job);
    };
    const finish = (ending: Partial<ExportJob>) => {
      Object.assign(job, ending);
      const entry = this.jobs.get(job.exportId);
      if (entry) entry.controller = null;
      this.emit(job);
      this.forgetOldFinished();
    };
    const settled = run.engine
      .exportMp4({
        recordingPath: run.recordingPath,
        outputPath: run.path,
        width: run.width,
        height: run.height,
        ffmpegPath: run.ffmpegPath,
        signal: controller.signal,
        onProgress,
      })
      .then(
        ({ bytes }) => finish({ state: 'done', progress: 1, result: this.result(run.path, run.name, bytes) }),
        (error: unknown) =>
          finish(
            controller.signal.aborted
              ? { state: 'cancelled' }
              : { state: 'failed', error: toAppError(exportFailure(error, run.path)) },
          ),
      );
    this.jobs.set(job.exportId, { job, controller, settled });
    return { ...job };
  }

  private result(path: string, name: string, bytes: number): ExportResult {
    const download = this.options.saveTarget.deliver?.(path, name);
    return download ? { path: download.fileName, bytes, download } : { path, bytes };
  }

  private remember(job: ExportJob): ExportJob {
    this.jobs.set(job.exportId, { job, controller: null, settled: Promise.resolve() });
    this.forgetOldFinished();
    return { ...job };
  }

  private emit(job: ExportJob): void {
    this.options.events('exports:progress', { ...job });
  }

  private forgetOldFinished(): void {
    let finished = [...this.jobs.values()].filter((entry) => entry.job.state !== 'running').length;
    for (const [exportId, entry] of this.jobs) {
      if (finished <= FINISHED_KEPT) return;
      if (entry.job.state === 'running') continue;
      this.jobs.delete(exportId);
      finished -= 1;
    }
  }
}

/** Whether the file is a desktop (raster) recording, by its header; unreadable files say why. */
async function isDesktopRecording(path: string): Promise<boolean> {
  try {
    return isRasterHeader(await readRecordingHeader(path));
  } catch (error) {
    throw unreadableRecording(error);
  }
}

/** `vigil-session-42-20261006-090000.cast`: the session and when it started, in UTC. */
export function suggestedName(
  item: Pick<LibraryItem, 'sessionId' | 'startedAt'>,
  format: ExportFormat,
): string {
  const started = new Date(item.startedAt);
  const stamp = Number.isNaN(started.getTime())
    ? ''
    : `-${started.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  return `vigil-session-${item.sessionId}${stamp}.${format === 'asciicast' ? 'cast' : 'mp4'}`;
}
