import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import { redisStoreOptions, type RedisStoreOptions } from './redis-options.js';
import type { Store } from './store.js';

/** What `--store` accepts: the in-memory default, or a Redis shared by several servers. */
export const STORE_URL_HELP = 'memory (default: this process only) or redis://host:port[/db] (shared by several servers)';

export type StoreTuning = Partial<Omit<RedisStoreOptions, 'url'>>;

/**
 * Turns `--store` into a started store. A bad URL or an unreachable Redis rejects with a
 * one-line message, for the CLI to print before exiting.
 */
export async function storeFromUrl(url: string, tuning: StoreTuning = {}): Promise<Store> {
  const value = url.trim();
  if (value === '' || value === 'memory' || value === 'memory:' || value === 'memory://') return new MemoryStore();
  // "127.0.0.1:6379" or "localhost:6379" is a Redis address without its scheme.
  if (!value.includes('://')) throw new Error(`--store: "${url}" is not a store URL; for Redis write redis://${value}`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`--store: not a URL: "${url}" (expected ${STORE_URL_HELP})`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`--store: unsupported store "${parsed.protocol}" (expected ${STORE_URL_HELP})`);
  }
  if (parsed.hostname === '') throw new Error(`--store: no host in "${url}"`);
  const store = new RedisStore(redisStoreOptions(value, tuning));
  try {
    await store.start();
  } catch (err) {
    throw new Error(`cannot use Redis at ${redacted(parsed)}: ${reasonOf(err)}`);
  }
  return store;
}

/** The URL without its password, for messages. */
function redacted(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password !== '') copy.password = '***';
  return copy.href;
}

/** Node 20 reports a refused "localhost" (IPv6 and IPv4 tried) as an AggregateError with no message. */
function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return reasonOf(err.errors[0]);
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}
