import { EventKind, FormatError, type MarkerKind, type MarkerRef } from './format';

/** A silence: no output and no resize from `fromMs` to `toMs`. */
export interface IdleGap {
  fromMs: number;
  toMs: number;
}

/** What a player shows before the first screen: the timeline strip, the markers and the silences. */
export interface RecordingOverview {
  /** Output bytes per bucket; bucket i covers [i, i + 1) x durationMs / buckets (the last one includes the end). */
  activity: number[];
  outputBytes: number;
  idleGaps: IdleGap[];
  markers: MarkerRef[];
}

export interface OverviewOptions {
  durationMs: number;
  buckets?: number;
  /** Silences longer than this are idle gaps. */
  idleMs?: number;
}

export const DEFAULT_ACTIVITY_BUCKETS = 600;
export const DEFAULT_IDLE_MS = 5_000;

/** What the writer keeps in the index for players: output per second and the idle gaps (> 5 s). */
export interface TimelineIndex {
  /** Seconds with output, in order: [second since start, output bytes in it]. */
  outputSeconds: [second: number, bytes: number][];
  /** Silences of the screen longer than DEFAULT_IDLE_MS, including one up to the end. */
  idleGaps: [fromMs: number, toMs: number][];
}

/**
 * Collected by the writer as events come (two comparisons per event), so a player opening a
 * finished recording gets its timeline from the index instead of inflating the whole file.
 */
export class TimelineLog {
  private readonly outputSeconds: [number, number][] = [];
  private readonly idleGaps: [number, number][] = [];
  private lastVisibleMs = 0;

  output(t: number, bytes: number): void {
    if (bytes === 0) return;
    const second = Math.floor(t / 1000);
    const last = this.outputSeconds[this.outputSeconds.length - 1];
    if (last?.[0] === second) last[1] += bytes;
    else this.outputSeconds.push([second, bytes]);
    this.visible(t);
  }

  visible(t: number): void {
    if (t - this.lastVisibleMs > DEFAULT_IDLE_MS) this.idleGaps.push([this.lastVisibleMs, t]);
    this.lastVisibleMs = Math.max(this.lastVisibleMs, t);
  }

  index(durationMs: number): TimelineIndex {
    const idleGaps = [...this.idleGaps];
    if (durationMs - this.lastVisibleMs > DEFAULT_IDLE_MS) idleGaps.push([this.lastVisibleMs, durationMs]);
    return { outputSeconds: this.outputSeconds, idleGaps };
  }
}

/**
 * The overview from a finished recording's index, when its one-second resolution is enough (a
 * bucket of at least a second, gaps of at least DEFAULT_IDLE_MS); null otherwise.
 */
export function overviewFromIndex(
  timeline: TimelineIndex,
  markers: MarkerRef[],
  options: OverviewOptions,
): RecordingOverview | null {
  const buckets = Math.max(1, options.buckets ?? DEFAULT_ACTIVITY_BUCKETS);
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const bucketMs = options.durationMs / buckets;
  if (bucketMs < 1000 || idleMs < DEFAULT_IDLE_MS) return null;
  const activity = new Array<number>(buckets).fill(0);
  let outputBytes = 0;
  for (const [second, bytes] of timeline.outputSeconds) {
    activity[Math.min(buckets - 1, Math.floor((second * 1000) / bucketMs))]! += bytes;
    outputBytes += bytes;
  }
  const idleGaps = timeline.idleGaps
    .filter(([fromMs, toMs]) => toMs - fromMs > idleMs)
    .map(([fromMs, toMs]) => ({ fromMs, toMs }));
  return { activity, outputBytes, idleGaps, markers };
}

/**
 * Builds the overview from segment plaintexts in one pass over the encoded events, without
 * decoding them into objects: an 8-hour recording holds millions of events, and only their kind,
 * time and length matter here.
 */
export class OverviewBuilder {
  private readonly activity: number[];
  private readonly bucketMs: number;
  private readonly idleMs: number;
  private readonly durationMs: number;
  private readonly gaps: IdleGap[] = [];
  private readonly markers: MarkerRef[] = [];
  private outputBytes = 0;
  /** Time of the last output or resize (the screen's last change). */
  private lastVisibleMs = 0;

  constructor(options: OverviewOptions) {
    const buckets = Math.max(1, options.buckets ?? DEFAULT_ACTIVITY_BUCKETS);
    this.activity = new Array<number>(buckets).fill(0);
    this.durationMs = Math.max(0, options.durationMs);
    this.bucketMs = this.durationMs / buckets;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Scans one segment's plaintext; segments must come in order. */
  add(plain: Buffer, baseMs: number): void {
    let at = 0;
    let t = baseMs;
    const varint = (): number => {
      let n = 0;
      let scale = 1;
      for (;;) {
        if (at >= plain.length) throw new FormatError('truncated event');
        const b = plain[at++]!;
        n += (b & 0x7f) * scale;
        if (b < 0x80) return n;
        scale *= 128;
        if (scale > 2 ** 49) throw new FormatError('varint too long');
      }
    };
    while (at < plain.length) {
      const kind = plain[at++]!;
      t += varint();
      if (kind === EventKind.Resize) {
        varint();
        varint();
        this.visible(t);
        continue;
      }
      const length = varint();
      if (at + length > plain.length) throw new FormatError('truncated event data');
      if (kind === EventKind.Output) {
        this.output(t, length);
      } else if (kind === EventKind.Marker) {
        const [markerKind, note] = JSON.parse(plain.toString('utf8', at, at + length)) as [
          MarkerKind,
          string,
        ];
        this.markers.push({ tMs: t, kind: markerKind, note });
      } else if (kind !== EventKind.Input) {
        throw new FormatError(`unknown event kind 0x${kind.toString(16)}`);
      }
      at += length;
    }
  }

  finish(): RecordingOverview {
    this.gap(this.lastVisibleMs, this.durationMs);
    return {
      activity: this.activity,
      outputBytes: this.outputBytes,
      idleGaps: this.gaps,
      markers: this.markers,
    };
  }

  private output(t: number, length: number): void {
    if (length === 0) return;
    const bucket = this.bucketMs > 0 ? Math.floor(t / this.bucketMs) : 0;
    this.activity[Math.min(this.activity.length - 1, bucket)]! += length;
    this.outputBytes += length;
    this.visible(t);
  }

  private visible(t: number): void {
    this.gap(this.lastVisibleMs, t);
    this.lastVisibleMs = Math.max(this.lastVisibleMs, t);
  }

  private gap(fromMs: number, toMs: number): void {
    if (toMs - fromMs > this.idleMs) this.gaps.push({ fromMs, toMs });
  }
}
