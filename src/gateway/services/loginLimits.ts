/**
 * In-memory counters of the login service. They only hold recent entries: keys whose entries all
 * left the window are swept, so an attacker rotating source addresses cannot grow them for long.
 */

/** Attempts per key within a sliding window; an attempt is held until released (a success) or it ages out. */
export class SlidingWindow {
  readonly #attempts = new Map<string, number[]>();
  #sweepAt = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Takes a slot for `key` at `now`; false (and nothing taken) when the window is full. */
  reserve(key: string, now: number): boolean {
    this.#sweep(now);
    const recent = this.#recent(key, now);
    if (recent.length >= this.max) return false;
    recent.push(now);
    this.#attempts.set(key, recent);
    return true;
  }

  /** Gives back a slot taken at `at` (the attempt turned out to be legitimate). */
  release(key: string, at: number): void {
    const list = this.#attempts.get(key);
    const index = list?.indexOf(at) ?? -1;
    if (index === -1) return;
    list!.splice(index, 1);
    if (list!.length === 0) this.#attempts.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const since = now - this.windowMs;
    return (this.#attempts.get(key) ?? []).filter((at) => at > since);
  }

  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + this.windowMs;
    for (const key of [...this.#attempts.keys()]) {
      const recent = this.#recent(key, now);
      if (recent.length === 0) this.#attempts.delete(key);
      else this.#attempts.set(key, recent);
    }
  }
}

/**
 * Lets one event per key through per interval and counts the ones held back, so repeated refusals
 * leave evidence without each of them costing an audit event.
 */
export class RefusalThrottle {
  readonly #last = new Map<string, { at: number; held: number }>();

  constructor(private readonly intervalMs: number) {}

  /** The number of refusals held back since the last event when one may be written now, else null. */
  take(key: string, now: number): number | null {
    const last = this.#last.get(key);
    if (last !== undefined && now - last.at < this.intervalMs) {
      last.held++;
      return null;
    }
    if (this.#last.size > 10_000) this.#sweep(now);
    this.#last.set(key, { at: now, held: 0 });
    return last?.held ?? 0;
  }

  #sweep(now: number): void {
    for (const [key, last] of this.#last) if (now - last.at >= this.intervalMs) this.#last.delete(key);
  }
}
