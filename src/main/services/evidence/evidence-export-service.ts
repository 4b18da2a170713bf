import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type {
  EvidenceBundle,
  EvidenceCheck,
  EvidenceExportInput,
  EvidenceFormat,
  EvidenceJob,
  EvidencePhase,
} from '../../../shared/evidenceIpc';
import { API_PREFIX } from '../../../shared/api';
import { EvidenceExportSchema, type EvidenceExport } from '../../../shared/evidence';
import type { LibraryItem } from '../../../shared/ipc';
import { AppFailure, NetworkError, NotLoggedInError, ValidationError, describe, toAppError } from '../errors';
import type { EventSink } from '../events';
import type { Library } from '../library/library';
import type { SaveTarget } from '../save-target';
import { BundleList } from './bundle-list';
import type { BundleRecordingFile, EvidenceCore } from './core-port';
import { EvidenceJobNotFoundError, EvidenceNeedsGatewayError, NotABundleError } from './evidence-errors';
import { downloadRecording, type GatewayCall } from './recordings';

export interface EvidenceAccess {
  /** The profile signed in now; null when nobody is. */
  profileId(): string | null;
  withSession: GatewayCall;
}

export interface EvidenceExportDeps {
  access: EvidenceAccess;
  library: Pick<Library, 'list' | 'get' | 'files' | 'verify'>;
  core: EvidenceCore;
  saveTarget: SaveTarget;
  events: EventSink;
  /** The app's own folder: the Bundles list, downloads being bundled, and bundles a browser cannot keep. */
  dataDir: string;
  /** Shows a path in the system's file manager (a no-op where there is none). */
  reveal: (path: string) => Promise<void> | void;
  now: () => Date;
  progressIntervalMs?: number;
}

/** Where each phase's progress lands in the whole export's 0..1. */
const PHASE_SPAN: Record<Exclude<EvidencePhase, 'finished'>, [number, number]> = {
  statement: [0, 0.05],
  recordings: [0.05, 0.6],
  writing: [0.6, 0.95],
  verifying: [0.95, 1],
};
const PROGRESS_INTERVAL_MS = 250;
const FINISHED_KEPT = 20;

interface Running {
  job: EvidenceJob;
  controller: AbortController;
  settled: Promise<void>;
}

interface Plan {
  sessionIds: number[];
  /** Library items whose recording may be used (when its hash is the one the gateway sealed), by session. */
  local: Map<number, LibraryItem>;
  exported: EvidenceExport;
}

/**
 * Exports evidence bundles and keeps the library's Bundles list. The gateway's signed statement
 * is fetched before anything is asked or written (without a gateway there is no bundle to make);
 * then the recordings come from the library where a verified copy is there, else from the
 * gateway, and the bundle format (src/evidence) writes and verifies the bundle.
 */
export class EvidenceExportService {
  readonly bundles: BundleList;
  private readonly jobs = new Map<string, Running>();

  constructor(private readonly deps: EvidenceExportDeps) {
    this.bundles = new BundleList(deps.dataDir);
  }

  async start(input: EvidenceExportInput): Promise<EvidenceJob> {
    const profileId = this.deps.access.profileId();
    if (profileId === null) throw new EvidenceNeedsGatewayError('nobody is signed in');
    const plan =
      'itemIds' in input
        ? await this.planItems(input.itemIds, profileId)
        : await this.planSessions(input.sessionIds, profileId);
    const name = bundleName(this.deps.now(), input.format);
    const destination = await this.destination(name, input.format);
    const job: EvidenceJob = {
      jobId: randomUUID(),
      sessionIds: plan.sessionIds,
      format: input.format,
      state: destination === null ? 'cancelled' : 'running',
      phase: 'statement',
      progress: PHASE_SPAN.statement[1],
      bundle: null,
      download: null,
      error: null,
    };
    if (destination === null) return job;
    const controller = new AbortController();
    const running: Running = { job, controller, settled: Promise.resolve() };
    this.jobs.set(job.jobId, running);
    running.settled = this.run(running, plan, destination, name);
    return { ...job };
  }

  cancel(jobId: string): void {
    const running = this.jobs.get(jobId);
    if (running === undefined) throw new EvidenceJobNotFoundError(jobId);
    if (running.job.state === 'running') running.controller.abort();
  }

  list(): Promise<EvidenceBundle[]> {
    return this.bundles.list();
  }

  /** "Open bundle…": an existing folder or zip joins the list, verified. */
  async open(path: string): Promise<EvidenceBundle> {
    const known = await this.bundles.byPath(path);
    if (known !== null) return this.verify(known.bundleId);
    let format: EvidenceFormat;
    try {
      format = (await stat(path)).isDirectory() ? 'folder' : 'zip';
    } catch (error) {
      throw new NotABundleError(path, error);
    }
    let inspected;
    try {
      inspected = await this.deps.core.inspect(path, this.deps.now());
    } catch (error) {
      throw new NotABundleError(path, error);
    }
    if (inspected.summary === null) {
      throw new NotABundleError(path, new Error('it holds no readable statement.json'));
    }
    return this.bundles.put({
      bundleId: BundleList.newId(),
      path,
      format,
      ...inspected.summary,
      imported: true,
      verification: inspected.check,
    });
  }

