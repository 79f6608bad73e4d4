/**
 * RedisStore against a real redis-server of its own (free port, no persistence): the shared
 * conformance suite, then what only a shared store has to get right — paging, one round trip
 * per LOOKUP, several instances, outages, re-assert, purge of a dead instance.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RedisStore } from '../../src/index/redis-store.js';
import { redisStoreOptions, type RedisStoreOptions } from '../../src/index/redis-options.js';
import { InstanceHeartbeat } from '../../src/index/instance-heartbeat.js';
import { RedisKeys } from '../../src/index/redis-keys.js';
import type { CommandSender } from '../../src/index/redis-scripts.js';
import type { RfcRecord } from '../../src/protocol/index.js';
import { redisTestFixture } from '../helpers/redis-server.js';
import { nextEvent, withTimeout } from '../helpers/net.js';
import { storeConformance } from '../unit/store-conformance.js';
import { skipWithout } from '../helpers/optional-tools.js';

const skip = skipWithout('redis-server', 'the RedisStore integration tests (test/integration/store-redis.test.ts)');
const T = { timeout: 20_000 };
const fx = redisTestFixture(skip);
const opened = fx.opened;
let prefixes = 0;

/** A started store on a fresh key prefix (or a given one, to share an index). */
async function openStore(overrides: Partial<RedisStoreOptions> = {}): Promise<RedisStore> {
  const store = new RedisStore(redisStoreOptions(fx.redis.url, { prefix: `t${++prefixes}:`, heartbeatTtlMs: 60_000, ...overrides }));
  await store.start();
  opened.add(store);
  return store;
}

/** Resolves when Redis told `store`'s LOOKUP cache that `rfc` changed. */
function waitInvalidated(store: RedisStore, rfc: number): Promise<void> {
  return new Promise((resolve) => {
    const on = (changed: number | null) => {
      if (changed !== rfc && changed !== null) return;
      store.cache!.off('invalidated', on);
      resolve();
    };
    store.cache!.on('invalidated', on);
  });
}

function rec(rfc: number, title: string, host: string, port: number): RfcRecord {
  return { rfc, title, host, port };
}

async function keysOf(prefix: string): Promise<string[]> {
  return (await fx.admin.keys(`${prefix}*`)).sort();
}

describe('RedisStore on a real redis-server', { skip }, () => storeConformance('RedisStore', () => openStore()));

