import type { RecordLineSink, RfcRecord } from '../protocol/index.js';

/** A value now, or later: the memory store answers synchronously, the Redis store does not. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Who owns records: one index-server connection (§5). Two connections that give the same
 * Host/Port are two owners. Ids are unique across every server sharing a store.
 */
export type OwnerId = string;

export interface StoreCounts {
  /** Distinct (owner, Host, Port) peers holding at least one record. */
  peers: number;
  records: number;
}

/**
 * The index behind the server. Every implementation passes the one conformance suite in
 * test/unit/store-conformance.ts.
 */
export interface Store {
  /** Set by a store shared between servers: their owner ids must start with it to be unique. */
  readonly instanceId?: string;
  /** Stores (or keeps, if already there) the record of `owner`; returns the stored record. */
  add(owner: OwnerId, record: RfcRecord): MaybePromise<RfcRecord>;
  /** Every record of one RFC, in the order they were added; costs O(records returned). */
  lookup(rfc: number): MaybePromise<RfcRecord[]>;
  /** The whole index in batches, so a huge LIST is streamed rather than built in memory. */
  list(batchSize?: number): Iterable<RfcRecord[]> | AsyncIterable<RfcRecord[]>;
  /**
   * Optional, the memory store's: the whole index, in list()'s order, straight into a byte
   * encoder (LIST at wire speed, handlers.ts); pauses (yields) whenever `out.left` reaches 0.
   */
  listInto?(out: RecordLineSink): Iterator<void>;
  /** Removes everything `owner` added; returns how many records went. O(its records). */
  dropOwner(owner: OwnerId): MaybePromise<number>;
  /** How many records `owner` holds (for the records-per-peer limit). */
  ownerRecordCount(owner: OwnerId): MaybePromise<number>;
  counts(): MaybePromise<StoreCounts>;
  close(): Promise<void>;
}

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
