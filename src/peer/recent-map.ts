/**
 * A Map that keeps at most `max` entries, forgetting the one set longest ago: what a process
 * learns per address or per file (a dialect that worked, a digest) stays bounded however many
 * counterparts it meets. Setting a key again makes it the newest.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
