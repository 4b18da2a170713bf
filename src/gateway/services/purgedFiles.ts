import { readdir, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AsyncStore } from '../db/asyncStore';
import type { PurgeCandidate } from '../db/rows/recordingPurges';
import type { RecordingStore } from '../recordings/recordingStore';
import { sealFiles } from '../seal/recordingSeal';
import { iso, type Clock } from '../time';
import { SESSION_TEXT_VERSION } from './sessionText';

/** A recording or one of its seal files, named by the session's hash, in a node's recordings folder. */
const RECORDING_FILE = /^([0-9a-f]{8,128})\.(vrec|manifest\.json|manifest\.sig)$/;
/** The manifest goes first, as in the stores: without it a recording no longer counts as kept. */
const REMOVAL_ORDER = ['manifest.json', 'manifest.sig', 'vrec'];
const HASHES_PER_QUERY = 500;

/** What the API and the logs tab say of a purged recording. */
export function purgedMessage(sessionId: number, purgedAt: number): string {
  return `The recording of session ${sessionId} was purged on ${iso(purgedAt)}`;
}

/**
 * Deletes what a purge takes away: the recording and its seal files from this node's disk and from
 * the shared store, and the terminal text built from it. The session row, its events, its typed
 * commands and its seal in the database stay.
 */
export class PurgedFiles {
  constructor(
    private readonly store: AsyncStore,
    /** The data folder recording paths are relative to. */
    private readonly dataDir: string,
    /** This node's recordings folder. */
    private readonly recordingsDir: string,
    /** The store every node reads; null on a single gateway. */
    private readonly shared: RecordingStore | null,
    private readonly clock: Clock,
  ) {}

  /**
   * Deletes a purged recording's files and the terminal text built from it; `deleted` then clears
   * its pending mark. Whatever throws leaves the mark, so the next purge tries again. The local file
   * goes before the shared copy: a copy to the shared store needs the local file, so none can start
   * once it is gone.
   */
  async delete(purged: PurgeCandidate): Promise<void> {
    const path = purged.recording.path;
    const file = isAbsolute(path) ? path : join(this.dataDir, path);
    const seals = sealFiles(file, purged.hash);
    for (const name of [seals.manifest, seals.signature, file]) await rm(name, { force: true });
    await this.shared?.delete(purged.hash);
    // In chunks, each its own transaction: a long text never holds the database for long.
    while (await this.store.sessionText.removeSome(purged.id)) await yieldToLoop();
  }

  /** Marks these purges done (files and text gone), in one transaction. */
  async deleted(purges: readonly PurgeCandidate[]): Promise<void> {
    if (purges.length === 0) return;
    const at = this.clock();
    await this.store.transaction(async (tx) => {
      for (const purged of purges) {
        const message = `${purgedMessage(purged.id, purged.purgedAt ?? at)}: its terminal text was deleted with it`;
        const state = { status: 'unavailable' as const, lines: 0, message, version: SESSION_TEXT_VERSION };
        await tx.sessionText.markBuilt(purged.id, state, at);
        await tx.sessions.purgeFilesDeleted(purged.id);
      }
    });
  }

  /**
   * Deletes the files of purged recordings still in this node's folder: another node purged them
   * (it cannot reach this disk), or a copy to the shared store left them here. Their shared copy
   * goes first, so a failure leaves the local file for the next sweep to find. Returns the hashes
   * cleaned; a failure is passed to `failed` and left for the next sweep.
   */
  async sweep(failed: (hash: string, error: Error) => void): Promise<string[]> {
    const names = await readdir(this.recordingsDir).catch(() => [] as string[]);
    const byHash = new Map<string, string[]>();
    for (const name of names) {
      const match = RECORDING_FILE.exec(name);
      if (match !== null) byHash.set(match[1]!, [...(byHash.get(match[1]!) ?? []), name]);
    }
    const hashes = [...byHash.keys()];
    const cleaned: string[] = [];
    for (let at = 0; at < hashes.length; at += HASHES_PER_QUERY) {
      for (const hash of await this.store.sessions.purgedHashes(hashes.slice(at, at + HASHES_PER_QUERY))) {
        const files = byHash.get(hash) ?? [];
        try {
          await this.shared?.delete(hash);
          for (const name of files.sort(byRemovalOrder(hash)))
            await rm(join(this.recordingsDir, name), { force: true });
          cleaned.push(hash);
        } catch (error) {
          failed(hash, error as Error);
        }
      }
    }
    return cleaned;
  }
}

const byRemovalOrder = (hash: string) => (a: string, b: string) =>
  REMOVAL_ORDER.indexOf(a.slice(hash.length + 1)) - REMOVAL_ORDER.indexOf(b.slice(hash.length + 1));
