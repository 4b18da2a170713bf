import { createWriteStream } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
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
 */
export class RecordingSharing {
  readonly #publishing = new Set<Promise<unknown>>();

  constructor(
    private readonly store: AsyncStore,
    /** Null: a single node, whose data folder is the only place recordings live. */
    readonly shared: RecordingStore | null,
    private readonly seal: RecordingSeal,
    private readonly log: (message: string) => void,
  ) {}

  /** Copies a session's sealed recording to the shared store in the background; a failure is logged. */
  publish(sessionId: number): void {
    if (this.shared === null) return;
    const run = this.publishNow(sessionId)
      .catch((error: Error) =>
        this.log(
          `Could not copy the recording of session ${sessionId} to the shared store: ${error.message}`,
        ),
      )
      .finally(() => this.#publishing.delete(run));
    this.#publishing.add(run);
  }

  /**
   * Moves it now; null when there is nothing to move (no shared store, not sealed, no file here).
   * The local files go only once the store has the recording.
   */
  async publishNow(sessionId: number): Promise<'stored' | 'already-stored' | null> {
    if (this.shared === null) return null;
    const [session, sealed] = await Promise.all([
      this.store.sessions.get(sessionId, 0),
      this.seal.stored(sessionId),
    ]);
    if (session?.recording?.path == null || sealed === null) return null;
    const file = this.seal.recordingFile(session.recording.path);
    if (!(await exists(file))) return null;
    const outcome = await this.shared.put({
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
    await Promise.allSettled([...this.#publishing]);
    await this.shared?.close();
  }
}
