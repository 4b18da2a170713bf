import type { TrayCounts } from './tray';

export interface TrayCountsOptions {
  /** How many sessions are live now, as the logged-in user sees them; null when it cannot be told. */
  countLive: () => Promise<number | null>;
  /** Session rows change in bursts (a gateway restart finishes many): one count per burst. */
  settleMs?: number;
}

/**
 * The numbers behind the tray / menu-bar icon: unread alerts as the alert centre reports them, live
 * sessions counted again (after a short pause) whenever a session starts or finishes.
 */
export class TrayCounter {
  private counts: TrayCounts = { live: null, unread: 0 };
  private readonly listeners = new Set<(counts: TrayCounts) => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;

  constructor(private readonly options: TrayCountsOptions) {}

  get current(): TrayCounts {
    return { ...this.counts };
  }

  onChange(listener: (counts: TrayCounts) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setUnread(unread: number): void {
    this.set({ ...this.counts, unread });
  }

  /** Signed in: count now. Signed out: nothing is known until the next login. */
  signedIn(yes: boolean): void {
    this.generation += 1;
    if (!yes) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.set({ live: null, unread: 0 });
      return;
    }
    void this.count();
  }

  /** A session row changed: count again once the burst settled. */
  sessionsChanged(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.count();
    }, this.options.settleMs ?? 500);
    this.timer.unref?.();
  }

  private async count(): Promise<void> {
    const generation = this.generation;
    let live: number | null;
    try {
      live = await this.options.countLive();
    } catch {
      live = null;
    }
    // A count that started before a logout must not show up after it.
    if (generation === this.generation) this.set({ ...this.counts, live });
  }

  private set(next: TrayCounts): void {
    if (next.live === this.counts.live && next.unread === this.counts.unread) return;
    this.counts = next;
    for (const listener of this.listeners) listener({ ...next });
  }
}
