import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexServer } from '../../src/server/index-server.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { Store } from '../../src/index/store.js';
import type { RequestEvent } from '../../src/server/events.js';
import { StatsCollector, seriesSlot, seriesLabels, SERIES } from '../../src/observe/stats.js';
import { StatsSnapshotter } from '../../src/observe/stats-snapshot.js';

function request(over: Partial<RequestEvent>): RequestEvent {
  return { connectionId: 'c:1', remote: '127.0.0.1:1000', method: 'LOOKUP', rfc: 791, status: 200, records: 1, durationMs: 0.2, bytesIn: 60, ...over };
}

/** A store that answers every read later, like Redis: the snapshot must wait for it. */
function asyncStore(inner: MemoryStore): Store {
  return {
    add: (o, r) => Promise.resolve(inner.add(o, r)),
    lookup: (n) => Promise.resolve(inner.lookup(n)),
    list: (b) => inner.list(b),
    dropOwner: (o) => Promise.resolve(inner.dropOwner(o)),
    ownerRecordCount: (o) => Promise.resolve(inner.ownerRecordCount(o)),
    counts: () => Promise.resolve(inner.counts()),
    close: () => inner.close(),
  };
}

test('series slots map every method × status pair one to one', { timeout: 5000 }, () => {
  const seen = new Set<number>();
  for (const m of ['ADD', 'LOOKUP', 'LIST', 'GET', null] as const) {
    for (const s of [200, 400, 404, 505] as const) {
      const slot = seriesSlot(m, s);
      assert.ok(slot >= 0 && slot < SERIES);
      assert.deepEqual(seriesLabels(slot), { method: m ?? 'INVALID', status: s });
      seen.add(slot);
    }
  }
  assert.equal(seen.size, SERIES);
});

for (const [name, makeStore] of [
  ['memory store (synchronous)', (m: MemoryStore) => m as Store],
  ['store answering with promises', asyncStore],
] as const) {
  test(`collector counts server events; snapshot reads them (${name})`, { timeout: 5000 }, async () => {
    let now = 1_000_000;
    const memory = new MemoryStore();
    const server = new IndexServer({ store: makeStore(memory) });
    const stats = new StatsCollector(server, { now: () => now, rateWindowSeconds: 60, recentRequests: 3 });
    const snapshots = new StatsSnapshotter(stats, { cacheMs: 0, topSharedEveryMs: 0, topN: 2 });
    try {
      memory.add('a', { rfc: 791, title: 'Internet Protocol', host: 'h1', port: 1 });
      memory.add('b', { rfc: 791, title: 'Internet Protocol', host: 'h2', port: 2 });
      memory.add('b', { rfc: 2616, title: 'HTTP/1.1', host: 'h2', port: 2 });
      server.emit('connect', { connectionId: 'a', remote: 'x:1', at: now });
      server.emit('request', request({ method: 'ADD', rfc: 2616 }));
      server.emit('request', request({ method: 'ADD', rfc: 2616 }));
      server.emit('request', request({ method: 'ADD', rfc: 791 }));
      server.emit('request', request({ method: 'ADD', rfc: 9999, status: 400, errorCode: 'RECORD_LIMIT' }));
      now += 1000;
      server.emit('request', request({ rfc: 1 }));
      server.emit('request', request({ rfc: 1, status: 404, records: 0 }));
      server.emit('request', request({ method: null, rfc: null, status: 505, errorCode: 'VERSION_NOT_SUPPORTED', durationMs: 3 }));
      server.emit('disconnect', { connectionId: 'z', remote: 'x:2', at: now, recordsDropped: 0, reason: 'end', bytesIn: 100, bytesOut: 40 });
      server.emit('limit', { connectionId: 'z', remote: 'x:2', reason: 'rate-limit' });
      server.emit('reject', { remote: 'x', reason: 'max-connections' });

      const s = await snapshots.snapshot();
      assert.equal(s.totals.requests, 7);
      assert.equal(s.totals.errors, 2, '400 and 505 answers are errors; 404 is not');
      assert.equal(s.totals.records, 3);
      assert.equal(s.totals.peers, 2);
      assert.equal(s.totals.connectionsAccepted, 1);
      assert.equal(s.totals.connectionsRejected, 1);
      assert.equal(s.totals.limitsHit, 1);
      assert.equal(s.totals.bytesIn, 100, 'closed connections keep their byte totals');
      assert.equal(s.totals.bytesOut, 40);
      assert.deepEqual(s.requests.byMethod, { ADD: 4, LOOKUP: 2, INVALID: 1 });
      assert.deepEqual(s.requests.byStatus, { 200: 4, 400: 1, 404: 1, 505: 1 });
      assert.deepEqual(s.errors.map((e) => e.code).sort(), ['RECORD_LIMIT', 'VERSION_NOT_SUPPORTED']);
      const add200 = s.rate.series.find((x) => x.method === 'ADD' && x.status === 200)!;
      assert.equal(add200.perSecond.length, 60);
      assert.deepEqual(add200.perSecond.slice(-2), [3, 0], 'three ADDs one second before the last');
      assert.deepEqual(s.rate.series.find((x) => x.method === 'LOOKUP' && x.status === 404)!.perSecond.at(-1), 1);
      assert.equal(s.rate.endsAt, new Date(1_001_000).toISOString());
      // Most shared: candidates from ADDs, holders counted in the store (9999 never stored, 400).
      assert.deepEqual(s.topShared, [
        { rfc: 791, title: 'Internet Protocol', holders: 2 },
        { rfc: 2616, title: 'HTTP/1.1', holders: 1 },
      ]);
      assert.deepEqual(s.topLookedUp, [{ rfc: 1, lookups: 2 }]);
      assert.equal(s.recent.length, 3, 'the recent ring keeps the last 3');
      assert.deepEqual(s.recent.map((r) => [r.method, r.status]), [['INVALID', 505], ['LOOKUP', 404], ['LOOKUP', 200]]);
      assert.equal(s.recent[0]!.errorCode, 'VERSION_NOT_SUPPORTED');
      assert.equal(s.requests.latencyMs.p50, 0.25, 'p50 is the upper bound of the 0.2 ms bucket');
      assert.equal(s.peers.count, 0);

      // Once the holders leave, the RFC drops out of "most shared".
      memory.dropOwner('b');
      assert.deepEqual((await snapshots.snapshot()).topShared, [{ rfc: 791, title: 'Internet Protocol', holders: 1 }]);

      stats.detach();
      server.emit('request', request({}));
      assert.equal((await snapshots.snapshot()).totals.requests, 7, 'a detached collector counts nothing more');
    } finally {
      stats.detach();
      await server.close();
    }
  });
}

test('snapshots are cached for cacheMs, so many open pages cost one build', { timeout: 5000 }, async () => {
  let now = 5000;
  const server = new IndexServer({ store: new MemoryStore() });
  const stats = new StatsCollector(server, { now: () => now });
  const snapshots = new StatsSnapshotter(stats, { cacheMs: 500 });
  try {
    const a = await snapshots.snapshot();
    server.emit('request', request({}));
    assert.equal(await snapshots.snapshot(), a, 'same object within cacheMs');
    now += 500;
    const b = await snapshots.snapshot();
    assert.notEqual(b, a);
    assert.equal(b.totals.requests, 1);
  } finally {
    stats.detach();
    await server.close();
  }
});
