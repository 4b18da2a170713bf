import { open } from 'node:fs/promises';
import {
  FormatError,
  FRAME_HEADER_BYTES,
  FrameType,
  MAGIC,
  parseFrameHeader,
  payloadIsIntact,
} from '../format';
import { readExactly } from '../layout';
import { RecordingReader } from '../reader';
import { isRasterHeader, type AnyRecordingHeader } from './rasterFormat';
import { RasterRecordingReader } from './reader';

/** The header of a recording file, of either kind. */
export async function readRecordingHeader(path: string): Promise<AnyRecordingHeader> {
  const file = await open(path, 'r');
  try {
    const head = await readExactly(file, 0, MAGIC.length + FRAME_HEADER_BYTES);
    const frame = parseFrameHeader(head, MAGIC.length, MAGIC.length);
    if (!head.subarray(0, MAGIC.length).equals(MAGIC) || frame?.type !== FrameType.Header) {
      throw new FormatError('not a Vigil recording');
    }
    const payload = await readExactly(file, head.length, frame.length);
    if (!payloadIsIntact(frame, payload)) throw new FormatError('recording header corrupt');
    return JSON.parse(payload.toString('utf8')) as AnyRecordingHeader;
  } finally {
    await file.close();
  }
}

/**
 * Opens a recording with the reader of its kind, for what both have (`complete`, `durationMs`,
 * `close`): sealing a recording after a crash, whatever the session's protocol.
 */
export async function openRecording(path: string): Promise<RecordingReader | RasterRecordingReader> {
  return isRasterHeader(await readRecordingHeader(path))
    ? RasterRecordingReader.open(path)
    : RecordingReader.open(path);
}
