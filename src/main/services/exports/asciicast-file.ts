import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { RecordingReader, asciicastLines } from '../../../recording';
import { exportFailure, unreadableRecording } from './export-errors';

/**
 * Writes a terminal recording as an asciicast v2 file, then closes the reader. Lines are streamed
 * (an 8-hour session never sits whole in memory) to `<path>.part`, renamed once complete: a file at
 * `path` is always whole.
 */
export async function writeAsciicastFile(reader: RecordingReader, path: string): Promise<number> {
  const partial = `${path}.part`;
  try {
    const out = createWriteStream(partial, { mode: 0o600 });
    // Registered first, so an open or write error is never unhandled while lines are produced.
    const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error));
    failed.catch(() => undefined);
    try {
      for await (const line of asciicastLines(reader)) {
        if (!out.write(`${line}\n`)) await Promise.race([once(out, 'drain'), failed]);
      }
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    } finally {
      out.destroy();
    }
    await rename(partial, path);
    return (await stat(path)).size;
  } catch (error) {
    await rm(partial, { force: true });
    throw exportFailure(error, path);
  } finally {
    await reader.close();
  }
}

/** Opens a library recording, or says in the user's terms why it cannot be read. */
export async function openRecording(path: string): Promise<RecordingReader> {
  try {
    return await RecordingReader.open(path);
  } catch (error) {
    throw unreadableRecording(error);
  }
}
