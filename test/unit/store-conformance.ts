/**
 * The one Store conformance suite: every store (memory, Redis) must pass it, so the server
 * behaves the same whichever holds the index. Call it from a test file with a factory that
 * returns a fresh, empty, started store; the suite closes each store it opened.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RfcRecord } from '../../src/protocol/index.js';
import type { Store } from '../../src/index/store.js';

const T = { timeout: 10_000 };

function rec(rfc: number, title: string, host: string, port: number): RfcRecord {
  return { rfc, title, host, port };
}

/** Every batch of `list`, whether the store yields them synchronously or not. */
async function listBatches(store: Store, batchSize?: number): Promise<RfcRecord[][]> {
  const batches: RfcRecord[][] = [];
  for await (const batch of store.list(batchSize)) batches.push(batch);
  return batches;
}

/** The index as sorted record lines: list order is the store's business, content is not. */
async function listed(store: Store, batchSize?: number): Promise<string[]> {
  return (await listBatches(store, batchSize)).flat().map(line).sort();
}

function line(r: RfcRecord): string {
  return `RFC ${r.rfc} ${r.title} ${r.host} ${r.port}`;
}

export function storeConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    const withStore = (fn: (store: Store) => Promise<void>) => async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    test('an empty store looks up nothing, lists nothing, counts zero', T, withStore(async (s) => {
      assert.deepEqual(await s.lookup(1), []);
      assert.deepEqual(await listed(s), []);
      assert.deepEqual(await s.counts(), { peers: 0, records: 0 });
      assert.equal(await s.ownerRecordCount('nobody'), 0);
      assert.equal(await s.dropOwner('nobody'), 0);
    }));

    test('add stores the record and returns it exactly', T, withStore(async (s) => {
      const r = rec(2616, 'Hypertext Transfer Protocol -- HTTP/1.1', 'alpha.example.org', 5678);
      assert.deepEqual(await s.add('o:1', r), r);
      assert.deepEqual(await s.lookup(2616), [r]);
      assert.deepEqual(await s.lookup(2617), []);
      assert.deepEqual(await s.counts(), { peers: 1, records: 1 });
      assert.equal(await s.ownerRecordCount('o:1'), 1);
    }));

    test('adding the same record twice keeps one, in its first place, with the latest title', T, withStore(async (s) => {
      await s.add('o:1', rec(10, 'Old title', 'a', 1));
      await s.add('o:2', rec(10, 'Other peer', 'b', 2));
      const again = await s.add('o:1', rec(10, 'New title', 'a', 1));
      assert.deepEqual(again, rec(10, 'New title', 'a', 1));
      assert.deepEqual(await s.lookup(10), [rec(10, 'New title', 'a', 1), rec(10, 'Other peer', 'b', 2)]);
      assert.deepEqual(await s.counts(), { peers: 2, records: 2 });
      assert.equal(await s.ownerRecordCount('o:1'), 1);
    }));

    test('lookup returns every holder in the order they were added, and only that RFC', T, withStore(async (s) => {
      const expected = [rec(791, 'Internet Protocol', 'h3', 3), rec(791, 'Internet Protocol', 'h1', 1), rec(791, 'INTERNET PROTOCOL', 'h2', 2)];
      await s.add('o:3', expected[0]!);
      await s.add('o:1', rec(793, 'Transmission Control Protocol', 'h1', 1));
      await s.add('o:1', expected[1]!);
      await s.add('o:2', expected[2]!);
      assert.deepEqual(await s.lookup(791), expected);
      assert.deepEqual(await s.lookup(793), [rec(793, 'Transmission Control Protocol', 'h1', 1)]);
    }));

    test('titles and hosts come back byte for byte (spaces, punctuation, non-ASCII, empty)', T, withStore(async (s) => {
      const odd = [
        rec(1, '', 'empty-title.example', 1),
        rec(2, '  Title with   runs of spaces and: colons, "quotes" -- dashes ', 'h', 2),
        rec(3, 'Ünïcödé — titles ✓ 日本語', 'xn--bcher-kva.example', 3),
        rec(999_999_999, 'Largest number', '2001:db8::1', 65535),
        rec(0, 'Zero', '10.0.0.1', 1),
      ];
      for (const r of odd) await s.add(`o:${r.rfc}`, r);
      for (const r of odd) assert.deepEqual(await s.lookup(r.rfc), [r]);
      assert.deepEqual(await listed(s), odd.map(line).sort());
    }));

    test('list returns every record of every owner exactly once, in batches no larger than asked', T, withStore(async (s) => {
      const all: RfcRecord[] = [];
      for (let owner = 1; owner <= 4; owner++) {
        for (let rfc = 1; rfc <= 9; rfc++) {
          const r = rec(rfc * 7, `Title ${rfc}`, `host${owner}`, 6000 + owner);
          all.push(r);
          await s.add(`o:${owner}`, r);
        }
      }
      const batches = await listBatches(s, 5);
      assert.ok(batches.length >= Math.ceil(all.length / 5), `expected at least 8 batches, got ${batches.length}`);
      for (const b of batches) assert.ok(b.length >= 1 && b.length <= 5, `batch of ${b.length}`);
      assert.deepEqual(batches.flat().map(line).sort(), all.map(line).sort());
      assert.deepEqual(await listed(s), all.map(line).sort());
      assert.deepEqual(await s.counts(), { peers: 4, records: 36 });
    }));

    test('dropOwner removes exactly that owner\'s records and says how many', T, withStore(async (s) => {
      await s.add('o:1', rec(1, 'One', 'a', 1));
      await s.add('o:1', rec(2, 'Two', 'a', 1));
      await s.add('o:2', rec(2, 'Two', 'b', 2));
      await s.add('o:2', rec(3, 'Three', 'b', 2));
      assert.equal(await s.dropOwner('o:1'), 2);
      assert.deepEqual(await s.lookup(1), []);
      assert.deepEqual(await s.lookup(2), [rec(2, 'Two', 'b', 2)]);
      assert.deepEqual(await listed(s), [line(rec(2, 'Two', 'b', 2)), line(rec(3, 'Three', 'b', 2))]);
      assert.deepEqual(await s.counts(), { peers: 1, records: 2 });
      assert.equal(await s.ownerRecordCount('o:1'), 0);
      assert.equal(await s.dropOwner('o:1'), 0, 'a second drop finds nothing');
      assert.equal(await s.dropOwner('o:2'), 2);
      assert.deepEqual(await listed(s), []);
      assert.deepEqual(await s.counts(), { peers: 0, records: 0 });
    }));

    test('two owners with the same Host/Port are two peers; dropping one leaves the other', T, withStore(async (s) => {
      const r = rec(2326, 'Real Time Streaming Protocol', 'same.example', 7000);
      await s.add('o:1', r);
      await s.add('o:2', r);
      assert.deepEqual(await s.lookup(2326), [r, r]);
      assert.deepEqual(await s.counts(), { peers: 2, records: 2 });
      assert.equal(await s.dropOwner('o:1'), 1);
      assert.deepEqual(await s.lookup(2326), [r]);
      assert.deepEqual(await s.counts(), { peers: 1, records: 1 });
      assert.equal(await s.ownerRecordCount('o:2'), 1);
    }));

    test('one owner announcing two Host/Port pairs counts as two peers', T, withStore(async (s) => {
      await s.add('o:1', rec(1, 'One', 'a', 1));
      await s.add('o:1', rec(1, 'One', 'a', 2));
      await s.add('o:1', rec(2, 'Two', 'a', 2));
      assert.deepEqual(await s.counts(), { peers: 2, records: 3 });
      assert.equal(await s.ownerRecordCount('o:1'), 3);
      assert.deepEqual(await s.lookup(1), [rec(1, 'One', 'a', 1), rec(1, 'One', 'a', 2)]);
      assert.equal(await s.dropOwner('o:1'), 3);
      assert.deepEqual(await s.counts(), { peers: 0, records: 0 });
    }));

    test('a record dropped and added again goes to the end of the lookup order', T, withStore(async (s) => {
      await s.add('o:1', rec(5, 'Five', 'a', 1));
      await s.add('o:2', rec(5, 'Five', 'b', 2));
      await s.dropOwner('o:1');
      await s.add('o:3', rec(5, 'Five', 'a', 1));
      assert.deepEqual(await s.lookup(5), [rec(5, 'Five', 'b', 2), rec(5, 'Five', 'a', 1)]);
    }));
  });
}
