import type { EvidenceFileHash, EvidenceStatement } from '../shared/evidence';

export const BUNDLE_INDEX_TYPE = 'vigil-evidence-bundle';

/**
 * bundle.json: the index of every other file of the bundle with its SHA-256 and size. It is not
 * signed (the statement is); it names files added, removed or changed after the export, including
 * the ones the statement does not cover (report.html, public-key.pem).
 */
export interface BundleIndex {
  type: typeof BUNDLE_INDEX_TYPE;
  version: 1;
  /** As the statement says. */
  createdAt: string;
  sessionIds: number[];
  keyId: string;
  files: EvidenceFileHash[];
}

/**
 * The exact text of bundle.json for these files: derived from the statement and the files alone
 * (stable key order, sorted paths, two-space indent), so the verifier can rebuild it byte for byte.
 */
export function bundleIndexText(input: { statement: EvidenceStatement; files: EvidenceFileHash[] }): string {
  const index: BundleIndex = {
    type: BUNDLE_INDEX_TYPE,
    version: 1,
    createdAt: input.statement.createdAt,
    sessionIds: input.statement.sessionIds,
    keyId: input.statement.keyId,
    files: [...input.files]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((f) => ({ path: f.path, sha256: f.sha256, size: f.size })),
  };
  return `${JSON.stringify(index, null, 2)}\n`;
}

export function parseBundleIndex(bytes: Buffer): BundleIndex {
  const value = JSON.parse(bytes.toString('utf8')) as BundleIndex;
  if (
    typeof value !== 'object' ||
    value === null ||
    value.type !== BUNDLE_INDEX_TYPE ||
    !Array.isArray(value.files)
  )
    throw new Error('not a bundle index');
  for (const f of value.files)
    if (typeof f?.path !== 'string' || typeof f.sha256 !== 'string' || typeof f.size !== 'number')
      throw new Error('a file entry is malformed');
  return value;
}
