import type { EvidenceExport } from '../../../shared/evidence';
import type { EvidenceCheck, EvidenceFormat } from '../../../shared/evidenceIpc';

/**
 * What the export and the Bundles list need from the bundle format (src/evidence): writing a
 * bundle from the gateway's signed answer and the recording files, and checking one offline.
 */
export interface BundleRecordingFile {
  sessionId: number;
  /** The recording on this computer (a verified library copy, or one just downloaded). */
  path: string;
}

export interface BundleWriteRequest {
  /** The gateway's answer to POST /api/v1/evidence, as it came (the signed texts stay byte-exact). */
  exported: EvidenceExport;
  recordings: BundleRecordingFile[];
  /** The folder to create, or the zip file to write. */
  destination: string;
  format: EvidenceFormat;
  signal: AbortSignal;
}

export interface BundleSummary {
  sessionIds: number[];
  withoutRecording: number[];
  createdAt: string;
}

export interface BundleInspection {
  check: EvidenceCheck;
  /** What the bundle says of itself; null when it holds no readable statement. */
  summary: BundleSummary | null;
}

export interface EvidenceCore {
  write(request: BundleWriteRequest): Promise<void>;
  /**
   * Checks a bundle folder or zip against its signed statement and its index, without any
   * gateway; throws only when the path cannot be read at all.
   */
  inspect(path: string, now: Date): Promise<BundleInspection>;
}
