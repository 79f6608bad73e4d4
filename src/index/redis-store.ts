import { EventEmitter } from 'node:events';
import { createClient } from 'redis';
import type { RfcRecord } from '../protocol/index.js';
import type { OwnerId, Store, StoreCounts } from './store.js';
import { RedisKeys, assertOwnerId, holderId, peerField, recordFromHolder, recordFromId, recordId, rfcPrefix } from './redis-keys.js';
import { ADD_SCRIPT, DROP_OWNER_SCRIPT, LIST_PAGE_SCRIPT, LOOKUP_SCRIPT, withReplyTimeout, type CommandSender } from './redis-scripts.js';
import { InstanceHeartbeat } from './instance-heartbeat.js';
import { OwnRecords } from './redis-own-records.js';
import type { RedisStoreOptions } from './redis-options.js';
import type { RedisStoreEvents } from './redis-store-events.js';
import { RedisLookupCache } from './redis-lookup-cache.js';

/** Records re-sent per slice on re-assert, so a big instance doesn't queue everything at once. */
const REASSERT_SLICE = 1000;

/**
 * The index shared by several servers in one Redis. Each instance owns its connections'
 * records; every change is one Lua script, so instances never see half of another's update.
 */
export class RedisStore extends EventEmitter<RedisStoreEvents> implements Store {
  readonly instanceId: string;
  private readonly client: ReturnType<typeof createClient>;
  private readonly sender: CommandSender;
  private readonly keys: RedisKeys;
  private readonly heartbeat: InstanceHeartbeat;
  private readonly own = new OwnRecords();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly timeout: number;
  private timer: NodeJS.Timeout | null = null;
  private everReady = false;
  private available = false;
  private maintaining: Promise<void> | null = null;
  private reassertDue = false;
  private reassertFailed = false;
  private closing: Promise<void> | null = null;
  /** LOOKUP answers in memory, invalidated by Redis (null: `cacheEntries` 0). Public for tests and the bench. */
  readonly cache: RedisLookupCache | null;

