import zlib from 'node:zlib';

/** What every Z_SYNC_FLUSH ends with; stripped when writing, put back when reading (RFC 7692 §7.2.1). */
const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * One segment's raw-deflate stream. Each `compress` call returns a sync-flushed piece that, appended
 * to the earlier pieces, inflates to everything given so far, so pieces are written as soon as they
 * exist. Compression runs on the libuv thread pool, off the event loop. One call at a time.
 */
export class SegmentDeflater {
  private readonly stream: zlib.DeflateRaw;
  private chunks: Buffer[] = [];
  private failure: Error | null = null;

  constructor(level: number) {
    // Large output chunks: a bulk frame comes back in one or two callbacks instead of dozens.
    this.stream = zlib.createDeflateRaw({ level, chunkSize: 256 * 1024 });
    this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.stream.on('error', (err: Error) => (this.failure = err));
  }

  /** The compressed piece for `plain` (given as pieces), itself as pieces. */
  compress(plain: readonly Buffer[]): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      // One write per frame: each zlib write is a thread-pool round trip, dearer than this copy.
      this.stream.write(plain.length === 1 ? plain[0]! : Buffer.concat(plain));
      this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (this.failure) return reject(this.failure);
        const out = this.chunks;
        this.chunks = [];
        try {
          resolve(withoutSyncTail(out));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
  }

  close(): void {
    this.stream.close();
  }
}

function withoutSyncTail(chunks: Buffer[]): Buffer[] {
  const last = chunks.length > 0 ? chunks[chunks.length - 1]! : Buffer.alloc(0);
  const tail = last.length >= SYNC_TAIL.length ? last : Buffer.concat(chunks.slice(-SYNC_TAIL.length));
  if (!tail.subarray(-SYNC_TAIL.length).equals(SYNC_TAIL))
    throw new Error('deflate flush without a sync marker');
  let strip = SYNC_TAIL.length;
  const out = [...chunks];
  while (strip > 0) {
    const chunk = out.pop()!;
    if (chunk.length > strip) out.push(chunk.subarray(0, chunk.length - strip));
    strip -= Math.min(strip, chunk.length);
  }
  return out;
}

/** The reading side of SegmentDeflater, for a segment that is still growing. One call at a time. */
export class SegmentInflater {
  private readonly stream = zlib.createInflateRaw({ chunkSize: 256 * 1024 });
  private chunks: Buffer[] = [];
  private failure: Error | null = null;

  constructor() {
    this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.stream.on('error', (err: Error) => (this.failure = err));
  }

  /** Plaintext of the next pieces (consecutive frame payloads) of the segment. */
  inflate(pieces: readonly Buffer[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      for (const piece of pieces) {
        this.stream.write(piece);
        this.stream.write(SYNC_TAIL);
      }
      this.stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        if (this.failure) return reject(this.failure);
        const out = Buffer.concat(this.chunks);
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.close();
  }
}

/** Plaintext of a whole segment from its frames' payloads, in file order. */
export function decodeSegmentPayloads(payloads: readonly Buffer[], deflated: boolean): Buffer {
  if (!deflated) return payloads.length === 1 ? payloads[0]! : Buffer.concat(payloads);
  const parts: Buffer[] = [];
  for (const payload of payloads) parts.push(payload, SYNC_TAIL);
  return zlib.inflateRawSync(Buffer.concat(parts), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** As decodeSegmentPayloads, inflating on the thread pool: several segments can inflate at once. */
export function decodeSegmentPayloadsAsync(payloads: readonly Buffer[], deflated: boolean): Promise<Buffer> {
  if (!deflated) return Promise.resolve(decodeSegmentPayloads(payloads, false));
  const parts: Buffer[] = [];
  for (const payload of payloads) parts.push(payload, SYNC_TAIL);
  return new Promise((resolve, reject) =>
    zlib.inflateRaw(Buffer.concat(parts), { finishFlush: zlib.constants.Z_SYNC_FLUSH }, (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
}

const SAMPLE_BYTES = 4096;

/**
 * True for data that deflate would barely shrink (compressed, encrypted or random bytes). Compressing
 * it costs ~10x more CPU per byte than text for nothing, so such frames are stored as they are.
 */
export function looksIncompressible(data: Buffer): boolean {
  if (data.length < 2 * SAMPLE_BYTES) return false;
  const sample = data.subarray(data.length - SAMPLE_BYTES);
  return zlib.deflateRawSync(sample, { level: 1 }).length > SAMPLE_BYTES * 0.9;
}

/** Deflate on the thread pool; `dictionary` must be given again to inflate. */
export function deflateStandalone(data: Buffer, dictionary?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    zlib.deflateRaw(data, { level: 9, ...(dictionary?.length ? { dictionary } : {}) }, (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
}

export function inflateStandalone(data: Buffer, dictionary?: Buffer): Buffer {
  return zlib.inflateRawSync(data, dictionary?.length ? { dictionary } : {});
}
