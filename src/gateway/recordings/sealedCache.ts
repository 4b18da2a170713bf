/**
 * What stores remember of recordings they have looked at. A sealed recording never changes (a
 * store refuses to replace it), so what its manifest says can be kept: a player's range requests
 * then cost one read each, not a manifest read and a size check first. Only a purge makes an entry
 * wrong, and the read that follows finds the recording gone and forgets it.
 */
export class SealedCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly limit = 1000) {}

  get(hash: string): T | undefined {
    const entry = this.entries.get(hash);
    if (entry !== undefined) {
      // Most recently used last, so the oldest goes first when full.
      this.entries.delete(hash);
      this.entries.set(hash, entry);
    }
    return entry;
  }

  set(hash: string, entry: T): void {
    this.entries.delete(hash);
    this.entries.set(hash, entry);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(hash: string): void {
    this.entries.delete(hash);
  }
}
