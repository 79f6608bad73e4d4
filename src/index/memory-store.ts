import type { HolderAddress, RecordLineSink, RfcRecord } from '../protocol/index.js';
import type { OwnerId, Store, StoreCounts } from './store.js';

/**
 * One (owner, Host, Port) peer and the buckets of the RFCs it registered, for O(own records)
 * drops: a drop goes straight to each bucket, with no lookup of its RFC number in the index.
 * `addressLine` is LIST's encoded `<host> <port>` line end, made by the first LIST (one per peer).
 */
interface PeerEntry extends HolderAddress {
  readonly buckets: Bucket[];
}

/**
 * Holders of one RFC, in the order they were added. `title` is the first title seen: later
 * identical titles reuse that string, so a thousand peers sharing RFC 791 keep one copy of
 * its title, not a thousand. A lone holder is kept inline: most RFC numbers of a big index have
 * one holder, and a one-entry Map costs ~180 B more (bench: memory per record).
 */
class Bucket {
  /** Read directly by MemoryStore.listInto only (the LIST hot loop); changed only here. */
  one: PeerEntry | null = null;
  oneTitle = '';
  many: Map<PeerEntry, string> | null = null;

  constructor(
    readonly rfc: number,
    public title: string,
  ) {}

  get size(): number {
    return this.many !== null ? this.many.size : this.one !== null ? 1 : 0;
  }

  has(peer: PeerEntry): boolean {
    return this.many !== null ? this.many.has(peer) : this.one === peer;
  }

  set(peer: PeerEntry, title: string): void {
    if (this.many !== null) {
      this.many.set(peer, title);
    } else if (this.one === null || this.one === peer) {
      this.one = peer;
      this.oneTitle = title;
    } else {
      this.many = new Map([[this.one, this.oneTitle], [peer, title]]);
      this.one = null;
      this.oneTitle = '';
    }
  }

  delete(peer: PeerEntry): boolean {
    if (this.many !== null) return this.many.delete(peer);
    if (this.one !== peer) return false;
    this.one = null;
    this.oneTitle = '';
    return true;
  }

  holders(): Iterable<[PeerEntry, string]> {
    if (this.many !== null) return this.many;
    return this.one !== null ? [[this.one, this.oneTitle]] : [];
  }

  /** The holders' records, appended to `out`. */
  records(rfc: number, out: RfcRecord[]): void {
    if (this.many === null) {
      if (this.one !== null) out.push({ rfc, title: this.oneTitle, host: this.one.host, port: this.one.port });
      return;
    }
    for (const [peer, title] of this.many) out.push({ rfc, title, host: peer.host, port: peer.port });
  }
}

/**
 * MemoryStore.listInto's place in the index: the RFC being listed and how far into its holders.
 * A plain iterator rather than a generator: a generator's resumable frame made each record
 * ~10 ns dearer (bench: LIST ALL), a third of the whole budget per record.
 */
class ListCursor implements Iterator<void> {
  private readonly buckets: Iterator<[number, Bucket]>;
  private holders: Iterator<[PeerEntry, string]> | null = null;
  private rfc = 0;

  constructor(
    byRfc: Map<number, Bucket>,
    private readonly out: RecordLineSink,
  ) {
    this.buckets = byRfc.entries();
  }

  next(): IteratorResult<void> {
    const out = this.out;
    for (;;) {
      const holders = this.holders;
      if (holders !== null) {
        const rfc = this.rfc;
        for (let h = holders.next(); h.done !== true; h = holders.next()) {
          out.record(rfc, h.value[1], h.value[0]);
          if (out.left <= 0) return { done: false, value: undefined };
        }
        this.holders = null;
      }
      const b = this.buckets.next();
      if (b.done === true) return { done: true, value: undefined };
      const [rfc, bucket] = b.value;
      const many = bucket.many;
      if (many !== null && many.size <= out.left) {
        // The whole bucket fits in the turn: a plain loop, no iterator kept for a pause (~3 ns
        // a record less). A reader found backed up mid-bucket still gets the rest of the bucket
        // queued: at most one turn's records (4,096 lines) past the backpressure limit.
        for (const [peer, title] of many) out.record(rfc, title, peer);
        if (out.left <= 0) return { done: false, value: undefined };
      } else if (many !== null) {
        this.rfc = rfc;
        this.holders = many.entries();
      } else if (bucket.one !== null) {
        out.record(rfc, bucket.oneTitle, bucket.one);
        if (out.left <= 0) return { done: false, value: undefined };
      }
    }
  }
}

