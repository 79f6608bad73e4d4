import type { Command } from 'commander';
import { envOption } from './env-option.js';
import { storeFromUrl, STORE_URL_HELP } from '../index/store-from-url.js';
import { RedisStore } from '../index/redis-store.js';
import { DEFAULT_REDIS_OPTIONS } from '../index/redis-options.js';
import { integer } from './parse.js';
import type { Store } from '../index/store.js';
import type { LogFormat } from '../observe/console-log.js';
import { consoleLine } from '../observe/console-out.js';

/** `p2pci server` flags that choose and tune the store. */
export interface StoreFlags {
  store: string;
  redisPrefix: string;
  redisHeartbeatTtlMs: number;
  redisTimeoutMs: number;
  redisCacheEntries: number;
}

export function addStoreFlags(cmd: Command): Command {
  return cmd
    .addOption(envOption('--store <url>', STORE_URL_HELP).default('memory'))
    .addOption(envOption('--redis-prefix <prefix>', 'prefix of every Redis key (servers sharing an index use the same one)').default(DEFAULT_REDIS_OPTIONS.prefix))
    .addOption(
      envOption('--redis-heartbeat-ttl-ms <n>', 'records of a server that died are purged by the others within this TTL + a third of it')
        .argParser(integer(150))
        .default(DEFAULT_REDIS_OPTIONS.heartbeatTtlMs),
    )
    .addOption(
      envOption('--redis-timeout-ms <n>', 'a Redis command not answered in this time fails; the request is answered 400')
        .argParser(integer(1))
        .default(DEFAULT_REDIS_OPTIONS.commandTimeoutMs),
    )
    .addOption(
      envOption('--redis-cache-entries <n>', 'RFCs whose LOOKUP answer is kept in memory, invalidated by Redis (0: no cache)')
        .argParser(integer(0))
        .default(DEFAULT_REDIS_OPTIONS.cacheEntries),
    );
}

/** Opens the store `--store` names; an unusable one is a one-line message and exit 1. */
export async function openStoreOrExit(flags: Partial<StoreFlags>, format: LogFormat): Promise<Store> {
  let store: Store;
  try {
    store = await storeFromUrl(flags.store ?? 'memory', {
      ...(flags.redisPrefix !== undefined ? { prefix: flags.redisPrefix } : {}),
      ...(flags.redisHeartbeatTtlMs !== undefined ? { heartbeatTtlMs: flags.redisHeartbeatTtlMs } : {}),
      ...(flags.redisTimeoutMs !== undefined ? { commandTimeoutMs: flags.redisTimeoutMs } : {}),
      ...(flags.redisCacheEntries !== undefined ? { cacheEntries: flags.redisCacheEntries } : {}),
    });
  } catch (err) {
    process.stderr.write(`p2pci server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  if (store instanceof RedisStore) logRedisStore(store, flags, format);
  return store;
}

/** The store's events as console lines (or JSON lines), so an operator sees outages and purges. */
function logRedisStore(store: RedisStore, flags: Partial<StoreFlags>, format: LogFormat): void {
  const line = (level: 30 | 40, event: string, msg: string, fields: object = {}) => {
    const text = format === 'json' ? JSON.stringify({ level, time: new Date().toISOString(), event, ...fields, msg }) : `${new Date().toISOString()} ${msg}`;
    consoleLine(text);
  };
  line(30, 'redis-store', `redis store: instance ${store.instanceId} shares the index at ${flags.store} (prefix ${flags.redisPrefix ?? DEFAULT_REDIS_OPTIONS.prefix})`, {
    instanceId: store.instanceId,
  });
  store.on('unavailable', (err) =>
    line(40, 'redis-unavailable', `redis store: Redis unavailable (${err.message || err.name}); requests are answered 400 until it is back`),
  );
  store.on('recovered', ({ reasserted, reason }) => {
    const why = reason === 'reconnected' ? 'Redis reachable again' : 'heartbeat had expired (others may have purged this instance)';
    line(30, 'redis-recovered', `redis store: ${why}; ${reasserted} records of this instance re-asserted`, { reasserted, reason });
  });
  store.on('lateDrop', ({ owner, records }) =>
    line(30, 'redis-late-drop', `redis store: ${records} records of ${owner}, which left while Redis was unreachable, dropped`, { owner, records }),
  );
  store.on('purged', ({ instanceId, records }) =>
    line(30, 'redis-purged', `redis store: purged dead instance ${instanceId}: ${records} records dropped`, { instanceId, records }),
  );
  store.on('warning', (err) => line(40, 'redis-warning', `redis store: ${err.message}`));
}
