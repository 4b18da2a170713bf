import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';

export interface ParseBudgetOptions {
  /** Share of the event loop parsing may use while the loop has time to spare. */
  share?: number;
  /** Share left to parsing while the loop is saturated (bulk transfers): it catches up afterwards. */
  busyShare?: number;
  /** Parsing that may run back to back before the share applies. */
  burstMs?: number;
  now?: () => number;
  /** Fraction of the recent past the event loop was busy (0..1). */
  loopLoad?: () => number;
}

/** Event-loop utilization since the previous call. */
function eventLoopLoad(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const delta = performance.eventLoopUtilization(last);
    last = performance.eventLoopUtilization();
    return delta.utilization;
  };
}

const LOAD_SAMPLE_MS = 200;

/**
 * Share of the event loop that terminal emulation (checkpoints, live mirrors) may use, across every
 * session of the process. @xterm/headless parses ~30-90 MB/s, slower than the proxy moves bytes, so
 * unbounded parsing would throttle sessions. With a budget, parsing lags during bulk output (and gets
 * less of the loop the busier the loop is) and catches up when the output calms down.
 */
export class ParseBudget {
  private readonly maxShare: number;
  private readonly busyShare: number;
  private readonly burstMs: number;
  private readonly now: () => number;
  private readonly loopLoad: () => number;
  private share: number;
  private available: number;
  private last: number;
  private lastLoadSample: number;

  constructor(options: ParseBudgetOptions = {}) {
    this.maxShare = options.share ?? 0.15;
    this.busyShare = options.busyShare ?? 0.02;
    this.burstMs = options.burstMs ?? 30;
    this.now = options.now ?? (() => performance.now());
    this.loopLoad = options.loopLoad ?? eventLoopLoad();
    this.share = this.maxShare;
    this.available = this.burstMs;
    this.last = this.now();
    this.lastLoadSample = this.last;
  }

  /** The share in force (tests, diagnostics). */
  get currentShare(): number {
    return this.share;
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
    if (t - this.lastLoadSample >= LOAD_SAMPLE_MS) {
      this.lastLoadSample = t;
      // Full share up to 60% load, the busy share from 90%, linear between.
      const load = this.loopLoad();
      const weight = Math.min(1, Math.max(0, (0.9 - load) / 0.3));
      this.share = this.busyShare + (this.maxShare - this.busyShare) * weight;
    }
    this.available = Math.min(this.burstMs, this.available + (t - this.last) * this.share);
    this.last = t;
  }
}

export const processParseBudget = new ParseBudget();
