import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

/**
 * Share of the event loop that terminal emulation (checkpoints, live mirrors) may use, across every
 * session of the process. @xterm/headless parses ~30-90 MB/s, slower than the proxy moves bytes, so
 * unbounded parsing would throttle sessions; with a budget, parsing lags during bulk output and
 * catches up when the output calms down.
 */
export class ParseBudget {
  private available: number;
  private last: number;

  constructor(
    private readonly share = 0.15,
    private readonly burstMs = 30,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.available = burstMs;
    this.last = now();
  }

  /** Resolves when parsing may run; always yields once so pending I/O goes first. */
  async turn(): Promise<void> {
    this.refill();
    if (this.available <= 0) await sleep(Math.ceil(-this.available / this.share));
    else await yieldToLoop();
  }

  spend(ms: number): void {
    this.refill();
    this.available -= ms;
  }

  private refill(): void {
    const t = this.now();
    this.available = Math.min(this.burstMs, this.available + (t - this.last) * this.share);
    this.last = t;
  }
}

export const processParseBudget = new ParseBudget();
