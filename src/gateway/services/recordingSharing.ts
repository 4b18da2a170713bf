import { createWriteStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AsyncStore } from '../db/asyncStore';
import type { RecordingStore } from '../recordings/recordingStore';
import { sealFiles, type RecordingSeal } from '../seal/recordingSeal';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Finished recordings moved to the store every gateway node reads (a shared folder or S3), so that
 * any node serves any recording. A recording is written to the node's disk while live (crash-safe),
 * sealed when the session ends, then copied to the store; once the store holds it (its bytes checked
 * against the seal), the node's copy and seal files are removed. A node that needs the whole file
 * (to build the session text) brings a copy back from the store.
 *
 * A copy that fails (the store unreachable, a full disk) leaves the recording and its seal files on
 * the node, where the node still serves it; the seal files beside a recording are the mark of one
 * not yet moved. `retry` moves those at start and then every `retryEveryMs`, so a store that comes
 * back gets them without anyone's help.
 */
export class RecordingSharing {
  readonly #publishing = new Set<Promise<unknown>>();
  /** Sessions whose copy is under way: a retry sweep leaves them to it. */
  readonly #moving = new Set<number>();
  #retryTimer: NodeJS.Timeout | null = null;
  #sweep: Promise<number[]> | null = null;

  constructor(
    private readonly store: AsyncStore,
    /** Null: a single node, whose data folder is the only place recordings live. */
    readonly shared: RecordingStore | null,
    private readonly seal: RecordingSeal,
    /** This node's recordings folder, where recordings not yet moved wait with their seal files. */
    private readonly recordingsDir: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Copies a session's sealed recording to the shared store in the background; a failure is logged. */
  publish(sessionId: number): void {
    if (this.shared === null) return;
    this.#track(
      this.publishNow(sessionId).catch((error: Error) =>
        this.log(
          `Could not copy the recording of session ${sessionId} to the shared store (it stays on this node and is tried again): ${error.message}`,
        ),
      ),
    );
  }

  /** Moves the left-behind recordings now, then every `everyMs` until `close`. */
  retry(everyMs: number): void {
    if (this.shared === null || this.#retryTimer !== null) return;
    const sweep = () =>
      this.#track(
        this.publishLeftBehind().then((ids) => {
          if (ids.length > 0)
            this.log(
              `Moved ${ids.length} recording(s) left on this node to the shared store: ${ids.join(', ')}`,
            );
        }),
      );
    sweep();
    this.#retryTimer = setInterval(sweep, everyMs);
    this.#retryTimer.unref();
  }

  /**
   * Moves every sealed recording still on this node's disk (its seal files are beside it); returns
   * the sessions moved. One that fails again is logged and left for the next sweep.
   */
  publishLeftBehind(): Promise<number[]> {
    // Sweeps never overlap: a slow store would otherwise see the same recording put twice.
    this.#sweep ??= this.#publishLeftBehind().finally(() => (this.#sweep = null));
    return this.#sweep;
  }

  async #publishLeftBehind(): Promise<number[]> {
    if (this.shared === null) return [];
    const names = await readdir(this.recordingsDir).catch(() => [] as string[]);
    const moved: number[] = [];
    for (const name of names.filter((n) => n.endsWith('.manifest.json'))) {
      const sessionId = await this.#sessionOfManifest(join(this.recordingsDir, name));
      if (sessionId === null || this.#moving.has(sessionId)) continue;
      try {
        if ((await this.publishNow(sessionId)) !== null) moved.push(sessionId);
      } catch (error) {
        this.log(
          `Could not copy the recording of session ${sessionId} to the shared store (tried again later): ${(error as Error).message}`,
        );
      }
    }
    return moved.sort((a, b) => a - b);
  }

  async #sessionOfManifest(file: string): Promise<number | null> {
    try {
      const { sessionId } = JSON.parse(await readFile(file, 'utf8')) as { sessionId?: unknown };
      return Number.isSafeInteger(sessionId) ? (sessionId as number) : null;
    } catch {
      // Removed by a copy that just finished, or not a manifest of ours.
      return null;
    }
  }

  #track(run: Promise<unknown>): void {
    const tracked = run.finally(() => this.#publishing.delete(tracked));
    this.#publishing.add(tracked);
  }

  /**
   * Moves it now; null when there is nothing to move (no shared store, not sealed, no file here).
   * The local files go only once the store has the recording.
   */
  async publishNow(sessionId: number): Promise<'stored' | 'already-stored' | null> {
    if (this.shared === null) return null;
    this.#moving.add(sessionId);
    try {
      return await this.#move(this.shared, sessionId);
    } finally {
      this.#moving.delete(sessionId);
    }
  }

  async #move(shared: RecordingStore, sessionId: number): Promise<'stored' | 'already-stored' | null> {
    const [session, sealed] = await Promise.all([
      this.store.sessions.get(sessionId, 0),
      this.seal.stored(sessionId),
    ]);
    // A purged recording's leftover copy is the retention sweep's to delete, never to share again.
    if (session?.recording?.path == null || session.recording.purgedAt != null || sealed === null)
      return null;
    const file = this.seal.recordingFile(session.recording.path);
    if (!(await exists(file))) return null;
    const outcome = await shared.put({
      hash: session.hash,
      file,
      manifest: sealed.manifest,
      signature: sealed.signature,
    });
    const seals = sealFiles(file, session.hash);
    await Promise.all([file, seals.manifest, seals.signature].map((f) => rm(f, { force: true })));
    return outcome;
  }

  /**
   * Brings a shared recording to this node's disk at `file` (where the database says it is), for
   * readers that need the whole file. False when the shared store does not have it either.
   */
  async fetch(hash: string, file: string): Promise<boolean> {
    if (this.shared === null || !(await this.shared.exists(hash))) return false;
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.fetching`;
    try {
      await pipeline(await this.shared.read(hash), createWriteStream(partial, { mode: 0o600 }));
      await rename(partial, file);
    } finally {
      await rm(partial, { force: true });
    }
    return true;
  }

  /** Waits for the copies in progress (shutdown), then releases the shared store. */
  async close(): Promise<void> {
    if (this.#retryTimer !== null) clearInterval(this.#retryTimer);
    this.#retryTimer = null;
    await Promise.allSettled([...this.#publishing]);
    await this.shared?.close();
  }
}
