import { createReadStream, existsSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { RecordingManifest, SealedRecording } from '../../shared/api';
import type { SessionRecord } from '../db/sessionTypes';
import type { AsyncStore } from '../db/asyncStore';
import { badRequest, conflict, notFound } from '../errors';
import type { RecordingStore } from '../recordings/recordingStore';
import type { RecordingSeal } from '../seal/recordingSeal';
import type { Clock } from '../time';
import { callerEvent, type Caller } from './caller';

/** A reported play may come this far ahead of the gateway's clock (the app's clock may run fast). */
export const PLAY_CLOCK_SKEW_MS = 60_000;

/** The recording file of a finished session, as a download serves it. */
export interface RecordingFile {
  size: number;
  sha256: string;
  /** The name a browser or the app saves it under. */
  filename: string;
  /** The bytes `start..end` (inclusive). */
  open(start: number, end: number): Readable | Promise<Readable>;
}

/**
 * Sealed recordings for the API: the manifest with its signature and key, the file to download, and
 * the audit events of downloads and plays. The route guard has already checked the caller.
 */
export class RecordingService {
  constructor(
    private readonly store: AsyncStore,
    private readonly seal: RecordingSeal,
    private readonly clock: Clock,
    /** The recordings every node reads; null on a single gateway. */
    private readonly shared: RecordingStore | null = null,
  ) {}

  signingKey(): { publicKey: string; keyId: string } {
    return this.seal.publicKey();
  }

  /** The signed manifest; a recording left unsealed (a failure at its end) is sealed now. */
  async manifest(session: SessionRecord): Promise<SealedRecording> {
    const recording = this.recordingOf(session);
    let stored = await this.seal.stored(session.id);
    if (stored === null) {
      if (!existsSync(this.seal.recordingFile(recording.path))) throw this.missing(session);
      try {
        stored = await this.seal.seal(session.id);
      } catch (err) {
        throw conflict(
          `The recording of session ${session.id} is not sealed yet: ${(err as Error).message}`,
          'NOT_SEALED',
        );
      }
    }
    if (stored === null) throw notFound(`Session ${session.id} has no recording`);
    return {
      manifest: JSON.parse(stored.manifest) as RecordingManifest,
      signature: stored.signature,
      ...this.seal.publicKey(),
      size: recording.size,
      sha256: recording.sha256,
    };
  }

  /**
   * The file to stream. One whose size differs from the sealed size is refused: it was changed on
   * disk, and a client would only find out after downloading it.
   */
  async file(session: SessionRecord): Promise<RecordingFile> {
    const recording = this.recordingOf(session);
    const path = this.seal.recordingFile(recording.path);
    const filename = `vigil-session-${session.id}-${session.hash}.vrec`;
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      // Not on this node: another node ran the session and copied it to the shared store.
      if (this.shared === null || !(await this.shared.exists(session.hash))) throw this.missing(session);
      const shared = this.shared;
      const stored = await shared.stat(session.hash);
      if (stored.sha256 !== recording.sha256 || stored.size !== recording.size) {
        throw conflict(
          `The shared copy of the recording of session ${session.id} is not the one its session sealed`,
          'RECORDING_ALTERED',
        );
      }
      return {
        size: stored.size,
        sha256: recording.sha256,
        filename,
        open: (start, end) => shared.read(session.hash, { start, end }),
      };
    }
    if (size !== recording.size) {
      throw conflict(
        `The recording file of session ${session.id} has ${size} bytes on the gateway instead of ${recording.size}: it was altered`,
        'RECORDING_ALTERED',
      );
    }
    return {
      size,
      sha256: recording.sha256,
      filename,
      open: (start, end) => createReadStream(path, { start, end }),
    };
  }

  /** A download that starts at byte 0 (a resumed range is the same download, not logged again). */
  async downloaded(caller: Caller, session: SessionRecord, file: RecordingFile): Promise<void> {
    await this.store.events.append(
      callerEvent(
        caller,
        'Video Download',
        this.clock(),
        session.id,
        `Downloaded the recording of session ${session.id} (${file.size} bytes, SHA-256 ${file.sha256})`,
      ),
    );
  }

  /**
   * A play of the recording, at `at` when the app reports one made offline. The time must lie
   * between the session's end and now (a little ahead of now counts as now).
   */
  async played(caller: Caller, session: SessionRecord, at: string | undefined): Promise<void> {
    const now = this.clock();
    let when = now;
    if (at !== undefined) {
      const parsed = Date.parse(at);
      if (Number.isNaN(parsed)) throw badRequest(`body.at is not a date and time: ${at}`);
      if (parsed > now + PLAY_CLOCK_SKEW_MS) {
        throw badRequest(`body.at (${at}) is in the future: a play is reported after it happened`);
      }
      const endedAt = session.endedAt ?? session.startedAt;
      if (parsed < endedAt) {
        throw badRequest(
          `body.at (${at}) is before the session ended (${new Date(endedAt).toISOString()}): its recording did not exist yet`,
        );
      }
      when = Math.min(parsed, now);
    }
    const late = when < now ? ` (reported at ${new Date(now).toISOString()})` : '';
    await this.store.events.append(
      callerEvent(
        caller,
        'Session Play',
        when,
        session.id,
        `Played the recording of session ${session.id}${late}`,
      ),
    );
  }

  private missing(session: SessionRecord) {
    return notFound(`The recording file of session ${session.id} is missing on the gateway`);
  }

  private recordingOf(session: SessionRecord): { path: string; size: number; sha256: string } {
    const { recording } = session;
    if (recording === null || recording.path === null) {
      throw notFound(`Session ${session.id} has no recording`);
    }
    return { path: recording.path, size: recording.size, sha256: recording.sha256 };
  }
}
