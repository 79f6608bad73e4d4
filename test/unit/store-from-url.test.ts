import { test } from 'node:test';
import assert from 'node:assert/strict';
import { storeFromUrl } from '../../src/index/store-from-url.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import { redisStoreOptions } from '../../src/index/redis-options.js';

const T = { timeout: 10_000 };

test('memory (or nothing) is the in-process store', T, async () => {
  for (const url of ['memory', ' memory ', 'memory:', 'memory://', '']) {
    const store = await storeFromUrl(url);
    assert.ok(store instanceof MemoryStore, url);
    await store.close();
  }
});

test('anything else but redis:// or rediss:// is refused with what is accepted', T, async () => {
  await assert.rejects(storeFromUrl('ftp://127.0.0.1:21'), /^Error: --store: unsupported store "ftp:" \(expected memory .* or redis:\/\/host:port/);
  await assert.rejects(storeFromUrl('127.0.0.1:6379'), /--store: "127\.0\.0\.1:6379" is not a store URL; for Redis write redis:\/\/127\.0\.0\.1:6379$/);
  await assert.rejects(storeFromUrl('localhost:6379'), /for Redis write redis:\/\/localhost:6379$/);
  await assert.rejects(storeFromUrl('redis://[bad'), /--store: not a URL: "redis:\/\/\[bad"/);
  await assert.rejects(storeFromUrl('redis://'), /--store: no host in "redis:\/\/"/);
});

test('an unreachable Redis is one line with the reason, the password hidden', T, async () => {
  await assert.rejects(storeFromUrl('redis://user:secret@127.0.0.1:1'), (err: Error) => {
    assert.match(err.message, /^cannot use Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    assert.doesNotMatch(err.message, /secret/);
    return true;
  });
});

test('Redis tuning is checked before connecting', T, () => {
  assert.throws(() => redisStoreOptions('redis://h', { heartbeatTtlMs: 10 }), /heartbeat TTL must be at least 150 ms/);
  assert.throws(() => redisStoreOptions('redis://h', { instanceId: 'has space' }), /instance id/);
  const o = redisStoreOptions('redis://h', { heartbeatTtlMs: 3000 });
  assert.deepEqual([o.prefix, o.heartbeatTtlMs, o.commandTimeoutMs], ['p2pci:', 3000, 2000]);
  assert.match(o.instanceId, /^[A-Za-z0-9._-]+-\d+-[0-9a-f]{6}$/);
  assert.notEqual(redisStoreOptions('redis://h').instanceId, o.instanceId, 'two servers never share an id by default');
});
