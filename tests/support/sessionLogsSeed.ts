import { join } from 'node:path';
import type { NewRiskyCommand } from '../../src/gateway/db/commandRules';
import { ensureDataDir } from '../../src/gateway/datadir';
import { RecordingWriter, type FinishedRecording } from '../../src/recording';
import { withDataDir } from './gateway';

/**
 * What a finished session leaves for its logs, written into a gateway data folder: a real
 * recording (the gateway renders its text itself), the typed commands and the risky ones.
 */

/** Terminal output at a session time (ms from the start). */
export interface OutputStep {
  atMs: number;
  output: string;
}

/**
 * Writes a recording of `steps` into the data folder's recordings, as the SSH proxy would. The
 * clock is driven by the steps, so every output lands at its session time.
 */
export async function writeRecording(
  dataDir: string,
  name: string,
  steps: readonly OutputStep[],
  options: { startedAt: Date; cols?: number; rows?: number },
): Promise<FinishedRecording> {
  let now = 0;
  const writer = new RecordingWriter({
    path: join(ensureDataDir(dataDir).recordings, `${name}.rec`),
    sessionId: name,
    cols: options.cols ?? 100,
    rows: options.rows ?? 30,
    startedAt: options.startedAt,
    now: () => now,
  });
  for (const step of steps) {
    now = step.atMs;
    writer.output(Buffer.from(step.output, 'utf8'));
  }
  return writer.close();
}

export interface SessionLogsSeed {
  commands?: { offsetMs: number; command: string }[];
  risky?: Omit<NewRiskyCommand, 'sessionId' | 'at'>[];
}

/** Adds typed commands and the risky ones among them to a seeded session. */
export async function seedSessionLogs(
  dataDir: string,
  sessionId: number,
  startedAt: number,
  seed: SessionLogsSeed,
): Promise<void> {
  await withDataDir(dataDir, (outer) =>
    outer.transaction(async (store) => {
      await store.sessionCommands.addMany(
        (seed.commands ?? []).map((c) => ({ sessionId, at: startedAt + c.offsetMs, ...c })),
      );
      for (const r of seed.risky ?? []) {
        await store.commandRules.addRisky({ sessionId, at: startedAt + r.offsetMs, ...r });
      }
    }),
  );
}
