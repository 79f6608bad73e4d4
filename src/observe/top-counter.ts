/**
 * Approximate "most frequent" counter over an unbounded stream of keys (RFC numbers), in
 * bounded memory. Peers choose the keys, so a map of every key ever seen could be grown
 * without limit; instead, when the map reaches `2 * capacity` keys it is cut back to the
 * `capacity` most counted ones. Each cut is O(k log k) but happens at most once per
 * `capacity` new keys, so a count stays O(1) amortised. Keys that stay frequent survive
 * every cut; a key first seen after a cut restarts at 1 — the price of the bound.
 */
export class TopCounter {
  private readonly counts = new Map<number, number>();

  constructor(readonly capacity: number) {}

  add(key: number, by = 1): void {
    const n = this.counts.get(key);
    if (n !== undefined) {
      this.counts.set(key, n + by);
      return;
    }
    if (this.counts.size >= this.capacity * 2) this.prune();
    this.counts.set(key, by);
  }

  get size(): number {
    return this.counts.size;
  }

  /** The `n` most counted keys, highest first (ties: lower key first). */
  top(n: number): Array<{ key: number; count: number }> {
    const all: Array<{ key: number; count: number }> = [];
    for (const [key, count] of this.counts) all.push({ key, count });
    all.sort((a, b) => b.count - a.count || a.key - b.key);
    return all.slice(0, n);
  }

  private prune(): void {
    const keep = this.top(this.capacity);
    this.counts.clear();
    for (const { key, count } of keep) this.counts.set(key, count);
  }
}
