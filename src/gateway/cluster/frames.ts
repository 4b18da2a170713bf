import { isLiveServerMessage, type LiveServerMessage } from '../../shared/live';

/** A Live Stream message other than the snapshot, as the owner's viewers would get it. */
export type RelayedState = Exclude<LiveServerMessage, { type: 'snapshot' }>;

/**
 * One frame of a live session relayed to viewers on other nodes (`<prefix>.session.<id>.frames`).
 * The owning node numbers a session's frames 1, 2, 3…, so a follower puts a late-join snapshot
 * (which says the last number it includes) in its place and notices a frame that never arrived.
 */
export type RelayFrame =
  { seq: number; kind: 'output'; data: Uint8Array } | { seq: number; kind: 'state'; message: RelayedState };

const OUTPUT = 1;
const STATE = 2;
/** One byte of kind, six of sequence number (48 bits: more frames than a session ever has). */
const HEADER_BYTES = 7;

/**
 * Binary on the wire: terminal output is most of the traffic and stays the raw bytes the target
 * sent (JSON would have to base64 them); state messages are the Live Stream JSON.
 */
export function encodeFrame(frame: RelayFrame): Uint8Array {
  const body = frame.kind === 'output' ? frame.data : Buffer.from(JSON.stringify(frame.message));
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = frame.kind === 'output' ? OUTPUT : STATE;
  out.writeUIntBE(frame.seq, 1, 6);
  out.set(body, HEADER_BYTES);
  return out;
}

/** The frame in `bytes`, or null when it is not one (wrong kind, bad JSON, unknown message). */
export function decodeFrame(bytes: Uint8Array): RelayFrame | null {
  if (bytes.length < HEADER_BYTES) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seq = buffer.readUIntBE(1, 6);
  const body = buffer.subarray(HEADER_BYTES);
  if (buffer[0] === OUTPUT) return { seq, kind: 'output', data: body };
  if (buffer[0] !== STATE) return null;
  try {
    const message: unknown = JSON.parse(body.toString('utf8'));
    if (!isLiveServerMessage(message) || message.type === 'snapshot') return null;
    return { seq, kind: 'state', message };
  } catch {
    return null;
  }
}