describe('RedisStore beyond the conformance suite', { skip }, () => {
  test('LOOKUP is one command (one round trip) however many holders', T, async () => {
    const s = await openStore();
    for (let i = 1; i <= 50; i++) await s.add(`o:${i}`, rec(42, 'Answer', `h${i}`, i));
    // Commands a script runs count in commandstats too; they are not round trips.
    const inScript = new Set(['zrange', 'hmget', 'info']);
    const calls = async () => {
      const counts = { scripts: 0, others: 0 };
      for (const m of (await fx.admin.info('commandstats')).matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)) {
        if (m[1] === 'evalsha' || m[1] === 'eval') counts.scripts += Number(m[2]);
        else if (!inScript.has(m[1]!)) counts.others += Number(m[2]);
      }
      return counts;
    };
    const before = await calls();
    const found = await s.lookup(42);
    const now = await calls();
    assert.equal(found.length, 50);
    assert.deepEqual(found[49], rec(42, 'Answer', 'h50', 50));
    assert.equal(now.scripts - before.scripts, 1, 'LOOKUP is one script call');
    assert.equal(now.others - before.others, 0, 'and nothing else');
  });

  test('LIST pages through 2,500 records: every one exactly once, no page over the batch size', T, async () => {
    const s = await openStore();
    const adds: Promise<RfcRecord>[] = [];
    for (let i = 0; i < 2500; i++) adds.push(s.add(`o:${i % 25}`, rec(1 + (i % 400), `Title ${i % 400}`, `host${i % 25}`, 1000 + (i % 25) * 7 + Math.floor(i / 400))));
    await Promise.all(adds);
    const seen = new Set<string>();
    let pages = 0;
    for await (const batch of s.list(512)) {
      pages++;
      assert.ok(batch.length <= 512);
      for (const r of batch) {
        const key = `${r.rfc} ${r.host} ${r.port}`;
        assert.ok(!seen.has(key), `record ${key} listed twice`);
        seen.add(key);
      }
    }
    assert.equal(seen.size, 2500);
    assert.equal(pages, 5);
    assert.deepEqual(await s.counts(), { peers: 25 * 7, records: 2500 });
  });

  test('two instances on one prefix see one index; closing one removes exactly its records', T, async () => {
    const a = await openStore({ prefix: 'shared1:' });
    const b = await openStore({ prefix: 'shared1:' });
    assert.notEqual(a.instanceId, b.instanceId);
    await a.add(`${a.instanceId}:1`, rec(1, 'One', 'peer-a', 1));
    await b.add(`${b.instanceId}:1`, rec(1, 'One', 'peer-b', 2));
    await b.add(`${b.instanceId}:2`, rec(2, 'Two', 'peer-c', 3));
    assert.deepEqual(await a.lookup(1), [rec(1, 'One', 'peer-a', 1), rec(1, 'One', 'peer-b', 2)]);
    assert.deepEqual(await a.counts(), { peers: 3, records: 3 });
    // With the LOOKUP cache, another instance's change reaches `a` by Redis's invalidation
    // push, within the bound `npm run bench` measures: wait for it rather than race it.
    const told = waitInvalidated(a, 1);
    await b.close(); // its connections never dropped: close() must still take their records
    await told;
    assert.deepEqual(await a.lookup(1), [rec(1, 'One', 'peer-a', 1)]);
    assert.deepEqual(await a.lookup(2), []);
    assert.deepEqual(await a.counts(), { peers: 1, records: 1 });
    assert.ok(!(await keysOf('shared1:')).some((k) => k.includes(b.instanceId)), 'no key of the closed instance is left');
  });

  test('an instance id already beating is refused', T, async () => {
    const a = await openStore({ prefix: 'shared2:' });
    await assert.rejects(openStore({ prefix: 'shared2:', instanceId: a.instanceId }), /in use by a running server/);
  });

  test('a dead instance (heartbeat gone) is purged by a survivor; a live one is not', T, async () => {
    const dead = await openStore({ prefix: 'shared3:' });
    const alive = await openStore({ prefix: 'shared3:' });
    for (let i = 1; i <= 3; i++) await dead.add(`${dead.instanceId}:${i}`, rec(i, `T${i}`, 'dead', i));
    await alive.add(`${alive.instanceId}:1`, rec(1, 'T1', 'alive', 9));
    const keys = new RedisKeys('shared3:');
    const survivor = new InstanceHeartbeat(fx.admin as unknown as CommandSender, keys, 'survivor', 1000, 1000);
    assert.deepEqual(await survivor.purgeDead(), [], 'nobody is purged while every heartbeat is alive');
    await fx.admin.del(keys.heartbeat(dead.instanceId)); // as if its TTL ran out
    assert.deepEqual(await survivor.purgeDead(), [{ instanceId: dead.instanceId, records: 3 }]);
    assert.deepEqual(await alive.lookup(1), [rec(1, 'T1', 'alive', 9)]);
    assert.deepEqual(await alive.counts(), { peers: 1, records: 1 });
    assert.equal(await fx.admin.sIsMember(keys.instances, dead.instanceId), 0);
  });

  test('an instance whose heartbeat expired re-asserts its records on its next beat', T, async () => {
    const s = await openStore({ prefix: 'shared4:', heartbeatTtlMs: 300 });
    await s.add(`${s.instanceId}:1`, rec(7, 'Seven', 'p', 7));
    const keys = new RedisKeys('shared4:');
    // A survivor's purge while this instance was stalled: heartbeat and records gone.
    await fx.admin.del(keys.heartbeat(s.instanceId));
    await new InstanceHeartbeat(fx.admin as unknown as CommandSender, keys, 'survivor', 1000, 1000).purgeDead();
    assert.deepEqual(await s.lookup(7), []);
    const [recovered] = await nextEvent<[{ reasserted: number; reason: string }]>(s, 'recovered', 5000);
    assert.deepEqual(recovered, { reasserted: 1, reason: 'heartbeat-expired' });
    assert.deepEqual(await s.lookup(7), [rec(7, 'Seven', 'p', 7)]);
  });

  test('a stalled Redis fails requests within the command timeout; a drop that failed is done later', T, async () => {
    const s = await openStore({ prefix: 'shared5:', heartbeatTtlMs: 600, commandTimeoutMs: 150 });
    await s.add('x:1', rec(1, 'One', 'a', 1));
    await s.add('x:2', rec(1, 'One', 'b', 2));
    await fx.admin.sendCommand(['CLIENT', 'PAUSE', '800', 'ALL']);
    const started = performance.now();
    await assert.rejects(s.lookup(1), /timeout/i);
    assert.ok(performance.now() - started < 700, 'answered before Redis came back');
    await assert.rejects(Promise.resolve(s.dropOwner('x:1')), /timeout/i);
    // The timed-out drop may still run when Redis resumes; the retry makes sure either way.
    const [late] = await nextEvent<[{ owner: string; records: number }]>(s, 'lateDrop', 5000);
    assert.equal(late.owner, 'x:1');
    assert.deepEqual(await s.lookup(1), [rec(1, 'One', 'b', 2)]);
    assert.deepEqual(await s.counts(), { peers: 1, records: 1 });
  });

  test('a drop refused while reconnecting is retried once Redis is back', T, async () => {
    const s = await openStore({ prefix: 'shared7:', heartbeatTtlMs: 600 });
    await s.add('y:1', rec(1, 'One', 'a', 1));
    await s.add('y:2', rec(1, 'One', 'b', 2));
    const down = nextEvent(s, 'unavailable', 5000);
    const me = String(await fx.admin.sendCommand(['CLIENT', 'ID']));
    // All at once (pipelined): one by one, the first ones killed could reconnect before the last.
    const others = [...String(await fx.admin.sendCommand(['CLIENT', 'LIST'])).matchAll(/^id=(\d+) /gm)].map((m) => m[1]!).filter((id) => id !== me);
    await Promise.all(others.map((id) => fx.admin.sendCommand(['CLIENT', 'KILL', 'ID', id])));
    await down;
    await assert.rejects(Promise.resolve(s.dropOwner('y:1')), /offline/i);
    const [late] = await nextEvent<[{ owner: string; records: number }]>(s, 'lateDrop', 5000);
    assert.deepEqual(late, { owner: 'y:1', records: 1 });
    assert.deepEqual(await s.lookup(1), [rec(1, 'One', 'b', 2)]);
  });

  test('Redis restarted empty: requests fail at once while it is down, then the records come back', T, async () => {
    const s = await openStore({ prefix: 'shared6:', heartbeatTtlMs: 600 });
    await s.add(`${s.instanceId}:1`, rec(3, 'Three', 'p', 3));
    await s.add(`${s.instanceId}:1`, rec(4, 'Four', 'p', 3));
    const down = nextEvent<[Error]>(s, 'unavailable', 5000);
    await fx.redis.kill();
    await down;
    const started = performance.now();
    await assert.rejects(s.lookup(3));
    await assert.rejects(s.add('late:1', rec(5, 'Five', 'q', 5)));
    await assert.rejects((async () => { for await (const _ of s.list()) break; })());
    assert.ok(performance.now() - started < 500, `failing took ${performance.now() - started} ms`);
    const recovered = nextEvent<[{ reasserted: number; reason: string }]>(s, 'recovered', 10_000);
    await fx.redis.restart();
    assert.deepEqual((await recovered)[0], { reasserted: 2, reason: 'reconnected' });
    assert.deepEqual(await s.lookup(3), [rec(3, 'Three', 'p', 3)]);
    assert.deepEqual(await s.counts(), { peers: 1, records: 2 });
    await withTimeout(fx.admin.ping(), 5000, 'the fx.admin client to reconnect');
  });

  test('a LIST that loses Redis after its first page ends early, with a warning', T, async () => {
    const s = await openStore({ prefix: 'shared8:', heartbeatTtlMs: 600 });
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.add('z:1', rec(i + 1, `T${i + 1}`, 'z', 1))));
    const it = s.list(10)[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.equal(first.value!.length, 10);
    const down = nextEvent(s, 'unavailable', 5000);
    await fx.redis.kill();
    await down;
    const warned = nextEvent<[Error]>(s, 'warning', 5000);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.match((await warned)[0].message, /^LIST cut short: /);
    const back = nextEvent(s, 'recovered', 10_000);
    await fx.redis.restart();
    await back;
    await withTimeout(fx.admin.ping(), 5000, 'the fx.admin client to reconnect');
  });

  test('start() against a closed port fails with the reason, quickly', T, async () => {
    const store = new RedisStore(redisStoreOptions('redis://127.0.0.1:1'));
    await assert.rejects(withTimeout(store.start(), 5000, 'start() to fail'), /ECONNREFUSED/);
  });
});
