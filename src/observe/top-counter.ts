/** RFC numbers below this are counted in a flat array: every real RFC (about 9,800 today) fits. */
const DENSE_KEYS = 65_536;

/**
 * "Most frequent" counter over an unbounded stream of keys (RFC numbers), in bounded memory
 * and at the cost of an array increment per count for every real RFC number.
 *
 * Keys below 65,536 are counted exactly in a Uint32Array (256 KiB). Peers may send any 9-digit
 * number, so bigger keys go to a map that, when it reaches `2 * capacity` keys, is cut back to
 * the `capacity` most counted ones: each cut is O(k log k), at most once per `capacity` new
 * keys, so O(1) amortised; frequent keys survive every cut, a key first seen after a cut
 * restarts at 1 — the price of the bound.
 */
export class TopCounter {
  private readonly dense = new Uint32Array(DENSE_KEYS);
  private readonly sparse = new Map<number, number>();
  /** One past the highest flat key counted, so top() scans only the used part of the array. */
  private denseEnd = 0;

  constructor(readonly capacity: number) {}

  add(key: number, by = 1): void {
    if (key >= 0 && key < DENSE_KEYS) {
      this.dense[key]! += by;
      if (key >= this.denseEnd) this.denseEnd = key + 1;
      return;
    }
    const n = this.sparse.get(key);
    if (n !== undefined) {
      this.sparse.set(key, n + by);
      return;
    }
    if (this.sparse.size >= this.capacity * 2) this.prune();
    this.sparse.set(key, by);
  }

  /** Keys held by the bounded map (the flat array is fixed-size). */
  get sparseSize(): number {
    return this.sparse.size;
  }

  /** The `n` most counted keys, highest first (ties: lower key first). O(highest flat key + map size). */
  top(n: number): Array<{ key: number; count: number }> {
    const best = new Best(n);
    const { dense } = this;
    for (let key = 0; key < this.denseEnd; key++) if (dense[key] !== 0) best.offer(key, dense[key]!);
    for (const [key, count] of this.sparse) best.offer(key, count);
    return best.sorted();
  }

  private prune(): void {
    const keep = [...this.sparse].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, this.capacity);
    this.sparse.clear();
    for (const [key, count] of keep) this.sparse.set(key, count);
  }
}

/** The n best (key, count) pairs seen, kept sorted; an offer below the current n-th is one comparison. */
class Best {
  private readonly items: Array<{ key: number; count: number }> = [];

  constructor(private readonly n: number) {}

  offer(key: number, count: number): void {
    const { items, n } = this;
    if (items.length === n) {
      if (n === 0 || !before(key, count, items[n - 1]!)) return;
      items.pop();
    }
    const entry = { key, count };
    let i = items.length;
    items.push(entry);
    for (; i > 0 && before(key, count, items[i - 1]!); i--) items[i] = items[i - 1]!;
    items[i] = entry;
  }

  sorted(): Array<{ key: number; count: number }> {
    return this.items;
  }
}

function before(key: number, count: number, other: { key: number; count: number }): boolean {
  return count > other.count || (count === other.count && key < other.key);
}
