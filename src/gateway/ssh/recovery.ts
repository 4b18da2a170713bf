import { open, stat, truncate } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { NODE_LOST_MESSAGE } from '../cluster/leases';
import type { DataPaths } from '../datadir';
import { sha256File } from '../../recording';
import { FRAME_HEADER_BYTES, MAGIC, parseFrameHeader, payloadIsIntact } from '../../recording/format';
import { openRecording } from '../../recording/raster/openRecording';
import type { SessionLedger } from '../services/sessionLedger';
import type { Clock } from '../time';

export const INTERRUPTED_MESSAGE = 'The gateway stopped while the session was live';

export interface RecoveredSession {
  id: number;
  recording: { size: number; sha256: string; durationMs: number; truncatedBytes: number } | null;
}

/**
 * Run at start, before the proxy accepts anyone: sessions the database still calls live were cut
 * by a crash or kill. Each is finished with an error note; its recording keeps every intact frame
 * (the writer flushes at least once a second) and loses only a torn last frame, then is hashed.
 */
export async function recoverInterruptedSessions(
  ledger: SessionLedger,
  paths: DataPaths,
  clock: Clock,
): Promise<RecoveredSession[]> {
  const recovered: RecoveredSession[] = [];
  for (const session of await ledger.listLive()) {
    let recording: RecoveredSession['recording'] = null;
    let note = INTERRUPTED_MESSAGE;
    if (session.recordingPath !== null) {
      const file = isAbsolute(session.recordingPath)
        ? session.recordingPath
        : join(paths.root, session.recordingPath);
      try {
        recording = await sealInterruptedRecording(file);
        note = `${INTERRUPTED_MESSAGE}; the recording keeps its first ${Math.round(recording.durationMs / 1000)} s`;
      } catch (err) {
        note = `${INTERRUPTED_MESSAGE}; its recording is unreadable (${(err as Error).message})`;
      }
    }
    const now = clock();
    const endedAt = recording === null ? now : Math.min(now, session.startedAt + recording.durationMs);
    await ledger.finishInterrupted(session, {
      endedAt: Math.max(endedAt, session.startedAt),
      errorMessage: INTERRUPTED_MESSAGE,
      note,
      recording:
        recording === null || session.recordingPath === null
          ? null
          : { path: session.recordingPath, size: recording.size, sha256: recording.sha256 },
    });
    recovered.push({ id: session.id, recording });
  }
  // With several nodes: sessions peers finished while this node was gone; their recordings are here.
  for (const session of await ledger.lostSessions(NODE_LOST_MESSAGE)) {
    const file = isAbsolute(session.recordingPath)
      ? session.recordingPath
      : join(paths.root, session.recordingPath);
    let recording: Awaited<ReturnType<typeof sealInterruptedRecording>>;
    try {
      recording = await sealInterruptedRecording(file);
    } catch {
      // Nothing readable was left: the session stays finished without a recording.
      continue;
    }
    await ledger.recordingRecovered(
      session,
      { path: session.recordingPath, size: recording.size, sha256: recording.sha256 },
      `The recording kept by this gateway node after it was lost: its first ${Math.round(recording.durationMs / 1000)} s`,
    );
    recovered.push({ id: session.id, recording });
  }
  return recovered;
}

/**
 * Cuts a torn last frame off a recording the writer never closed, then measures and hashes it.
 * Either kind (terminal or raster): frames are the same, and each kind's reader gives the duration
 * from the last event it can read.
 */
export async function sealInterruptedRecording(
  file: string,
): Promise<{ size: number; sha256: string; durationMs: number; truncatedBytes: number }> {
  const before = (await stat(file)).size;
  let reader = await openRecording(file);
  let truncatedBytes = 0;
  if (!reader.complete) {
    await reader.close();
    const intact = await intactLength(file, before);
    if (intact < before) {
      await truncate(file, intact);
      truncatedBytes = before - intact;
    }
    reader = await openRecording(file);
  }
  const durationMs = reader.durationMs;
  await reader.close();
  return { size: before - truncatedBytes, sha256: await sha256File(file), durationMs, truncatedBytes };
}

/** Bytes up to the end of the last intact frame (as the readers read an unfinished file). */
async function intactLength(file: string, size: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(FRAME_HEADER_BYTES);
    const frames: { offset: number; end: number }[] = [];
    for (let at = MAGIC.length; at + FRAME_HEADER_BYTES <= size;) {
      await handle.read(header, 0, FRAME_HEADER_BYTES, at);
      const frame = parseFrameHeader(header, 0, at);
      const end = at + FRAME_HEADER_BYTES + (frame?.length ?? 0);
      if (frame === null || end > size) break;
      frames.push({ offset: at, end });
      at = end;
    }
    // Only the last frames can be torn (a crash mid-write); earlier ones were complete writes.
    while (frames.length > 1) {
      const last = frames[frames.length - 1]!;
      const bytes = Buffer.alloc(last.end - last.offset);
      await handle.read(bytes, 0, bytes.length, last.offset);
      const frame = parseFrameHeader(bytes, 0, last.offset)!;
      if (payloadIsIntact(frame, bytes.subarray(FRAME_HEADER_BYTES))) break;
      frames.pop();
    }
    return frames[frames.length - 1]?.end ?? MAGIC.length;
  } finally {
    await handle.close();
  }
}
