import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** How a RedisStore connects and how quickly it notices dead instances; each is a server flag. */
export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Prefix of every key, so several indexes (or test runs) can share one Redis. */
  prefix: string;
  /** Unique among the servers sharing the index; owner ids are "<instanceId>:<n>". */
  instanceId: string;
  /** Heartbeat TTL: a dead instance's records are purged within TTL + TTL/3. */
  heartbeatTtlMs: number;
  /** A Redis command not answered in this time fails, and the request gets a 400. */
  commandTimeoutMs: number;
  /** Longest wait between reconnect attempts once Redis was reachable. */
  maxReconnectDelayMs: number;
  /** Startup only: how long to try to reach Redis before giving up. */
  connectTimeoutMs: number;
  /** RFCs whose LOOKUP answer is kept in memory, invalidated by Redis (0: no cache). */
  cacheEntries: number;
}

export const DEFAULT_REDIS_OPTIONS = {
  prefix: 'p2pci:',
  // 15 s + 5 s beat interval: records of a killed instance are gone within 20 s (issue: ≤ 30 s).
  heartbeatTtlMs: 15_000,
  commandTimeoutMs: 2_000,
  maxReconnectDelayMs: 1_000,
  connectTimeoutMs: 3_000,
  // ~100 B per record answered: a few tens of MB at most, for every RFC of the real series many times over.
  cacheEntries: 100_000,
} as const satisfies Partial<RedisStoreOptions>;

/** host-pid-random: readable in Redis, unique even for two servers started in one second. */
export function defaultInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 40) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function redisStoreOptions(url: string, overrides: Partial<RedisStoreOptions> = {}): RedisStoreOptions {
  const opts: RedisStoreOptions = { ...DEFAULT_REDIS_OPTIONS, url, instanceId: defaultInstanceId(), ...stripUndefined(overrides) };
  if (/[\n\s]/.test(opts.instanceId) || opts.instanceId === '') throw new Error('instance id must be non-empty, without spaces');
  if (opts.heartbeatTtlMs < 150) throw new Error('heartbeat TTL must be at least 150 ms');
  if (opts.commandTimeoutMs < 1) throw new Error('command timeout must be at least 1 ms');
  return opts;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
