import { rm, stat } from 'node:fs/promises';
import type { EvidenceCheck, EvidenceFileStatus } from '../../../shared/evidenceIpc';
import { verifyEvidenceBundle, writeEvidenceBundle, type BundleVerification } from '../../../evidence';
import type { BundleInspection, EvidenceCore } from './core-port';

const STATUS_ORDER: Record<EvidenceFileStatus, number> = { missing: 0, changed: 1, added: 2, ok: 3 };

/** The bundle format of src/evidence behind the port the export and the Bundles list use. */
export function createEvidenceCore(): EvidenceCore {
  return {
    async write({ exported, recordings, destination, format, signal }) {
      signal.throwIfAborted();
      // The save dialog already asked before replacing a zip of that name.
      if (format === 'zip' && (await isFile(destination))) await rm(destination);
      await writeEvidenceBundle({
        evidence: exported,
        recordings: recordings.map(({ sessionId, path }) => ({ sessionId, file: path })),
        out: destination,
        zip: format === 'zip',
      });
    },
    async inspect(path, now) {
      return inspection(await verifyEvidenceBundle(path, { now: () => now }));
    },
  };
}

export function inspection(result: BundleVerification): BundleInspection {
  const files = result.files
    .map((file) => ({
      path: file.path,
      status: file.status,
      detail: file.reasons.length > 0 ? file.reasons.join('; ') : null,
    }))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.path.localeCompare(b.path));
  const check: EvidenceCheck = {
    status: result.ok ? 'verified' : 'altered',
    reason: result.ok
      ? result.checks.map((c) => c.summary).join('. ')
      : (result.problems[0] ?? result.checks.find((c) => !c.ok)?.problems[0] ?? 'A check failed'),
    checkedAt: result.verifiedAt,
    files,
  };
  const { statement } = result;
  const summary =
    statement === null
      ? null
      : {
          sessionIds: statement.sessionIds,
          withoutRecording: statement.sessionIds.filter(
            (id) => !statement.recordings.some((r) => r.sessionId === id && r.purgedAt === null),
          ),
          createdAt: statement.createdAt,
        };
  return { check, summary };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
