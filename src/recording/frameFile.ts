import { closeSync, fsync, openSync, writev, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { encodeFrameHeader, type FrameTypeCode } from './format';

const writevAsync = promisify(writev);
const fsyncAsync = promisify(fsync);

/** The recording file: created with its first bytes, then only ever appended to, frame by frame. */
export class FrameFile {
  private readonly fd: number;
  private bytes: number;

  /** Synchronous on purpose: once constructed, the file exists and holds `head` (a valid recording). */
  constructor(path: string, head: Buffer) {
    this.fd = openSync(path, 'wx', 0o640);
    writeSync(this.fd, head);
    this.bytes = head.length;
  }

  get size(): number {
    return this.bytes;
  }

  /** Appends a frame whose payload is `pieces` concatenated, without copying them; returns its offset. */
  async append(type: FrameTypeCode, flags: number, tMs: number, pieces: Buffer[]): Promise<number> {
    const frame = [encodeFrameHeader(type, flags, tMs, pieces), ...pieces];
    const length = frame.reduce((n, b) => n + b.length, 0);
    let rest = frame;
    for (let written = 0; written < length;) {
      const { bytesWritten } = await writevAsync(this.fd, rest);
      written += bytesWritten;
      rest = skipBytes(rest, bytesWritten);
    }
    const offset = this.bytes;
    this.bytes += length;
    return offset;
  }

  sync(): Promise<void> {
    return fsyncAsync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** What is left of `buffers` after the first `n` bytes (short writes). */
function skipBytes(buffers: Buffer[], n: number): Buffer[] {
  const rest = [...buffers];
  while (n > 0 && rest.length > 0) {
    const first = rest.shift()!;
    if (first.length > n) rest.unshift(first.subarray(n));
    n -= Math.min(n, first.length);
  }
  return rest;
}
