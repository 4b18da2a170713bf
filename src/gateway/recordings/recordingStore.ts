import type { Readable } from 'node:stream';
import { GatewayError } from '../errors';

/**
 * Where finished recordings live once sealed, so that any gateway node can serve any of them. A
 * recording is written to the node's local disk while live (crash-safe) and put into a store on
 * finish, with its manifest and signature. A store names a recording by the session's hash and keeps
 * three things under it: the recording, its manifest and the manifest's signature. The manifest is
 * published last and removed first: a recording counts as stored only while its manifest is there,
 * so no reader ever sees a recording without its seal, nor a partly written one.
 */
export interface RecordingStore {
  /** Where the recordings go, for logs and errors (no credentials). */
  readonly description: string;
  /**
   * Publishes a sealed recording from the node's local file. Putting the same recording again
   * (same SHA-256) is a no-op that only restores missing seal files; a different recording under
   * the same hash is refused (RecordingConflictError): a store never replaces sealed bytes. The
   * bytes are hashed on their way in and refused if they are not the ones the manifest seals.
   */
  put(recording: SealedRecordingFiles): Promise<PutOutcome>;
  /** Size, SHA-256 and entity tag; RecordingNotFoundError when the recording is not stored. */
  stat(hash: string): Promise<StoredRecording>;
  exists(hash: string): Promise<boolean>;
  /**
   * The bytes `start..end` (inclusive, as `answerRange` gives them), or the whole recording without
   * a range. RecordingNotFoundError when not stored, RecordingRangeError when the range starts past
   * the end; an end past the end is cut to it.
   */
  read(hash: string, range?: ByteRange): Promise<Readable>;
  /** The manifest and signature as sealed, for a node that serves a recording it did not seal. */
  seal(hash: string): Promise<RecordingSealFiles>;
  /** Removes the recording and its seal files (purge). False when nothing was stored. */
  delete(hash: string): Promise<boolean>;
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}

export interface RecordingSealFiles {
  /** The canonical manifest text, exactly as signed. */
  manifest: string;
  /** The base64 Ed25519 signature of the manifest bytes. */
  signature: string;
}

export interface SealedRecordingFiles extends RecordingSealFiles {
  /** The session's hash: the recording's name in every store. */
  hash: string;
  /** The finished recording on this node's disk. */
  file: string;
}

export interface StoredRecording {
  size: number;
  /** Hex SHA-256 of the bytes, as the manifest seals them. */
  sha256: string;
  /** A strong HTTP entity tag: the quoted SHA-256, the same whichever node or store serves it. */
  etag: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export type PutOutcome = 'stored' | 'already-stored';

export class RecordingNotFoundError extends GatewayError {
  constructor(hash: string, where: string) {
    super(404, 'NOT_FOUND', `The recording ${hash} is not in ${where}`);
  }
}

export class RecordingConflictError extends GatewayError {
  constructor(hash: string, where: string, stored: string, offered: string) {
    super(
      409,
      'RECORDING_CONFLICT',
      `${where} already holds a different recording ${hash} (SHA-256 ${stored}, not ${offered}): sealed recordings are never replaced`,
    );
  }
}

export class RecordingRangeError extends GatewayError {
  constructor(hash: string, range: ByteRange, size: number) {
    super(
      400,
      'RANGE_NOT_SATISFIABLE',
      `Bytes ${range.start}-${range.end} lie beyond the ${size} bytes of recording ${hash}`,
    );
  }
}

/** Session hashes are 32 hex digits; anything else could name a path outside the store. */
const HASH = /^[0-9a-f]{8,128}$/;

export function checkHash(hash: string): string {
  if (!HASH.test(hash)) throw new Error(`"${hash.slice(0, 140)}" is not a recording hash`);
  return hash;
}

/** The object or file names of one recording, relative to the store's folder or prefix. */
export function recordingNames(hash: string): { recording: string; manifest: string; signature: string } {
  checkHash(hash);
  return { recording: `${hash}.vrec`, manifest: `${hash}.manifest.json`, signature: `${hash}.manifest.sig` };
}

/** What the manifest says of the bytes it seals. */
export function sealedContent(manifest: string): { size: number; sha256: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest);
  } catch {
    throw new Error('The manifest is not JSON');
  }
  const { size, sha256 } = (parsed ?? {}) as { size?: unknown; sha256?: unknown };
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new Error('The manifest has no valid size');
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new Error('The manifest has no valid sha256');
  }
  return { size, sha256 };
}

export const etagOf = (sha256: string): string => `"${sha256}"`;

/** A range checked against the size: RecordingRangeError past the end, the end cut to the last byte. */
export function clampRange(hash: string, range: ByteRange, size: number): ByteRange {
  if (!Number.isSafeInteger(range.start) || range.start < 0 || range.end < range.start) {
    throw new Error(`${range.start}-${range.end} is not a byte range`);
  }
  if (range.start >= size) throw new RecordingRangeError(hash, range, size);
  return { start: range.start, end: Math.min(range.end, size - 1) };
}
