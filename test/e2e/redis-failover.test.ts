/**
 * Failures of a shared index, with real processes: a server SIGKILLed (its records are purged
 * by the survivor within the heartbeat TTL), a server frozen past its TTL (purged, then it
 * puts its records back when it wakes), and Redis itself restarted empty (requests get a
 * fast 400 meanwhile; every server re-asserts its records when Redis is back).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAllClis } from '../helpers/cli.js';
import { skipWithout } from '../helpers/optional-tools.js';
import { startRedisServer, startRedisIndexServer, type RunningRedis } from '../helpers/redis-server.js';
import { RawIndexPeer, BAD_REQUEST, NOT_FOUND, okWith } from '../helpers/raw-index-peer.js';

const TTL_MS = 1000;
let redis: RunningRedis;
const peers: RawIndexPeer[] = [];
const frozen = new Set<number>();

const skip = skipWithout('redis-server', 'the Redis failover tests (test/e2e/redis-failover.test.ts)');

before(async () => {
  if (skip) return;
  redis = await startRedisServer();
});
after(async () => {
  for (const pid of frozen) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  for (const p of peers) p.close();
  await killAllClis();
  await redis?.stop();
});

function startServer(prefix: string): ReturnType<typeof startRedisIndexServer> {
  return startRedisIndexServer(redis.url, prefix, TTL_MS);
}

async function rawPeer(serverPort: number, host: string, port: number): Promise<RawIndexPeer> {
  const p = await RawIndexPeer.connect(serverPort, { host, port });
  peers.push(p);
  return p;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('SIGKILL one server: the survivor purges its records within the heartbeat TTL', { skip, timeout: 30_000 }, async () => {
  const a = await startServer('kill:');
  const b = await startServer('kill:');
  const onB = await rawPeer(b.port, 'doomed.example', 5000);
  for (const rfc of [1, 2, 3]) await onB.add(rfc, `Title ${rfc}`);
  const onA = await rawPeer(a.port, 'survivor.example', 5001);
  await onA.add(2, 'Title 2');
  assert.equal(await onA.lookup(2), okWith(['RFC 2 Title 2 doomed.example 5000', 'RFC 2 Title 2 survivor.example 5001']));

  const killedAt = performance.now();
  b.cli.kill();
  await a.cli.waitForLine(new RegExp(`purged dead instance ${esc(b.instanceId)}: 3 records dropped`), 4 * TTL_MS);
  const elapsed = performance.now() - killedAt;
  // Bound: the TTL left on its last beat (≤ TTL) + one beat interval of the survivor (TTL/3),
  // plus slack for a busy CI machine (the log line still has to travel through a pipe).
  assert.ok(elapsed <= TTL_MS + TTL_MS / 3 + 1000, `purged after ${elapsed.toFixed(0)} ms`);
  assert.equal(await onA.lookup(1), NOT_FOUND);
  assert.equal(await onA.lookup(2), okWith(['RFC 2 Title 2 survivor.example 5001']));
  assert.equal((await a.cli.stop()).code, 0);
});

test('a server frozen past its TTL is purged, and puts its records back when it wakes', { skip, timeout: 30_000 }, async () => {
  const a = await startServer('freeze:');
  const b = await startServer('freeze:');
  const onB = await rawPeer(b.port, 'sleepy.example', 6000);
  await onB.add(42, 'Answer');
  const onA = await rawPeer(a.port, 'w', 1);
  assert.equal(await onA.lookup(42), okWith(['RFC 42 Answer sleepy.example 6000']));

  process.kill(b.cli.pid, 'SIGSTOP');
  frozen.add(b.cli.pid);
  await a.cli.waitForLine(new RegExp(`purged dead instance ${esc(b.instanceId)}: 1 records dropped`), 4 * TTL_MS);
  assert.equal(await onA.lookup(42), NOT_FOUND);

  process.kill(b.cli.pid, 'SIGCONT');
  frozen.delete(b.cli.pid);
  await b.cli.waitForLine(/heartbeat had expired .*; 1 records of this instance re-asserted/, 4 * TTL_MS);
  assert.equal(await onA.lookup(42), okWith(['RFC 42 Answer sleepy.example 6000']));
  await Promise.all([a.cli.stop(), b.cli.stop()]);
});

test('Redis restarted empty: fast 400s while it is down, then the whole index is back', { skip, timeout: 40_000 }, async () => {
  const a = await startServer('restart:');
  const b = await startServer('restart:');
  const onA = await rawPeer(a.port, 'pa.example', 7000);
  const onB = await rawPeer(b.port, 'pb.example', 7001);
  await onA.add(791, 'Internet Protocol');
  await onB.add(791, 'Internet Protocol');
  await onB.add(793, 'Transmission Control Protocol');

  await redis.kill();
  await a.cli.waitForLine(/redis store: Redis unavailable .*answered 400/);
  const started = performance.now();
  assert.equal(await onA.lookup(791), BAD_REQUEST);
  assert.equal(await onA.list(), BAD_REQUEST);
  assert.equal(await onA.add(1, 'One'), BAD_REQUEST);
  const took = performance.now() - started;
  assert.ok(took < 1000, `three answers took ${took.toFixed(0)} ms`);
  await a.cli.waitForLine(/LOOKUP RFC 791 from pa\.example:7000 -> 400 Bad Request \[INDEX_UNAVAILABLE\]/);

  await redis.restart();
  await a.cli.waitForLine(/Redis reachable again; 1 records of this instance re-asserted/, 10_000);
  await b.cli.waitForLine(/Redis reachable again; 2 records of this instance re-asserted/, 10_000);
  // Both servers re-added concurrently: the add order among them is theirs to decide.
  const found = (await onA.lookup(791)).split('\r\n').filter((l) => l.startsWith('RFC ')).sort();
  assert.deepEqual(found, ['RFC 791 Internet Protocol pa.example 7000', 'RFC 791 Internet Protocol pb.example 7001']);
  const listed = (await onB.list()).split('\r\n').filter((l) => l.startsWith('RFC ')).sort();
  assert.deepEqual(listed, ['RFC 791 Internet Protocol pa.example 7000', 'RFC 791 Internet Protocol pb.example 7001', 'RFC 793 Transmission Control Protocol pb.example 7001']);
  await Promise.all([a.cli.stop(), b.cli.stop()]);
});