  async verify(bundleId: string): Promise<EvidenceBundle> {
    const bundle = await this.bundles.get(bundleId);
    let verification;
    try {
      verification = (await this.deps.core.inspect(bundle.path, this.deps.now())).check;
    } catch (error) {
      verification = unreadable(bundle.path, error, this.deps.now());
    }
    return this.bundles.put({ ...bundle, verification });
  }

  async reveal({ bundleId, report }: { bundleId: string; report: boolean }): Promise<{ path: string }> {
    const bundle = await this.bundles.get(bundleId);
    // A zip's report is inside it: the zip is what can be shown.
    const path = report && bundle.format === 'folder' ? join(bundle.path, 'report.html') : bundle.path;
    await this.deps.reveal(path);
    return { path };
  }

  forget(bundleId: string): Promise<void> {
    return this.bundles.remove(bundleId);
  }

  /** Cancels running exports and waits until their partial bundles are gone. */
  async close(): Promise<void> {
    const running = [...this.jobs.values()];
    for (const entry of running) entry.controller.abort();
    await Promise.all(running.map((entry) => entry.settled));
  }

  private async planSessions(sessionIds: number[], profileId: string): Promise<Plan> {
    const local = new Map<number, LibraryItem>();
    const wanted = new Set(sessionIds);
    for (const item of await this.deps.library.list()) {
      if (
        wanted.has(item.sessionId) &&
        item.profileId === profileId &&
        item.verification.status === 'verified'
      )
        local.set(item.sessionId, item);
    }
    return { sessionIds, local, exported: await this.statement(sessionIds) };
  }

  private async planItems(itemIds: string[], profileId: string): Promise<Plan> {
    const local = new Map<number, LibraryItem>();
    for (const itemId of itemIds) {
      const { item } = await this.deps.library.get(itemId);
      if (item.profileId !== null && item.profileId !== profileId) {
        throw new ValidationError(
          `Session ${item.sessionId} was downloaded from ${item.gatewayUrl ?? 'another gateway'}: sign in to ` +
            'that gateway to bundle it, or choose recordings of the gateway you are signed in to.',
        );
      }
      if (local.has(item.sessionId)) {
        throw new ValidationError(
          `Two of the chosen recordings are of session ${item.sessionId}: choose one.`,
        );
      }
      local.set(item.sessionId, item);
    }
    const sessionIds = [...local.keys()];
    return { sessionIds, local, exported: await this.statement(sessionIds) };
  }

  private async statement(sessionIds: number[]): Promise<EvidenceExport> {
    try {
      return await this.deps.access.withSession((client, token) =>
        client.call('POST', `${API_PREFIX}/evidence`, EvidenceExportSchema, { token, body: { sessionIds } }),
      );
    } catch (error) {
      if (error instanceof NotLoggedInError) throw new EvidenceNeedsGatewayError('nobody is signed in');
      if (error instanceof NetworkError) {
        throw new EvidenceNeedsGatewayError(`the gateway cannot be reached (${error.message})`);
      }
      throw error;
    }
  }

  /** Where the bundle goes; null when the user cancelled the dialog. */
  private async destination(name: string, format: EvidenceFormat): Promise<string | null> {
    const { saveTarget } = this.deps;
    if (saveTarget.deliver === undefined) {
      const path = await saveTarget.choose(name);
      if (path !== null && format === 'folder' && (await exists(path))) {
        throw new ValidationError(`${path} already exists: choose a new name for the bundle folder.`);
      }
      return path;
    }
    // A browser page keeps no folder: the bundle stays in the app's own folder, listed and checkable.
    const dir = join(this.deps.dataDir, 'evidence');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stem = name.replace(/\.zip$/, '');
    for (let n = 0; ; n += 1) {
      const candidate = join(dir, `${stem}${n === 0 ? '' : `-${n}`}${format === 'zip' ? '.zip' : ''}`);
      if (!(await exists(candidate))) return candidate;
    }
  }

