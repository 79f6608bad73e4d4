import { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import type { RfcRecord } from '../protocol/index.js';
import type { RedisKeys } from './redis-keys.js';
import { withReplyTimeout, type CommandSender } from './redis-scripts.js';

export interface LookupCacheOptions {
  url: string;
  keys: RedisKeys;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  /** Most RFCs kept; the oldest entry goes first when it is full. */
  maxEntries: number;
  /** The LOOKUP round trip itself (the store's script, with its timeout), run on this cache's connection. */
  fetch(sender: CommandSender, rfc: number): Promise<RfcRecord[]>;
}

export interface LookupCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  entries: number;
}

/**
 * LOOKUP answers kept in the server's memory and never stale, by Redis's client-side caching:
 * a connection of its own (RESP3) with `CLIENT TRACKING ON BCAST PREFIX <p>rfc:`, so Redis
 * pushes the name of every RFC key any instance changes (ADD, drop, purge, a title that
 * changed) and that RFC's entry goes. BCAST rather than tracking what was read: a LOOKUP
 * also reads the shared titles hash, whose every change would empty the whole cache.
 *
 * Why an answer is never stale: the push for a change is written to this connection before
 * the reply to any read that came after the change, and after the reply to one that came
 * before it; replies and pushes are handled in that order. While the connection is down,
 * nothing is cached and nothing is served from the cache: it is emptied the moment the
 * connection is lost, and used again only once tracking is back on. Only an instance on
 * another connection can see a change before this one hears of it: the window is one push
 * on loopback (measured in `npm run bench`, Redis rows).
 */
export interface LookupCacheEvents {
  /** An RFC's entry went (or, null, every entry: a flush). */
  invalidated: [number | null];
  /** The connection was lost: the cache is empty and unused until tracking is back. */
  emptied: [];
  /** Tracking is on again (after start or a reconnect): answers are cached from now. */
  tracking: [];
}

export class RedisLookupCache extends EventEmitter<LookupCacheEvents> {
  readonly client: ReturnType<typeof createClient>;
  private readonly sender: CommandSender;
  private readonly entries = new Map<number, RfcRecord[]>();
  /** One round trip per RFC however many peers ask for it at once. */
  private readonly loading = new Map<number, Promise<RfcRecord[]>>();
  private readonly prefix: string;
  /** Bumped whenever everything is forgotten: a fetch from before must not fill the cache. */
  private epoch = 0;
  /** True while Redis tracks this connection: only then is anything cached or served from the cache. */
  tracking = false;
  private closed = false;
  readonly stats: LookupCacheStats = { hits: 0, misses: 0, invalidations: 0, entries: 0 };

  constructor(private readonly opts: LookupCacheOptions) {
    super();
    this.prefix = opts.keys.rfc(0).slice(0, -1); // "<p>rfc:"
    let everReady = false;
    this.client = createClient({
      url: opts.url,
      RESP: 3,
      emitInvalidate: true,
      disableOfflineQueue: true,
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: opts.connectTimeoutMs,
        reconnectStrategy: (retries) => (everReady ? Math.min(50 * 2 ** retries, opts.maxReconnectDelayMs) : false),
      },
    });
    this.sender = withReplyTimeout(this.client as unknown as CommandSender);
    this.client.on('invalidate', (key: unknown) => this.invalidate(key));
    this.client.on('error', () => this.forgetAll());
    this.client.on('end', () => this.forgetAll());
    this.client.on('reconnecting', () => this.forgetAll());
    this.client.on('ready', () => {
      everReady = true;
      void this.startTracking();
    });
  }

  async start(): Promise<void> {
    await this.client.connect();
    await this.startTracking();
  }

  /** The cached answer, or one round trip on this connection (shared by everyone asking meanwhile). */
  lookup(rfc: number): RfcRecord[] | Promise<RfcRecord[]> {
    const hit = this.entries.get(rfc);
    if (hit !== undefined) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const inFlight = this.loading.get(rfc);
    if (inFlight !== undefined) return inFlight;
    const epoch = this.epoch;
    const cacheable = this.tracking;
    const p = this.opts.fetch(this.sender, rfc).then(
      (records) => {
        if (this.loading.get(rfc) === p) this.loading.delete(rfc);
        // A push that came before this reply was about a change before this read: the
        // reply is fresh, whatever was invalidated meanwhile.
        if (cacheable && this.tracking && epoch === this.epoch && !this.overtaken.has(p)) this.store(rfc, records);
        return records;
      },
      (err: unknown) => {
        if (this.loading.get(rfc) === p) this.loading.delete(rfc);
        throw err;
      },
    );
    this.loading.set(rfc, p);
    return p;
  }

  /**
   * This instance changed the RFC itself, and Redis acknowledged it: its push may still be on
   * its way on the other connection, so the entry goes now — a peer that sees its ADD
   * answered never gets the old LOOKUP answer here. A fetch still out may have read before
   * the change: it is answered but not kept.
   */
  forget(rfc: number): void {
    this.entries.delete(rfc);
    this.stats.entries = this.entries.size;
    const inFlight = this.loading.get(rfc);
    if (inFlight !== undefined) {
      this.overtaken.add(inFlight);
      this.loading.delete(rfc);
    }
  }

  /** Fetches overtaken by this instance's own change (see forget). */
  private readonly overtaken = new WeakSet<Promise<RfcRecord[]>>();

  close(): Promise<void> {
    this.closed = true;
    this.forgetAll();
    if (this.client.isReady) return this.client.close().catch(() => this.client.destroy());
    if (this.client.isOpen) this.client.destroy();
    return Promise.resolve();
  }

  private store(rfc: number, records: RfcRecord[]): void {
    if (this.entries.size >= this.opts.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(rfc, records);
    this.stats.entries = this.entries.size;
  }

  private invalidate(key: unknown): void {
    this.stats.invalidations++;
    if (key === null || key === undefined) {
      // FLUSHALL / FLUSHDB: everything goes, tracking stays on.
      this.epoch++;
      this.entries.clear();
      this.loading.clear();
      this.stats.entries = 0;
      this.emit('invalidated', null);
      return;
    }
    const name = String(key);
    if (!name.startsWith(this.prefix)) return;
    const rfc = Number(name.slice(this.prefix.length));
    this.entries.delete(rfc);
    this.stats.entries = this.entries.size;
    this.emit('invalidated', rfc);
  }

  /** Connection lost (or the whole keyspace flushed): nothing cached can be trusted. */
  private forgetAll(): void {
    const was = this.tracking || this.entries.size > 0;
    this.tracking = false;
    this.epoch++;
    this.entries.clear();
    this.loading.clear();
    this.stats.entries = 0;
    if (was) this.emit('emptied');
  }

  private trackingRound: Promise<void> | null = null;

  /** One switch at a time ('ready' and start() both ask): a second ON BCAST of one prefix is an error. */
  private startTracking(): Promise<void> {
    this.trackingRound ??= this.switchTracking().finally(() => {
      this.trackingRound = null;
    });
    return this.trackingRound;
  }

  /** node-redis turns plain tracking on at every connect; switch it to broadcast on our prefix. */
  private async switchTracking(): Promise<void> {
    if (this.closed || !this.client.isReady) return;
    const epoch = this.epoch;
    try {
      await this.client.sendCommand(['CLIENT', 'TRACKING', 'OFF']);
      await this.client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', this.prefix]);
      if (epoch === this.epoch && !this.closed) {
        this.tracking = true;
        this.emit('tracking');
      }
    } catch {
      this.forgetAll(); // the next 'ready' tries again
    }
  }
}
