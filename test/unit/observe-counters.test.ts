import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RollingRate } from '../../src/observe/rolling-rate.js';
import { TopCounter } from '../../src/observe/top-counter.js';
import { LatencyHistogram, LATENCY_BUCKETS_SECONDS } from '../../src/observe/latency-histogram.js';

test('RollingRate counts per second and per slot, oldest first, ending at the current second', { timeout: 5000 }, () => {
  const r = new RollingRate(3, 5, 10_000);
  r.add(0, 10_000);
  r.add(0, 10_999);
  r.add(2, 12_500);
  const w = r.window(12_900);
  assert.equal(w.endSecond, 12);
  assert.deepEqual(w.perSlot.get(0), [0, 0, 2, 0, 0]);
  assert.deepEqual(w.perSlot.get(2), [0, 0, 0, 0, 1]);
  assert.equal(w.perSlot.has(1), false, 'a slot with nothing in the window is left out');
});

test('RollingRate forgets seconds that slid out of the window, including after a long silence', { timeout: 5000 }, () => {
  const r = new RollingRate(1, 4, 0);
  for (let s = 0; s < 4; s++) r.add(0, s * 1000);
  assert.deepEqual(r.window(3000).perSlot.get(0), [1, 1, 1, 1]);
  r.add(0, 5000); // seconds 4 (nothing) and 5
  assert.deepEqual(r.window(5000).perSlot.get(0), [1, 1, 0, 1]);
  assert.equal(r.window(60_000).perSlot.size, 0, 'a minute of silence empties a 4 s window');
  r.add(0, 60_000);
  r.add(0, 60_001);
  assert.deepEqual(r.window(60_500).perSlot.get(0), [0, 0, 0, 2]);
});

test('RollingRate keeps counting when the clock steps back, into the newest second', { timeout: 5000 }, () => {
  const r = new RollingRate(1, 3, 10_000);
  r.add(0, 10_000);
  r.add(0, 7_000);
  assert.deepEqual(r.window(10_000).perSlot.get(0), [0, 0, 2]);
});

test('TopCounter ranks by count; big keys stay bounded while frequent ones survive the cuts', { timeout: 5000 }, () => {
  const t = new TopCounter(10);
  for (let i = 0; i < 50; i++) t.add(791);
  for (let i = 0; i < 30; i++) t.add(2616);
  for (let i = 0; i < 40; i++) t.add(123_456_789); // beyond the flat array: counted in the map
  for (let k = 100_000; k < 110_000; k++) t.add(k); // a peer inventing numbers
  assert.ok(t.sparseSize <= 20, `map size ${t.sparseSize} stays within 2 × capacity`);
  assert.deepEqual(t.top(3), [
    { key: 791, count: 50 },
    { key: 123_456_789, count: 40 },
    { key: 2616, count: 30 },
  ]);
  t.add(2616, 25);
  assert.deepEqual(t.top(1), [{ key: 2616, count: 55 }]);
  for (let k = 0; k < 65_536; k++) t.add(k); // every flat key once: top(n) still returns n
  assert.equal(t.top(5).length, 5);
  assert.deepEqual(t.top(2).map((e) => e.key), [2616, 791]);
});

test('TopCounter orders equal counts by key and handles n = 0', { timeout: 5000 }, () => {
  const t = new TopCounter(4);
  for (const k of [9, 3, 7, 1_000_000, 5]) t.add(k);
  assert.deepEqual(t.top(3).map((e) => e.key), [3, 5, 7]);
  assert.deepEqual(t.top(0), []);
  assert.deepEqual(t.top(10).map((e) => e.key), [3, 5, 7, 9, 1_000_000]);
});

test('LatencyHistogram buckets, cumulates and estimates quantiles by upper bound', { timeout: 5000 }, () => {
  const h = new LatencyHistogram();
  assert.equal(h.quantile(0.5), null);
  h.observe(0.000005); // first bucket
  h.observe(0.0003); // 0.0005 bucket
  h.observe(0.0003);
  h.observe(5); // +Inf
  const c = h.cumulative();
  assert.equal(c.length, LATENCY_BUCKETS_SECONDS.length + 1);
  assert.deepEqual(c[0], { le: 0.00001, count: 1 });
  assert.equal(c.find((b) => b.le === 0.0005)!.count, 3);
  assert.equal(c.find((b) => b.le === 0.00025)!.count, 1);
  assert.deepEqual(c.at(-1), { le: Infinity, count: 4 });
  assert.equal(h.count, 4);
  assert.ok(Math.abs(h.sumSeconds - 5.000605) < 1e-12);
  assert.equal(h.quantile(0.5), 0.0005);
  assert.equal(h.quantile(1), Infinity);
});
