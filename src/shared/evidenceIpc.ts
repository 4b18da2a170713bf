import type { ExportDownload } from './ipc';

/**
 * Evidence bundles as the desktop app's IPC speaks of them: one folder or zip holding chosen
 * sessions' recordings, signed manifests, session info and logs, the audit-trail excerpt with its
 * proof, the gateway's public key and an HTML verification report.
 */
export type EvidenceFormat = 'folder' | 'zip';

/** Sessions picked in the Remote sessions list or the search results, or items of the library. */
export type EvidenceExportInput =
  { format: EvidenceFormat; sessionIds: number[] } | { format: EvidenceFormat; itemIds: string[] };

export type EvidenceJobState = 'running' | 'done' | 'failed' | 'cancelled';

/** What an export is doing now, for the progress line. */
export type EvidencePhase = 'statement' | 'recordings' | 'writing' | 'verifying' | 'finished';

export interface EvidenceJob {
  jobId: string;
  sessionIds: number[];
  format: EvidenceFormat;
  state: EvidenceJobState;
  phase: EvidencePhase;
  /** 0..1 over the whole export. */
  progress: number;
  /** Once done: the bundle as the library lists it. */
  bundle: EvidenceBundle | null;
  /** In a browser: the zip waits at this one-time address for the page to hand to the browser. */
  download: ExportDownload | null;
  error: { code: string; message: string } | null;
}

/** How one file of a bundle compares with the bundle's signed list. */
export type EvidenceFileStatus = 'ok' | 'changed' | 'missing' | 'added';

export type EvidenceCheckStatus = 'verified' | 'altered';

export interface EvidenceCheck {
  status: EvidenceCheckStatus;
  /** What was checked or what failed, for the user. */
  reason: string;
  checkedAt: string;
  /** Every file the check looked at, problems first. */
  files: { path: string; status: EvidenceFileStatus; detail: string | null }[];
}

/** A bundle the app exported or opened, kept in the library's Bundles list. */
export interface EvidenceBundle {
  bundleId: string;
  /** The bundle folder or zip file on this computer. */
  path: string;
  format: EvidenceFormat;
  sessionIds: number[];
  /** Sessions bundled without a recording (purged, or still live when exported). */
  withoutRecording: number[];
  createdAt: string;
  /** Opened with "Open bundle…" rather than exported by this app. */
  imported: boolean;
  verification: EvidenceCheck;
}

export const EVIDENCE_ERROR = {
  /** Session info, logs and the audit proof come from the gateway: nothing is written without it. */
  needsGateway: 'EVIDENCE_NEEDS_GATEWAY',
  jobNotFound: 'EVIDENCE_JOB_NOT_FOUND',
  bundleNotFound: 'EVIDENCE_BUNDLE_NOT_FOUND',
  /** The path given to "Open bundle…" is not a readable bundle folder or zip. */
  notABundle: 'EVIDENCE_NOT_A_BUNDLE',
} as const;
