import type { RfcRecord } from '../protocol/index.js';
import type { OwnerId } from './store.js';

/** The records one owner holds, by record id. */
export type OwnerRecords = Map<string, RfcRecord>;

/**
 * This instance's own records, kept locally so it can put them back after Redis lost them
 * (a restart without persistence, or a purge while we were cut off) and answer the
 * records-per-peer limit without a round trip. Costs memory for our records only.
 */
export class OwnRecords {
  private readonly byOwner = new Map<OwnerId, OwnerRecords>();
  /** Owners whose drop failed while Redis was unreachable: retried after reconnecting. */
  private readonly undropped = new Set<OwnerId>();

  /**
   * The owner's map, created on its first ADD attempt. An add completing later writes into
   * the map it was given; if the owner was dropped meanwhile that map is detached, so a late
   * add can't resurrect a departed peer's record.
   */
  entry(owner: OwnerId): OwnerRecords {
    let records = this.byOwner.get(owner);
    if (records === undefined) {
      records = new Map();
      this.byOwner.set(owner, records);
    }
    return records;
  }

  isCurrent(owner: OwnerId, records: OwnerRecords): boolean {
    return this.byOwner.get(owner) === records;
  }

  /** Whether the owner ever tried to add: only then can Redis hold records of it. */
  has(owner: OwnerId): boolean {
    return this.byOwner.has(owner);
  }

  count(owner: OwnerId): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  forget(owner: OwnerId): void {
    this.byOwner.delete(owner);
  }

  markUndropped(owner: OwnerId): void {
    this.undropped.add(owner);
  }

  takeUndropped(): OwnerId[] {
    const owners = [...this.undropped];
    this.undropped.clear();
    return owners;
  }

  get total(): number {
    let n = 0;
    for (const records of this.byOwner.values()) n += records.size;
    return n;
  }

  *all(): Iterable<[OwnerId, RfcRecord]> {
    for (const [owner, records] of this.byOwner) for (const r of records.values()) yield [owner, r];
  }

  clear(): void {
    this.byOwner.clear();
    this.undropped.clear();
  }
}
