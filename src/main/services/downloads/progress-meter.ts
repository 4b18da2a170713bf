/** How far back the rate looks: long enough to smooth bursts, short enough to follow a slowdown. */
const WINDOW_MS = 3_000;

/** Rate (bytes a second) and time left of a transfer, from timed byte counts. */
export class ProgressMeter {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(private readonly now: () => number) {}

  record(bytes: number): void {
    const at = this.now();
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && this.samples[0]!.at < at - WINDOW_MS) this.samples.shift();
  }

  rate(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.at <= first.at) return 0;
    return Math.round(((last.bytes - first.bytes) * 1000) / (last.at - first.at));
  }

  etaSeconds(bytes: number, total: number | null): number | null {
    const rate = this.rate();
    if (total === null || rate <= 0) return null;
    return Math.ceil(Math.max(0, total - bytes) / rate);
  }
}
