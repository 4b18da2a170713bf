import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { describeVerification, looksLikeZip, verifyEvidenceBundle } from '../evidence';

/** Whether `verify PATH` names an evidence bundle (a folder, or a zip) rather than a recording. */
export function isEvidenceBundle(path: string): boolean {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return false;
  }
  if (stat.isDirectory()) return true;
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return looksLikeZip(head);
}

/**
 * `vigil-gateway verify BUNDLE [--json]`: every check of the bundle, offline; 0 when all pass, 1
 * otherwise. Problems go to standard error, each naming its file (standard output with --json).
 */
export async function verifyBundleCommand(
  path: string,
  json: boolean,
  io: { out(line: string): void; err(line: string): void },
): Promise<number> {
  const verification = await verifyEvidenceBundle(path);
  if (json) io.out(JSON.stringify(verification, null, 2));
  else {
    const lines = describeVerification(verification);
    const problemsAt = lines.indexOf('Problems:');
    for (const line of problemsAt < 0 ? lines : lines.slice(0, problemsAt)) io.out(line);
    if (problemsAt >= 0) for (const line of lines.slice(problemsAt)) io.err(line);
  }
  return verification.ok ? 0 : 1;
}
