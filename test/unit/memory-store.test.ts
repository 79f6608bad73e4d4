/**
 * The in-memory index (issue 3, part 3): records keyed by RFC and by owner (one owner = one
 * index-server connection, §5), duplicates kept once, batches for LIST, drops by owner only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { RfcRecord } from '../../src/protocol/index.js';

const rec = (rfc: number, host = 'a.example', port = 1000, title = `Title of ${rfc}`): RfcRecord => ({ rfc, title, host, port });

function listAll(store: MemoryStore, batchSize?: number): RfcRecord[][] {
  return [...store.list(batchSize)];
}

test('add stores the record and echoes it; counts follow', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  assert.deepEqual(s.counts(), { peers: 0, records: 0 });
  assert.deepEqual(s.add('c1', rec(123, 'thishost.example.org', 5678, 'A Proferred Official ICP')), rec(123, 'thishost.example.org', 5678, 'A Proferred Official ICP'));
  assert.deepEqual(s.lookup(123), [rec(123, 'thishost.example.org', 5678, 'A Proferred Official ICP')]);
  assert.deepEqual(s.counts(), { peers: 1, records: 1 });
  assert.equal(s.ownerRecordCount('c1'), 1);
});

test('adding the same (RFC, peer) twice keeps one record; a new title replaces the old', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  s.add('c1', rec(5));
  s.add('c1', rec(5));
  assert.deepEqual(s.lookup(5), [rec(5)]);
  assert.deepEqual(s.counts(), { peers: 1, records: 1 });
  assert.deepEqual(s.add('c1', rec(5, 'a.example', 1000, 'Better title')), rec(5, 'a.example', 1000, 'Better title'));
  assert.deepEqual(s.lookup(5), [rec(5, 'a.example', 1000, 'Better title')]);
  assert.equal(s.ownerRecordCount('c1'), 1);
  assert.deepEqual(s.counts(), { peers: 1, records: 1 });
});

test('lookup returns every holder of one RFC in the order they were added, and only that RFC', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  s.add('c1', rec(7, 'one', 1));
  s.add('c2', rec(8, 'two', 2));
  s.add('c3', rec(7, 'three', 3, 'Another title'));
  s.add('c2', rec(7, 'two', 2));
  s.add('c1', rec(7, 'one', 1)); // re-adding doesn't move it
  assert.deepEqual(s.lookup(7), [rec(7, 'one', 1), rec(7, 'three', 3, 'Another title'), rec(7, 'two', 2)]);
  assert.deepEqual(s.lookup(8), [rec(8, 'two', 2)]);
  assert.deepEqual(s.lookup(9), []);
});

test('list yields the whole index in batches of the requested size', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  assert.deepEqual(listAll(s, 3), [], 'an empty index yields no batch');
  const added: RfcRecord[] = [];
  for (let i = 1; i <= 10; i++) added.push(s.add(`c${i % 3}`, rec(i % 4, `h${i}`, 1000 + i)));
  const batches = listAll(s, 3);
  assert.deepEqual(batches.map((b) => b.length), [3, 3, 3, 1]);
  const key = (r: RfcRecord) => `${r.rfc} ${r.host} ${r.port}`;
  assert.deepEqual(batches.flat().map(key).sort(), added.map(key).sort());
  assert.equal(listAll(s).length, 1, 'default batch holds all 10');
});

test('dropOwner removes only that owner’s records and returns how many went', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  s.add('c1', rec(1, 'one', 1));
  s.add('c1', rec(2, 'one', 1));
  s.add('c2', rec(1, 'two', 2));
  s.add('c2', rec(3, 'two', 2));
  assert.equal(s.dropOwner('c1'), 2);
  assert.deepEqual(s.lookup(1), [rec(1, 'two', 2)]);
  assert.deepEqual(s.lookup(2), [], 'an RFC nobody holds any more is gone');
  assert.deepEqual(s.lookup(3), [rec(3, 'two', 2)]);
  assert.deepEqual(s.counts(), { peers: 1, records: 2 });
  assert.equal(s.ownerRecordCount('c1'), 0);
  assert.equal(s.dropOwner('c1'), 0, 'dropping twice is harmless');
  assert.equal(s.dropOwner('never-seen'), 0);
  assert.deepEqual(listAll(s).flat(), [rec(1, 'two', 2), rec(3, 'two', 2)]);
});

test('two owners giving the same Host/Port are independent (§5)', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  s.add('conn-A', rec(42, 'same.example', 7000));
  s.add('conn-B', rec(42, 'same.example', 7000));
  s.add('conn-B', rec(43, 'same.example', 7000));
  assert.equal(s.lookup(42).length, 2);
  assert.deepEqual(s.counts(), { peers: 2, records: 3 });
  assert.equal(s.dropOwner('conn-A'), 1);
  assert.deepEqual(s.lookup(42), [rec(42, 'same.example', 7000)], 'B keeps its own record of 42');
  assert.deepEqual(s.counts(), { peers: 1, records: 2 });
  assert.equal(s.dropOwner('conn-B'), 2);
  assert.deepEqual(s.counts(), { peers: 0, records: 0 });
  assert.deepEqual(listAll(s), []);
});

test('one owner announcing two Host/Ports is two peers; its drop removes both', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  s.add('c1', rec(1, 'h', 1));
  s.add('c1', rec(1, 'h', 2));
  s.add('c1', rec(2, 'h', 2));
  assert.deepEqual(s.counts(), { peers: 2, records: 3 });
  assert.equal(s.ownerRecordCount('c1'), 3);
  assert.equal(s.dropOwner('c1'), 3);
  assert.deepEqual(s.counts(), { peers: 0, records: 0 });
});

test('counts stay exact through many adds, duplicates and drops', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  const owners = 20;
  for (let o = 0; o < owners; o++) for (let r = 0; r < 50; r++) s.add(`c${o}`, rec((o * 7 + r) % 60, `h${o}`, 2000 + o));
  for (let o = 0; o < owners; o += 2) for (let r = 0; r < 50; r += 5) s.add(`c${o}`, rec((o * 7 + r) % 60, `h${o}`, 2000 + o));
  assert.deepEqual(s.counts(), { peers: owners, records: owners * 50 });
  let left = owners * 50;
  for (let o = 0; o < owners; o += 3) {
    assert.equal(s.dropOwner(`c${o}`), 50);
    left -= 50;
    assert.equal(s.counts().records, left);
    assert.equal(listAll(s, 64).flat().length, left);
  }
  let fromLookups = 0;
  for (let r = 0; r < 60; r++) fromLookups += s.lookup(r).length;
  assert.equal(fromLookups, left);
});

test('a LIST in progress survives adds and drops between its batches', { timeout: 10_000 }, () => {
  const s = new MemoryStore();
  for (let i = 0; i < 10; i++) s.add('c1', rec(i));
  const it = s.list(4)[Symbol.iterator]();
  const first = it.next();
  assert.equal(first.done, false);
  s.dropOwner('c1');
  s.add('c2', rec(100, 'late', 1));
  const rest: RfcRecord[] = [];
  for (let step = it.next(); !step.done; step = it.next()) rest.push(...step.value);
  assert.ok(rest.every((r) => r.host === 'late'), 'dropped records are not listed after their drop');
});

test('close empties the index', { timeout: 10_000 }, async () => {
  const s = new MemoryStore();
  s.add('c1', rec(1));
  await s.close();
  assert.deepEqual(s.counts(), { peers: 0, records: 0 });
  assert.deepEqual(s.lookup(1), []);
});