/** The in-memory index: keyed maps both ways, never a scan of the whole index. */
export class MemoryStore implements Store {
  private readonly byRfc = new Map<number, Bucket>();
  /**
   * An owner's entries: almost always one (a connection announces one Host/Port), kept inline;
   * a one-element array was ~150 B more per connected peer (bench: RSS per connected peer).
   */
  private readonly byOwner = new Map<OwnerId, PeerEntry | PeerEntry[]>();
  private recordCount = 0;
  private peerCount = 0;

  add(owner: OwnerId, record: RfcRecord): RfcRecord {
    const peer = this.peerOf(owner, record.host, record.port);
    let bucket = this.byRfc.get(record.rfc);
    if (bucket === undefined) {
      bucket = new Bucket(record.rfc, record.title);
      this.byRfc.set(record.rfc, bucket);
    }
    const title = record.title === bucket.title ? bucket.title : record.title;
    if (!bucket.has(peer)) {
      if (peer.buckets.length === 0) this.peerCount++;
      peer.buckets.push(bucket);
      this.recordCount++;
    }
    bucket.set(peer, title);
    return { rfc: record.rfc, title, host: peer.host, port: peer.port };
  }

  lookup(rfc: number): RfcRecord[] {
    const bucket = this.byRfc.get(rfc);
    if (bucket === undefined) return [];
    const out: RfcRecord[] = [];
    bucket.records(rfc, out);
    return out;
  }

  *list(batchSize = 1024): Iterable<RfcRecord[]> {
    let batch: RfcRecord[] = [];
    for (const [rfc, bucket] of this.byRfc) {
      for (const [peer, title] of bucket.holders()) {
        batch.push({ rfc, title, host: peer.host, port: peer.port });
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  }

  /**
   * The fast LIST: every record into `out`, in list()'s order, without an object per record.
   * Pauses whenever `out.left` reaches 0; resumed, it goes on where it was, seeing the index
   * as it is then (as list() does).
   */
  listInto(out: RecordLineSink): Iterator<void> {
    return new ListCursor(this.byRfc, out);
  }

  dropOwner(owner: OwnerId): number {
    const peers = this.byOwner.get(owner);
    if (peers === undefined) return 0;
    this.byOwner.delete(owner);
    let dropped = 0;
    if (Array.isArray(peers)) for (const peer of peers) dropped += this.dropPeer(peer);
    else dropped = this.dropPeer(peers);
    this.recordCount -= dropped;
    return dropped;
  }

  ownerRecordCount(owner: OwnerId): number {
    const peers = this.byOwner.get(owner);
    if (peers === undefined) return 0;
    if (!Array.isArray(peers)) return peers.buckets.length;
    let n = 0;
    for (const p of peers) n += p.buckets.length;
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

  /** Takes one entry's records out of the index; O(its records). */
  private dropPeer(peer: PeerEntry): number {
    if (peer.buckets.length > 0) this.peerCount--;
    let dropped = 0;
    for (const bucket of peer.buckets) {
      if (!bucket.delete(peer)) continue;
      dropped++;
      // An emptied bucket leaves the index; no entry refers to it any more.
      if (bucket.size === 0) this.byRfc.delete(bucket.rfc);
    }
    return dropped;
  }

  /** The owner's entry for this Host/Port; an owner rarely announces more than one. */
  private peerOf(owner: OwnerId, host: string, port: number): PeerEntry {
    const peers = this.byOwner.get(owner);
    if (peers === undefined) return this.newEntry(owner, host, port, undefined);
    if (!Array.isArray(peers)) return peers.port === port && peers.host === host ? peers : this.newEntry(owner, host, port, [peers]);
    for (const p of peers) if (p.port === port && p.host === host) return p;
    return this.newEntry(owner, host, port, peers);
  }

  /** A new entry for the owner; `others` are the entries it already has (an array from the second on). */
  private newEntry(owner: OwnerId, host: string, port: number, others: PeerEntry[] | undefined): PeerEntry {
    const entry: PeerEntry = { host, port, buckets: [], addressLine: null };
    if (others === undefined) this.byOwner.set(owner, entry);
    else {
      others.push(entry);
      if (others.length === 2) this.byOwner.set(owner, others);
    }
    return entry;
  }
}
