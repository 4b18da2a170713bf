import type { SegmentRef } from '../format';
import { SegmentInflater } from '../segmentCodec';
import { BrotliSegmentInflater } from './brotliSegment';
import { decodeRasterEvents, type RasterEvent } from './rasterFormat';

export interface SegmentFrame {
  /** Time of the frame's first event. */
  tMs: number;
  payload: Buffer;
}

/**
 * One segment's events, decompressed frame by frame only as far as asked: a seek stops at its
 * time, a video export moves forward without decompressing anything twice. One call at a time.
 */
export class SegmentEvents {
  readonly events: RasterEvent[] = [];
  private decodedFrames = 0;
  private lastMs: number;
  private readonly inflater: BrotliSegmentInflater | SegmentInflater | null;

  constructor(
    readonly index: number,
    segment: SegmentRef,
    private readonly frames: readonly SegmentFrame[],
  ) {
    this.lastMs = segment.tMs;
    this.inflater = segment.brotli
      ? new BrotliSegmentInflater()
      : segment.deflated
        ? new SegmentInflater()
        : null;
  }

  get complete(): boolean {
    return this.decodedFrames >= this.frames.length;
  }

  /** The events decoded so far, after decoding every frame that can hold one at or before `ms`. */
  async through(ms: number): Promise<readonly RasterEvent[]> {
    let end = this.decodedFrames;
    while (end < this.frames.length && this.frames[end]!.tMs <= ms) end++;
    if (end === this.decodedFrames) return this.events;
    const payloads = this.frames.slice(this.decodedFrames, end).map((frame) => frame.payload);
    const plain = this.inflater ? await this.inflater.inflate(payloads) : Buffer.concat(payloads);
    this.decodedFrames = end;
    for (const event of decodeRasterEvents(plain, this.lastMs)) this.events.push(event);
    this.lastMs = this.events.at(-1)?.t ?? this.lastMs;
    return this.events;
  }

  close(): void {
    this.inflater?.close();
  }
}