  private async run(running: Running, plan: Plan, destination: string, name: string): Promise<void> {
    const { job, controller } = running;
    const { signal } = controller;
    const staging = join(this.deps.dataDir, 'evidence-staging', job.jobId);
    const progress = this.progressReporter(job);
    // The writer leaves nothing at the destination when it fails; after it, the bundle is ours to remove.
    let written = false;
    let ending: Partial<EvidenceJob>;
    try {
      progress('recordings', 0);
      const recordings: BundleRecordingFile[] = [];
      const sealed = plan.exported.recordings;
      for (const [index, recording] of sealed.entries()) {
        signal.throwIfAborted();
        const path = await this.recording(recording, plan.local.get(recording.sessionId), staging, signal);
        if (path !== null) recordings.push({ sessionId: recording.sessionId, path });
        progress('recordings', (index + 1) / sealed.length);
      }
      progress('writing', 0);
      await this.deps.core.write({
        exported: plan.exported,
        recordings,
        destination,
        format: job.format,
        signal,
      });
      written = true;
      signal.throwIfAborted();
      progress('verifying', 0);
      const bundle: EvidenceBundle = {
        bundleId: BundleList.newId(),
        path: destination,
        format: job.format,
        sessionIds: plan.sessionIds,
        withoutRecording: plan.sessionIds.filter((id) => !recordings.some((r) => r.sessionId === id)),
        createdAt: this.deps.now().toISOString(),
        imported: false,
        verification: (await this.deps.core.inspect(destination, this.deps.now())).check,
      };
      const download = await this.delivery(bundle, name);
      signal.throwIfAborted();
      await this.bundles.put(bundle);
      ending = { state: 'done', phase: 'finished', progress: 1, bundle, download };
    } catch (error) {
      if (written) await rm(destination, { recursive: true, force: true }).catch(() => undefined);
      if (signal.aborted) ending = { state: 'cancelled' };
      else {
        if (!(error instanceof AppFailure)) console.error('Evidence export failed', error);
        ending = { state: 'failed', error: toAppError(error) };
      }
    }
    // Staged recordings go before the job is reported over, so nothing of it is left behind by then.
    await rm(staging, { recursive: true, force: true }).catch((error: unknown) =>
      console.warn(`Could not remove ${staging}: ${describe(error)}`),
    );
    this.finish(running, ending);
  }

  /**
   * The library's copy when it is the recording the gateway sealed and still verifies (checked
   * again now), else the gateway's; null for a recording retention purged and the library lacks.
   */
  private async recording(
    sealed: EvidenceExport['recordings'][number],
    item: LibraryItem | undefined,
    staging: string,
    signal: AbortSignal,
  ): Promise<string | null> {
    // A purged recording is bundled as its signed manifest alone: that is what the statement vouches for.
    if (sealed.purgedAt !== null) return null;
    if (item !== undefined && item.sha256 === sealed.sha256) {
      const checked = await this.deps.library.verify(item.itemId);
      if (checked.verification.status === 'verified') return this.deps.library.files(item.itemId).recording;
    }
    return downloadRecording(this.deps.access.withSession, sealed.sessionId, staging, signal);
  }

  /** In a browser, a zip is also handed to the browser as a download (a copy: the listed one stays). */
  private async delivery(bundle: EvidenceBundle, name: string): Promise<EvidenceJob['download']> {
    const { saveTarget } = this.deps;
    if (saveTarget.deliver === undefined || bundle.format !== 'zip') return null;
    const staged = await saveTarget.choose(name);
    if (staged === null) return null;
    await copyFile(bundle.path, staged);
    return saveTarget.deliver(staged, basename(name));
  }

  private progressReporter(job: EvidenceJob): (phase: keyof typeof PHASE_SPAN, fraction: number) => void {
    const interval = this.deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let lastEmit = -Infinity;
    return (phase, fraction) => {
      if (job.state !== 'running') return;
      const [from, to] = PHASE_SPAN[phase];
      const changedPhase = job.phase !== phase;
      job.phase = phase;
      job.progress = Math.max(job.progress, from + (to - from) * Math.min(1, Math.max(0, fraction)));
      const now = performance.now();
      if (!changedPhase && now - lastEmit < interval) return;
      lastEmit = now;
      this.emit(job);
    };
  }

  private finish(running: Running, ending: Partial<EvidenceJob>): void {
    Object.assign(running.job, ending);
    this.emit(running.job);
    this.forgetOldFinished();
  }

  private emit(job: EvidenceJob): void {
    this.deps.events('evidence:progress', { ...job });
  }

  private forgetOldFinished(): void {
    const finished = [...this.jobs.values()].filter((entry) => entry.job.state !== 'running');
    for (const entry of finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT))) {
      this.jobs.delete(entry.job.jobId);
    }
  }
}

/** `vigil-evidence-20261006-090000` (UTC), `.zip` for a zip. */
export function bundleName(date: Date, format: EvidenceFormat): string {
  const stamp = date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `vigil-evidence-${stamp}${format === 'zip' ? '.zip' : ''}`;
}

/** A bundle that cannot be read at all (moved, deleted, or its disk gone) is as good as altered. */
function unreadable(path: string, error: unknown, now: Date): EvidenceCheck {
  return {
    status: 'altered',
    reason: `The bundle cannot be read at ${path}: ${describe(error)}`,
    checkedAt: now.toISOString(),
    files: [],
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
