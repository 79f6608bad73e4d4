/**
 * The RedisStore's LOOKUP cache (Redis client-side caching) against a real redis-server:
 * a hot RFC is answered from memory, yet a change on another instance — add, title, drop —
 * reaches it through Redis's invalidation, and a lost connection empties it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisStore } from '../../src/index/redis-store.js';
import { redisStoreOptions } from '../../src/index/redis-options.js';
import type { RedisLookupCache } from '../../src/index/redis-lookup-cache.js';
import type { RfcRecord } from '../../src/protocol/index.js';
import { redisTestFixture } from '../helpers/redis-server.js';
import { skipWithout } from '../helpers/optional-tools.js';
import { nextEvent } from '../helpers/net.js';

const T = { timeout: 20_000 };
const skip = skipWithout('redis-server', 'the LOOKUP cache tests (test/integration/store-redis-cache.test.ts)');
const fx = redisTestFixture(skip);
const TS = { ...T, skip };
let prefixes = 0;

/** Two instances sharing one index on a fresh prefix. */
async function pair(): Promise<[RedisStore, RedisStore]> {
  const prefix = `c${++prefixes}:`;
  const open = async () => {
    const s = new RedisStore(redisStoreOptions(fx.redis.url, { prefix, heartbeatTtlMs: 60_000 }));
    await s.start();
    fx.opened.add(s);
    return s;
  };
  return [await open(), await open()];
}

const rec = (rfc: number, title: string, host: string, port: number): RfcRecord => ({ rfc, title, host, port });
const cacheOf = (s: RedisStore): RedisLookupCache => s.cache!;

/** Looks the RFC up until it is cached: the second answer must come from memory. */
async function warm(s: RedisStore, rfc: number): Promise<RfcRecord[]> {
  await s.lookup(rfc);
  const hits = cacheOf(s).stats.hits;
  const answer = s.lookup(rfc);
  assert.ok(Array.isArray(answer), 'a cached LOOKUP is answered synchronously, from memory');
  assert.equal(cacheOf(s).stats.hits, hits + 1);
  return answer;
}

test('a hot RFC is served from memory: no round trip to Redis', TS, async () => {
  const [a] = await pair();
  await a.add('a:1', rec(9, 'Nine', 'h', 1));
  await warm(a, 9);
  const calls = async () => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await fx.admin.info('commandstats'))?.[1] ?? 0);
  const before = await calls();
  for (let i = 0; i < 100; i++) assert.deepEqual(a.lookup(9), [rec(9, 'Nine', 'h', 1)]);
  assert.equal(await calls(), before, '100 LOOKUPs, no script call');
});

test('an ADD, a new title and a drop on another instance each invalidate the cached answer', TS, async () => {
  const [a, b] = await pair();
  await a.add('a:1', rec(5, 'Five', 'ha', 1));
  assert.deepEqual(await warm(a, 5), [rec(5, 'Five', 'ha', 1)]);

  let invalidated = nextEvent<[number | null]>(cacheOf(a), 'invalidated');
  await b.add(`${b.instanceId}:1`, rec(5, 'Five', 'hb', 2));
  assert.deepEqual(await invalidated, [5]);
  assert.deepEqual(await a.lookup(5), [rec(5, 'Five', 'ha', 1), rec(5, 'Five', 'hb', 2)]);

  await warm(a, 5);
  invalidated = nextEvent(cacheOf(a), 'invalidated');
  await b.add(`${b.instanceId}:1`, rec(5, 'Five, revised', 'hb', 2)); // same record, new title
  await invalidated;
  assert.deepEqual(await a.lookup(5), [rec(5, 'Five', 'ha', 1), rec(5, 'Five, revised', 'hb', 2)], 'the new title, in the same place');

  await warm(a, 5);
  invalidated = nextEvent(cacheOf(a), 'invalidated');
  await b.dropOwner(`${b.instanceId}:1`);
  await invalidated;
  assert.deepEqual(await a.lookup(5), [rec(5, 'Five', 'ha', 1)]);
});

test('an RFC nobody held is cached as empty and filled by the first ADD anywhere', TS, async () => {
  const [a, b] = await pair();
  assert.deepEqual(await warm(a, 77), []);
  const invalidated = nextEvent(cacheOf(a), 'invalidated');
  await b.add(`${b.instanceId}:1`, rec(77, 'Late', 'hb', 2));
  await invalidated;
  assert.deepEqual(await a.lookup(77), [rec(77, 'Late', 'hb', 2)]);
});

test('a lost Redis connection empties the cache; nothing is served from it until tracking is back', TS, async () => {
  const [a, b] = await pair();
  await a.add('a:1', rec(3, 'Three', 'ha', 1));
  await warm(a, 3);
  // What the cache holds and answers the moment it hears the connection is gone.
  const atLoss = new Promise<{ entries: number; tracking: boolean; fromMemory: boolean }>((resolve) =>
    cacheOf(a).once('emptied', () => {
      const during = a.lookup(3);
      if (!Array.isArray(during)) during.catch(() => {}); // fails while reconnecting: the server answers 400
      resolve({ entries: cacheOf(a).stats.entries, tracking: cacheOf(a).tracking, fromMemory: Array.isArray(during) });
    }),
  );
  const back = nextEvent(cacheOf(a), 'tracking', 10_000);
  // Kill only the cache's own connection: nothing else of `a` notices.
  const id = String(await cacheOf(a).client.sendCommand(['CLIENT', 'ID']));
  await fx.admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
  assert.deepEqual(await atLoss, { entries: 0, tracking: false, fromMemory: false });
  // A change made around the gap must be seen afterwards: nothing stale survives it.
  await b.add(`${b.instanceId}:1`, rec(3, 'Three', 'hb', 2));
  await back;
  assert.deepEqual(await a.lookup(3), [rec(3, 'Three', 'ha', 1), rec(3, 'Three', 'hb', 2)]);
  assert.ok(Array.isArray(a.lookup(3)), 'cached again once tracking is back');
});

test('FLUSHALL invalidates every cached RFC', TS, async () => {
  const [a] = await pair();
  await a.add('a:1', rec(4, 'Four', 'ha', 1));
  await warm(a, 4);
  const invalidated = nextEvent<[number | null]>(cacheOf(a), 'invalidated');
  await fx.admin.flushAll();
  assert.deepEqual(await invalidated, [null]);
  assert.equal(cacheOf(a).stats.entries, 0);
});
