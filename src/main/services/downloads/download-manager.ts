import { createWriteStream, type WriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { API_PREFIX, SealedRecordingSchema, type SealedRecording } from '../../../shared/api';
import type { DownloadStatus, LibraryItem } from '../../../shared/ipc';
import {
  AppFailure,
  GatewayError,
  NetworkError,
  NotLoggedInError,
  ValidationError,
  describe,
} from '../errors';
import type { EventSink } from '../events';
import type { GatewayClient } from '../gateway-client';
import { fileSystemFailure, syncDir, syncFile, writeFileAtomic } from '../library/files';
import { ITEM_FILES, itemIdFor, type Library } from '../library/library';
import type { ProfileStore } from '../profile-store';
import { checkSealedKey } from '../signing-key-service';
import { ProgressMeter } from './progress-meter';
import { saveSnapshot } from './snapshot';

/** The logged-in gateway: downloads use its pinned client and token. */
export interface DownloadAccess {
  profileId(): string | null;
  withSession<T>(call: (client: GatewayClient, token: string) => Promise<T>): Promise<T>;
}

/** The file writes a download makes (a test can hand in a disk that fills up). */
export interface DownloadFs {
  createWriteStream: typeof createWriteStream;
}

export interface DownloadManagerDeps {
  access: DownloadAccess;
  library: Library;
  profiles: ProfileStore;
  events: EventSink;
  now: () => Date;
  fs?: DownloadFs;
  /** Downloads at a time. */
  concurrency?: number;
  /** Least time between two progress events of one download. */
  progressEveryMs?: number;
}

/** Next to the partial file: what it is part of, so a resume asks for the rest of the same bytes. */
const PART_STATE = 'download.json';
const PART_SUFFIX = '.part';
const PartStateSchema = Type.Object({
  version: Type.Literal(1),
  downloadId: Type.String(),
  profileId: Type.String(),
  sessionId: Type.Integer(),
  size: Type.Integer(),
  sha256: Type.String(),
  etag: Type.Union([Type.String(), Type.Null()]),
});
type PartState = Static<typeof PartStateSchema>;

interface Job {
  status: DownloadStatus;
  /** The item folder, once known. */
  dir: string | null;
  cancelled: boolean;
  /** Stops the running transfer (cancel, or the app closing). */
  stop: ((reason: Error) => void) | null;
}

class Stopped extends Error {}

const recordingPath = (sessionId: number) => `${API_PREFIX}/sessions/${sessionId}/recording`;

/**
 * Downloads recordings into the library, a few at a time, with progress events. A cut connection
 * or an app restart leaves `recording.vrec.part` and download.json: the next start asks for the
 * rest (Range, If-Range with the ETag), so only the missing bytes travel. The finished file is
 * flushed and renamed into place, and the item exists only once item.json is written after it:
 * a partial file never looks complete.
 */
export class DownloadManager {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running = 0;
  private readonly restored: Promise<void>;
  private readonly fs: DownloadFs;

  constructor(private readonly deps: DownloadManagerDeps) {
    this.fs = deps.fs ?? { createWriteStream };
    this.restored = this.restore();
  }

  async list(): Promise<DownloadStatus[]> {
    await this.restored;
    return [...this.jobs.values()].map((job) => ({ ...job.status }));
  }

  async start(sessionId: number): Promise<DownloadStatus> {
    await this.restored;
    const profileId = this.deps.access.profileId();
    if (profileId === null) throw new NotLoggedInError();
    const downloadId = `${profileId}:${sessionId}`;
    const existing = this.jobs.get(downloadId);
    if (existing && (existing.status.state === 'queued' || existing.status.state === 'running')) {
      return { ...existing.status };
    }
    const job: Job = {
      status: {
        ...blankStatus(downloadId, profileId, sessionId),
        bytes: existing?.status.bytes ?? 0,
        total: existing?.status.total ?? null,
      },
      dir: existing?.dir ?? null,
      cancelled: false,
      stop: null,
    };
    this.jobs.set(downloadId, job);
    this.queue.push(job);
    this.emit(job);
    this.pump();
    return { ...job.status };
  }

  /** Stops a download and deletes its partial file. */
  async cancel(downloadId: string): Promise<void> {
    await this.restored;
    const job = this.jobs.get(downloadId);
    if (!job) throw new ValidationError(`No download ${downloadId}`);
    job.cancelled = true;
    if (job.status.state === 'running') {
      job.stop?.(new Stopped('cancelled'));
      return;
    }
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (job.status.state !== 'done') {
      await this.discardPartial(job);
      this.settle(job, 'cancelled');
    }
  }

  /** The app is quitting: transfers stop, partial files stay for the next run. */
  close(): void {
    for (const job of this.jobs.values()) job.stop?.(new Stopped('closing'));
  }

  private pump(): void {
    const limit = this.deps.concurrency ?? 2;
    while (this.running < limit && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running += 1;
      void this.run(job).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    job.status.state = 'running';
    job.status.error = null;
    this.emit(job);
    try {
      const item = await this.download(job);
      job.status.itemId = item.itemId;
      job.status.bytes = item.size;
      job.status.total = item.size;
      this.settle(job, 'done');
    } catch (error) {
      if (job.cancelled) {
        await this.discardPartial(job);
        this.settle(job, 'cancelled');
        return;
      }
      if (error instanceof Stopped) {
        this.settle(job, 'interrupted');
        return;
      }
      const failure = asDownloadFailure(error, this.deps.library.folder());
      job.status.error = { code: failure.code, message: failure.message };
      this.settle(job, 'failed');
    }
  }

  private async download(job: Job): Promise<LibraryItem> {
    const { sessionId, profileId } = job.status;
    const sealed = await this.gateway(profileId, (client, token) =>
      client.call('GET', `${recordingPath(sessionId)}/manifest`, SealedRecordingSchema, { token }),
    );
    checkSealedKey(this.deps.profiles.get(profileId), sealed);
    const { library } = this.deps;
    const itemId = itemIdFor(sealed.manifest, false);
    job.status.total = sealed.size;
    if (await library.has(itemId)) return library.verify(itemId);
    const dir = library.itemDir(itemId);
    job.dir = dir;
    const files = library.files(itemId);
    const part = `${files.recording}${PART_SUFFIX}`;
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(files.manifest, `${JSON.stringify(sealed.manifest, null, 2)}\n`);
      await writeFileAtomic(files.signature, `${sealed.signature}\n`);
    } catch (error) {
      throw fileSystemFailure(error, library.folder());
    }
    if (!(await exists(files.recording))) {
      await this.transfer(job, sealed, part, join(dir, PART_STATE));
      try {
        await syncFile(part);
        await rename(part, files.recording);
        await syncDir(dir);
      } catch (error) {
        throw fileSystemFailure(error, library.folder());
      }
    }
    let hasSnapshot = false;
    try {
      await this.gateway(profileId, (client, token) =>
        saveSnapshot(client, token, sessionId, join(dir, ITEM_FILES.snapshot), this.deps.now()),
      );
      hasSnapshot = true;
    } catch (error) {
      // The recording itself is safe; offline review goes on without the context.
      console.warn(`No session snapshot for session ${sessionId}: ${describe(error)}`);
    }
    await rm(join(dir, PART_STATE), { force: true });
    return library.complete(itemId, sealed.manifest, {
      profileId,
      gatewayUrl: this.deps.profiles.get(profileId).url,
      publicKey: sealed.publicKey,
      imported: false,
      hasSnapshot,
    });
  }

  /** Brings `part` to the full file: from where it stopped when the gateway still has the same bytes. */
  private async transfer(job: Job, sealed: SealedRecording, part: string, stateFile: string): Promise<void> {
    const { sessionId, profileId, downloadId } = job.status;
    const saved = await readPartState(stateFile);
    let offset = await sizeOf(part);
    const sameBytes = saved !== null && saved.sha256 === sealed.sha256 && saved.size === sealed.size;
    if (!sameBytes || saved.etag === null || offset > sealed.size) offset = 0;
    if (offset === sealed.size && offset > 0) return;
    const headers: Record<string, string> =
      offset > 0 && saved?.etag ? { range: `bytes=${offset}-`, 'if-range': saved.etag } : {};
    const response = await this.gateway(profileId, (client, token) =>
      client.open(recordingPath(sessionId), { token, headers }),
    );
    let start = 0;
    if (response.statusCode === 206) {
      start = Number(/^bytes (\d+)-/.exec(String(response.headers['content-range']))?.[1] ?? NaN);
      if (start !== offset) {
        response.destroy();
        throw new NetworkError(
          `The gateway sent bytes from ${start} instead of ${offset}: start the download again`,
        );
      }
    }
    const state: PartState = {
      version: 1,
      downloadId,
      profileId,
      sessionId,
      size: sealed.size,
      sha256: sealed.sha256,
      etag: typeof response.headers.etag === 'string' ? response.headers.etag : null,
    };
    job.status.resumedFrom = start;
    job.status.bytes = start;
    const meter = new ProgressMeter(() => this.deps.now().getTime());
    meter.record(start);
    let lastEmit = 0;
    const every = this.deps.progressEveryMs ?? 250;
    const received = (chunk: Buffer) => {
      job.status.bytes += chunk.length;
      meter.record(job.status.bytes);
      const now = this.deps.now().getTime();
      if (now - lastEmit >= every) {
        lastEmit = now;
        job.status.rate = meter.rate();
        job.status.etaSeconds = meter.etaSeconds(job.status.bytes, job.status.total);
        this.emit(job);
      }
    };
    job.stop = (reason) => response.destroy(reason);
    if (job.cancelled) response.destroy(new Stopped('cancelled'));
    const writing = writeAll(
      response,
      this.fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w', mode: 0o600 }),
      received,
    );
    let stateFailure: unknown = null;
    try {
      await writeFileAtomic(stateFile, `${JSON.stringify(state)}\n`);
    } catch (error) {
      stateFailure = error;
      response.destroy();
    }
    const failure = stateFailure ?? (await writing);
    await writing;
    job.stop = null;
    if (failure !== null) {
      if (failure instanceof Stopped || job.cancelled)
        throw failure instanceof Stopped ? failure : new Stopped('cancelled');
      const mapped = fileSystemFailure(failure, this.deps.library.folder());
      if (mapped !== failure) throw mapped;
      throw new NetworkError(
        `The download was cut off at ${job.status.bytes} of ${sealed.size} bytes (${describe(failure)}): start it again to resume`,
      );
    }
    const written = await sizeOf(part);
    if (written !== sealed.size) {
      throw new NetworkError(
        `The download stopped at ${written} of ${sealed.size} bytes: start it again to resume`,
      );
    }
  }

  /** A call with the login of the download's profile (another login meanwhile is not it). */
  private gateway<T>(
    profileId: string,
    call: (client: GatewayClient, token: string) => Promise<T>,
  ): Promise<T> {
    if (this.deps.access.profileId() !== profileId) return Promise.reject(new NotLoggedInError());
    return this.deps.access.withSession(call);
  }

  private async discardPartial(job: Job): Promise<void> {
    if (job.dir === null) return;
    if (await exists(join(job.dir, ITEM_FILES.meta))) return;
    await rm(job.dir, { recursive: true, force: true }).catch(() => undefined);
  }

  private settle(job: Job, state: DownloadStatus['state']): void {
    job.status.state = state;
    job.status.rate = 0;
    job.status.etaSeconds = null;
    this.emit(job);
  }

  private emit(job: Job): void {
    this.deps.events('downloads:progress', { ...job.status });
  }

  /** Downloads a previous run left partial are listed as interrupted, ready to resume. */
  private async restore(): Promise<void> {
    const folder = this.deps.library.folder();
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const dir = join(folder, name);
      if (await exists(join(dir, ITEM_FILES.meta))) continue;
      const state = await readPartState(join(dir, PART_STATE));
      if (state === null || this.jobs.has(state.downloadId)) continue;
      const status = blankStatus(state.downloadId, state.profileId, state.sessionId);
      status.state = 'interrupted';
      status.total = state.size;
      status.bytes = await sizeOf(join(dir, `${ITEM_FILES.recording}${PART_SUFFIX}`));
      this.jobs.set(state.downloadId, { status, dir, cancelled: false, stop: null });
    }
  }
}