  constructor(options: RedisStoreOptions) {
    super();
    this.instanceId = options.instanceId;
    this.timeout = options.commandTimeoutMs;
    this.keys = new RedisKeys(options.prefix);
    this.client = createClient({
      url: options.url,
      // While Redis is away a request must fail now with a clear answer, not wait in a queue.
      disableOfflineQueue: true,
      // No per-command AbortSignal (node-redis's default 5 s): withReplyTimeout bounds replies.
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: options.connectTimeoutMs,
        // Never reachable → give up (the CLI says so); reachable once → keep trying, capped.
        reconnectStrategy: (retries) => (this.everReady ? Math.min(50 * 2 ** retries, options.maxReconnectDelayMs) : false),
      },
    });
    this.sender = withReplyTimeout(this.client as unknown as CommandSender);
    this.heartbeat = new InstanceHeartbeat(this.sender, this.keys, this.instanceId, options.heartbeatTtlMs, this.timeout);
    this.cache =
      options.cacheEntries > 0
        ? new RedisLookupCache({
            url: options.url, keys: this.keys, connectTimeoutMs: options.connectTimeoutMs, maxReconnectDelayMs: options.maxReconnectDelayMs,
            maxEntries: options.cacheEntries, fetch: (sender, rfc) => this.fetchLookup(sender, rfc),
          })
        : null;
    this.client.on('error', (err: Error) => this.onConnectionError(err));
    this.client.on('ready', () => this.onReady());
  }

  /** Connects, claims the instance id and starts beating. Rejects if Redis can't be reached. */
  async start(): Promise<void> {
    try {
      await this.client.connect();
      await this.cache?.start();
      await this.heartbeat.claim();
      for (const purged of await this.heartbeat.purgeDead()) this.emit('purged', purged);
    } catch (err) {
      if (this.client.isOpen) this.client.destroy();
      await this.cache?.close();
      throw err;
    }
    this.timer = setInterval(() => void this.maintain(false), this.heartbeat.intervalMs);
    this.timer.unref();
  }

  add(owner: OwnerId, record: RfcRecord): Promise<RfcRecord> {
    assertOwnerId(owner);
    const mine = this.own.entry(owner);
    const id = recordId(owner, record);
    return this.track(this.runAdd(owner, id, record)).then(() => {
      this.cache?.forget(record.rfc);
      if (this.own.isCurrent(owner, mine)) mine.set(id, record);
      return record;
    });
  }

  /** From the cache when it has the RFC (no round trip, no promise); otherwise one round trip. */
  lookup(rfc: number): RfcRecord[] | Promise<RfcRecord[]> {
    if (this.cache === null) return this.fetchLookup(this.sender, rfc);
    const answer = this.cache.lookup(rfc);
    return Array.isArray(answer) ? answer : this.track(answer);
  }

  /** One round trip: holders in add order and their titles come back from one script. */
  private async fetchLookup(sender: CommandSender, rfc: number): Promise<RfcRecord[]> {
    const flat = await this.track(LOOKUP_SCRIPT.run<string[]>(sender, [this.keys.rfc(rfc), this.keys.titles], [rfcPrefix(rfc)], this.timeout));
    const out: RfcRecord[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push(recordFromHolder(rfc, flat[i]!, flat[i + 1]!));
    return out;
  }

  /**
   * Pages through the index by a lex cursor. A failure on the first page rejects (the server
   * answers 400); one after records were sent ends the list early, since a 400 can no longer
   * follow the 200 already written, and is reported as a warning.
   */
  async *list(batchSize = 512): AsyncIterable<RfcRecord[]> {
    const size = Math.min(4000, Math.max(1, Math.floor(batchSize)));
    let min = '-';
    for (let first = true; ; first = false) {
      let flat: string[];
      try {
        flat = await this.track(LIST_PAGE_SCRIPT.run<string[]>(this.sender, [this.keys.all, this.keys.titles], [min, String(size)], this.timeout));
      } catch (err) {
        if (first) throw err;
        this.emit('warning', new Error(`LIST cut short: ${messageOf(err)}`));
        return;
      }
      const batch: RfcRecord[] = [];
      for (let i = 0; i < flat.length; i += 2) batch.push(recordFromId(flat[i]!, flat[i + 1]!));
      if (batch.length > 0) yield batch;
      if (batch.length < size) return;
      min = `(${flat[flat.length - 2]!}`;
    }
  }

  /** An owner that never tried to ADD has nothing in Redis: no round trip for it. */
  dropOwner(owner: OwnerId): number | Promise<number> {
    // Closed: close() already swept away everything this instance owned.
    if (!this.own.has(owner) || !this.client.isOpen) return 0;
    const rfcs = this.cache === null ? [] : [...this.own.entry(owner).values()].map((r) => r.rfc);
    this.own.forget(owner);
    return this.track(this.runDrop(owner)).then((n) => {
      for (const rfc of rfcs) this.cache?.forget(rfc);
      return n;
    }, (err: unknown) => {
      // Retried once Redis is back; if this instance dies first, the survivors' purge does it.
      this.own.markUndropped(owner);
      throw err;
    });
  }

  /** Only this instance's connections ask, and it keeps their records: answered locally. */
  ownerRecordCount(owner: OwnerId): number {
    return this.own.count(owner);
  }

  /** Totals of the whole shared index, not just this instance. */
  async counts(): Promise<StoreCounts> {
    const [records, peers] = await this.sender.sendCommand<Array<string | null>>(['HMGET', this.keys.stats, 'records', 'peers'], { timeout: this.timeout });
    return { records: Number(records ?? 0), peers: Number(peers ?? 0) };
  }

  /** Waits for the drops in flight, then removes whatever this instance still owns. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    if (this.timer !== null) clearInterval(this.timer);
    this.closing = (async () => {
      await Promise.allSettled([...this.inflight]);
      await this.maintaining;
      if (this.client.isReady) {
        await this.heartbeat.retire().catch((err: unknown) => this.emit('warning', new Error(`cleanup on close failed: ${messageOf(err)}`)));
      }
      this.own.clear();
      await this.cache?.close();
      if (this.client.isReady) await this.client.close().catch(() => this.client.destroy());
      else if (this.client.isOpen) this.client.destroy();
    })();
    return this.closing;
  }

  private runAdd(owner: OwnerId, id: string, record: RfcRecord): Promise<unknown> {
    const k = this.keys;
    const keys = [k.rfc(record.rfc), k.titles, k.all, k.owner(owner), k.ownerPeers(owner), k.stats, k.seq, k.instanceOwners(this.instanceId), k.instances];
    const args = [id, holderId(owner, record.host, record.port), peerField(record.host, record.port), record.title, owner, this.instanceId];
    return ADD_SCRIPT.run(this.sender, keys, args, this.timeout);
  }

  private runDrop(owner: OwnerId): Promise<number> {
    const k = this.keys;
    const keys = [k.owner(owner), k.ownerPeers(owner), k.stats, k.titles, k.all, k.instanceOwners(this.instanceId)];
    return DROP_OWNER_SCRIPT.run<number>(this.sender, keys, [k.prefix, owner], this.timeout);
  }

  /** Keeps close() from returning while a command of a departing connection is still out. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  private onConnectionError(err: Error): void {
    // node-redis reports every failed reconnect attempt; the observer hears of the outage once.
    if (!this.available) return;
    this.available = false;
    if (this.everReady && this.closing === null) this.emit('unavailable', err);
  }

  /** The first 'ready' is start()'s connect; every later one is a reconnect. */
  private onReady(): void {
    this.available = true;
    if (this.everReady && this.closing === null) void this.maintain(true);
    this.everReady = true;
  }

  /**
   * One heartbeat round: renew our key; if it had expired (Redis restarted empty, or the
   * survivors purged us while we were cut off) or we just reconnected, put our records back;
   * retry drops that failed; purge instances that died.
   */
  private maintain(reconnected: boolean): Promise<void> {
    // A reconnect during a round must still re-assert: it makes the loop run once more.
    this.reassertDue ||= reconnected;
    this.maintaining ??= (async () => {
      do {
        const force = this.reassertDue;
        this.reassertDue = false;
        await this.maintainOnce(force);
      } while (this.reassertDue);
    })().finally(() => {
      this.maintaining = null;
    });
    return this.maintaining;
  }

  private async maintainOnce(reconnected: boolean): Promise<void> {
    if (this.closing !== null || !this.client.isReady) return;
    try {
      const alive = await this.heartbeat.beat();
      if (!alive || reconnected || this.reassertFailed) {
        // Until one re-assert completes, every round tries again (the beat alone would pass).
        this.reassertFailed = true;
        const reasserted = await this.reassert();
        this.reassertFailed = false;
        this.emit('recovered', { reasserted, reason: reconnected ? 'reconnected' : 'heartbeat-expired' });
      }
      const owners = this.own.takeUndropped();
      for (let i = 0; i < owners.length; i++) {
        const records = await this.runDrop(owners[i]!).catch((err: unknown) => {
          for (const owner of owners.slice(i)) this.own.markUndropped(owner);
          throw err;
        });
        this.emit('lateDrop', { owner: owners[i]!, records });
      }
      for (const purged of await this.heartbeat.purgeDead()) this.emit('purged', purged);
    } catch (err) {
      this.emit('warning', new Error(`heartbeat round failed: ${messageOf(err)}`));
    }
  }

  /** Adds are idempotent, so re-sending every own record is safe whatever Redis still has. */
  private async reassert(): Promise<number> {
    const all = [...this.own.all()];
    for (let i = 0; i < all.length; i += REASSERT_SLICE) {
      await Promise.all(all.slice(i, i + REASSERT_SLICE).map(([owner, r]) => this.runAdd(owner, recordId(owner, r), r).then(() => this.cache?.forget(r.rfc))));
    }
    return all.length;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
