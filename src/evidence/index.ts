/**
 * Evidence bundles (docs/evidence.md): sessions exported with everything that proves them, checked
 * offline by anyone. Node code shared by the desktop app's main process and the gateway.
 *
 * How to use:
 *   - Write: `writeEvidenceBundle({ evidence, recordings, out, zip })` with the answer of
 *     POST /api/v1/evidence and the downloaded recordings (see writeBundle.ts).
 *   - Verify: `verifyEvidenceBundle(folderOrZip)` → BundleVerification (see verifyBundle.ts); show
 *     `problems` / `files`, compare `keyId` with the gateway's published key id.
 *   - Show: `renderEvidenceReport(verification)` (HTML) or `describeVerification(verification)` (text).
 *   - Gateway side: `buildStatement`, `statementText`, `signStatement` (statement.ts).
 */
export { writeEvidenceBundle, type WriteBundleInput, type WrittenBundle } from './writeBundle';
export {
  verifyEvidenceBundle,
  type BundleSession,
  type BundleVerification,
  type CheckName,
  type CheckResult,
  type FileCheck,
  type FileRole,
  type FileStatus,
  type VerifyOptions,
} from './verifyBundle';
export { renderEvidenceReport } from './report';
export { describeVerification } from './describe';
export { looksLikeZip, openBundle } from './bundleSource';
export { buildStatement, hashOf, signStatement, statementSignatureHolds, statementText } from './statement';
export { auditProofProblems, chainEventHash } from './auditProofCheck';
