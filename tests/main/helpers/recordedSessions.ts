import { finishedSession, type SeedSession } from '../../support/gateway';
import { writeRecording } from '../../support/sessionLogsSeed';

export interface RecordedSession {
  /** Alice's finished session, to seed. */
  session: SeedSession;
  /** The recording file, as the gateway's data folder names it. */
  path: string;
}

/**
 * Writes a recording named `name` in the gateway's data folder that shows `lines`, one every 100 ms
 * from `startedAt`, and answers alice's finished session that owns it, lasting as long.
 */
export async function recordedSession(
  dataDir: string,
  name: string,
  startedAt: number,
  lines: readonly string[],
): Promise<RecordedSession> {
  const recording = await writeRecording(
    dataDir,
    name,
    lines.map((line, i) => ({ atMs: i * 100, output: `${line}\r\n` })),
    { startedAt: new Date(startedAt) },
  );
  const session = finishedSession('alice', startedAt, {
    durationMs: recording.durationMs,
    endedAt: startedAt + recording.durationMs,
    recording: { path: recording.path, size: recording.size, sha256: recording.sha256 },
  });
  return { session, path: recording.path };
}
