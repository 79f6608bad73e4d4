import type { RfcRecord } from '../protocol/index.js';
import type { OwnerId, Store, StoreCounts } from './store.js';

/** One (owner, Host, Port) peer and the RFC numbers it registered, for O(own records) drops. */
interface PeerEntry {
  readonly host: string;
  readonly port: number;
  readonly rfcs: number[];
}

/**
 * Holders of one RFC. `title` is the first title seen: later identical titles reuse that
 * string, so a thousand peers sharing RFC 791 keep one copy of its title, not a thousand.
 */
interface Bucket {
  title: string;
  readonly holders: Map<PeerEntry, string>;
}

/** The in-memory index: keyed maps both ways, never a scan of the whole index. */
export class MemoryStore implements Store {
  private readonly byRfc = new Map<number, Bucket>();
  private readonly byOwner = new Map<OwnerId, PeerEntry[]>();
  private recordCount = 0;
  private peerCount = 0;

  add(owner: OwnerId, record: RfcRecord): RfcRecord {
    const peer = this.peerOf(owner, record.host, record.port);
    let bucket = this.byRfc.get(record.rfc);
    if (bucket === undefined) {
      bucket = { title: record.title, holders: new Map() };
      this.byRfc.set(record.rfc, bucket);
    }
    const title = record.title === bucket.title ? bucket.title : record.title;
    if (!bucket.holders.has(peer)) {
      if (peer.rfcs.length === 0) this.peerCount++;
      peer.rfcs.push(record.rfc);
      this.recordCount++;
    }
    bucket.holders.set(peer, title);
    return { rfc: record.rfc, title, host: peer.host, port: peer.port };
  }

  lookup(rfc: number): RfcRecord[] {
    const bucket = this.byRfc.get(rfc);
    if (bucket === undefined) return [];
    const out: RfcRecord[] = [];
    for (const [peer, title] of bucket.holders) out.push({ rfc, title, host: peer.host, port: peer.port });
    return out;
  }

  *list(batchSize = 1024): Iterable<RfcRecord[]> {
    let batch: RfcRecord[] = [];
    for (const [rfc, bucket] of this.byRfc) {
      for (const [peer, title] of bucket.holders) {
        batch.push({ rfc, title, host: peer.host, port: peer.port });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  dropOwner(owner: OwnerId): number {
    const peers = this.byOwner.get(owner);
    if (peers === undefined) return 0;
    this.byOwner.delete(owner);
    let dropped = 0;
    for (const peer of peers) {
      if (peer.rfcs.length > 0) this.peerCount--;
      for (const rfc of peer.rfcs) {
        const bucket = this.byRfc.get(rfc);
        if (bucket === undefined || !bucket.holders.delete(peer)) continue;
        dropped++;
        if (bucket.holders.size === 0) this.byRfc.delete(rfc);
      }
    }
    this.recordCount -= dropped;
    return dropped;
  }

  ownerRecordCount(owner: OwnerId): number {
    const peers = this.byOwner.get(owner);
    if (peers === undefined) return 0;
    let n = 0;
    for (const p of peers) n += p.rfcs.length;
    return n;
  }

  counts(): StoreCounts {
    return { peers: this.peerCount, records: this.recordCount };
  }

  async close(): Promise<void> {
    this.byRfc.clear();
    this.byOwner.clear();
    this.recordCount = 0;
    this.peerCount = 0;
  }

  /** The owner's entry for this Host/Port; an owner rarely announces more than one. */
  private peerOf(owner: OwnerId, host: string, port: number): PeerEntry {
    let peers = this.byOwner.get(owner);
    if (peers === undefined) {
      peers = [];
      this.byOwner.set(owner, peers);
    }
    for (const p of peers) if (p.port === port && p.host === host) return p;
    const entry: PeerEntry = { host, port, rfcs: [] };
    peers.push(entry);
    return entry;
  }
}
