import zlib from 'node:zlib';

const { BROTLI_OPERATION_FLUSH, BROTLI_PARAM_LGWIN, BROTLI_PARAM_QUALITY } = zlib.constants;

export interface BrotliSegmentOptions {
  /** 0–11; the writer uses 6: size hardly shrinks beyond it for the CPU spent. */
  quality: number;
  /** log2 of the window: repaints of what was on screen minutes ago are found within it. */
  windowBits: number;
}

/**
 * One raster segment's brotli stream. Each `compress` returns a flushed piece that, appended to the
 * earlier pieces, decodes to everything given so far, so a frame is written as soon as it is cut.
 * A long window finds the bitmaps a server sends again (the same window repainted after a focus
 * change, a caret, the text that scrolled back) where deflate's 32 KiB cannot. Runs on the libuv
 * thread pool. One call at a time.
 */
export class BrotliSegmentCompressor {
  private readonly stream: zlib.BrotliCompress;
  private chunks: Buffer[] = [];
  private failure: Error | null = null;

  constructor(options: BrotliSegmentOptions) {
    this.stream = zlib.createBrotliCompress({
      chunkSize: 256 * 1024,
      params: { [BROTLI_PARAM_QUALITY]: options.quality, [BROTLI_PARAM_LGWIN]: options.windowBits },
    });
    this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.stream.on('error', (err: Error) => (this.failure = err));
  }

  compress(plain: readonly Buffer[]): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.stream.write(plain.length === 1 ? plain[0]! : Buffer.concat(plain));
      this.stream.flush(BROTLI_OPERATION_FLUSH, () => {
        if (this.failure) return reject(this.failure);
        const out = this.chunks;
        this.chunks = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.close();
  }
}

/** The reading side: the plaintext of a segment's next frames, as far as they are given. One call at a time. */
export class BrotliSegmentInflater {
  private readonly stream = zlib.createBrotliDecompress({ chunkSize: 256 * 1024 });
  private chunks: Buffer[] = [];
  private failure: Error | null = null;

  constructor() {
    this.stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    this.stream.on('error', (err: Error) => (this.failure = err));
  }

  inflate(pieces: readonly Buffer[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      for (const piece of pieces) this.stream.write(piece);
      this.stream.flush(BROTLI_OPERATION_FLUSH, () => {
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