/**
 * Copies the response into the file. When the connection breaks, what arrived is still flushed to
 * the file (that is what a resume starts from); the first error is returned, not thrown.
 */
async function writeAll(
  response: IncomingMessage,
  out: WriteStream,
  received: (chunk: Buffer) => void,
): Promise<unknown> {
  let failure: unknown = null;
  let writeFailed = false;
  out.once('error', (error) => {
    writeFailed = true;
    failure ??= error;
    response.destroy();
  });
  // Flowing at once: bytes that arrived are handed to the file before a later error could drop them.
  await new Promise<void>((resolve) => {
    response.on('data', (chunk: Buffer) => {
      received(chunk);
      if (!out.write(chunk)) {
        response.pause();
        out.once('drain', () => response.resume());
      }
    });
    response.once('end', () => resolve());
    response.once('error', (error) => {
      failure ??= error;
      resolve();
    });
    response.once('close', () => resolve());
  });
  if (!response.complete) failure ??= new Error('the connection closed before the end');
  if (writeFailed) {
    out.destroy();
    return failure;
  }
  await new Promise<void>((resolve) =>
    out.end((error?: Error | null) => {
      if (error) failure ??= error;
      resolve();
    }),
  );
  return failure;
}

function blankStatus(downloadId: string, profileId: string, sessionId: number): DownloadStatus {
  return {
    downloadId,
    profileId,
    sessionId,
    state: 'queued',
    bytes: 0,
    total: null,
    rate: 0,
    etaSeconds: null,
    resumedFrom: 0,
    itemId: null,
    error: null,
  };
}

function asDownloadFailure(error: unknown, folder: string): AppFailure {
  const mapped = fileSystemFailure(error, folder);
  if (mapped instanceof AppFailure) return mapped;
  if (mapped instanceof GatewayError) return mapped;
  return new AppFailure('INTERNAL', `The download failed: ${describe(mapped)}`);
}

async function readPartState(path: string): Promise<PartState | null> {
  try {
    const data: unknown = JSON.parse(await readFile(path, 'utf8'));
    return Value.Check(PartStateSchema, data) ? data : null;
  } catch {
    return null;
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
