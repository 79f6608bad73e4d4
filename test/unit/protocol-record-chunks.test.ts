/**
 * LIST's byte-level encoder (src/protocol/record-chunks.ts) and the memory store's listInto:
 * the bytes are exactly encodeRecord's, for random records (non-ASCII titles, lone surrogates,
 * empty titles, runs sharing a prefix) and chunk sizes small enough that lines end every chunk,
 * lines longer than a chunk, and prefixes carried across chunks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordChunkEncoder, encodeRecord, type HolderAddress, type RfcRecord } from '../../src/protocol/index.js';
import { MemoryStore } from '../../src/index/memory-store.js';

/** A pool that hands out fresh chunks of `size` and records what was emitted, in order. */
function collector(size: number) {
  const out: Buffer[] = [];
  let unpooled = 0;
  const chunks = { chunkSize: size, take: () => Buffer.alloc(size, 0xaa) };
  const encoder = new RecordChunkEncoder(chunks, (chunk, length, pooled) => {
    if (!pooled) unpooled++;
    else assert.equal(chunk.length, size);
    assert.ok(length <= chunk.length && length > 0);
    // The encoder may reuse nothing it handed over: copy now, scribble over the original.
    out.push(Buffer.from(chunk.subarray(0, length)));
    chunk.fill(0x55);
    return true;
  });
  return { encoder, bytes: () => Buffer.concat(out), chunks: () => out, unpooled: () => unpooled };
}

const expected = (records: readonly RfcRecord[]) => Buffer.from(records.map(encodeRecord).join(''), 'utf8');

const titleArb = fc.oneof(
  fc.constantFrom('', 'Internet Protocol', 'Ünïcödé — 日本語の題名 🎉', 'x'.repeat(300), '\ud800 lone \udc00', 'a  b\tc'),
  fc.string({ unit: 'binary', maxLength: 80 }).filter((t) => !/[\r\n]/.test(t)),
);
const peerArb = fc.record({ host: fc.constantFrom('a.example', 'hôte.example', '10.0.0.1', 'h'), port: fc.integer({ min: 1, max: 65535 }) });
/** Runs of records: several holders share an RFC and title, as in a real index. */
const recordsArb = fc
  .array(fc.record({ rfc: fc.integer({ min: 0, max: 2 ** 31 - 1 }), title: titleArb, holders: fc.array(peerArb, { minLength: 1, maxLength: 6 }) }), { maxLength: 40 })
  .map((groups) => groups.flatMap((g) => g.holders.map((h) => ({ rfc: g.rfc, title: g.title, host: h.host, port: h.port }))));

test('chunked record lines are byte-identical to encodeRecord, for any records and chunk size', { timeout: 60_000 }, () => {
  fc.assert(
    fc.property(recordsArb, fc.integer({ min: 16, max: 600 }), (records, size) => {
      const c = collector(size);
      // One holder object per (host, port), as the store keeps one per peer: its address line is cached.
      const holders = new Map<string, HolderAddress>();
      c.encoder.startTurn(Infinity);
      for (const r of records) {
        const key = `${r.host} ${r.port}`;
        let h = holders.get(key);
        if (h === undefined) holders.set(key, (h = { host: r.host, port: r.port, addressLine: null }));
        c.encoder.record(r.rfc, r.title, h);
      }
      c.encoder.flush();
      assert.deepEqual(c.bytes(), expected(records));
      assert.equal(c.encoder.records, records.length);
      // Lines never straddle chunks.
      for (const chunk of c.chunks()) assert.equal(chunk.subarray(-2).toString('latin1'), '\r\n');
    }),
    { numRuns: 400 },
  );
});

test('a line longer than a chunk gets a chunk of its own; the run after it goes on in pool chunks', { timeout: 10_000 }, () => {
  const c = collector(64);
  const h = { host: 'peer.example', port: 7000, addressLine: null };
  const long = 'Τίτλος '.repeat(30);
  const records = [0, 1, 2].map((k) => ({ rfc: 42, title: long, host: h.host, port: h.port + k }));
  const holders = records.map((r) => ({ host: r.host, port: r.port, addressLine: null }));
  c.encoder.startTurn(10);
  records.forEach((r, k) => c.encoder.record(r.rfc, r.title, holders[k]!));
  c.encoder.record(7, 'short', h);
  c.encoder.flush();
  assert.deepEqual(c.bytes(), expected([...records, { rfc: 7, title: 'short', host: h.host, port: h.port }]));
  assert.ok(c.unpooled() >= 1);
  assert.equal(c.encoder.left, 10 - 4);
});

test('a backed-up reader stops the turn: blocked, nothing left, and the bytes still complete', { timeout: 10_000 }, () => {
  const out: Buffer[] = [];
  const encoder = new RecordChunkEncoder({ chunkSize: 100, take: () => Buffer.alloc(100) }, (chunk, length) => {
    out.push(Buffer.from(chunk.subarray(0, length)));
    return false;
  });
  const h = { host: 'h.example', port: 1, addressLine: null };
  encoder.startTurn(1000);
  const records: RfcRecord[] = [];
  for (let k = 0; k < 5 && encoder.left > 0; k++) {
    records.push({ rfc: 100 + k, title: 'A title of some length', host: h.host, port: h.port });
    encoder.record(100 + k, 'A title of some length', h);
  }
  assert.equal(encoder.blocked, true);
  assert.ok(encoder.left <= 0);
  encoder.flush();
  assert.deepEqual(Buffer.concat(out), expected(records));
  encoder.startTurn(5);
  assert.equal(encoder.blocked, false);
});

function fill(store: MemoryStore, seed: number): void {
  let x = seed;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const titles = ['Internet Protocol', 'Übertragung 日本', '', 'Transmission Control Protocol'];
  for (let k = 0; k < 3000; k++) {
    const owner = `c${rnd(40)}`;
    const rfc = rnd(300);
    store.add(owner, { rfc, title: titles[rnd(titles.length)]!, host: `peer${owner}.example`, port: 1000 + rnd(3) });
  }
  for (let k = 0; k < 5; k++) store.dropOwner(`c${rnd(40)}`);
}

test("the memory store's listInto gives list()'s records in list()'s order, turn by turn, as bytes", { timeout: 30_000 }, () => {
  for (const [seed, size, turn] of [[1, 65536, 4096], [2, 200, 7], [3, 97, 1]] as const) {
    const store = new MemoryStore();
    fill(store, seed);
    const records = [...store.list(50)].flat();
    assert.ok(records.length > 1000);
    const c = collector(size);
    const cursor = store.listInto(c.encoder);
    let turns = 0;
    for (;;) {
      c.encoder.startTurn(turn);
      turns++;
      if (cursor.next().done === true) break;
      assert.ok(c.encoder.left <= 0, 'a cursor pauses only when the turn is used up');
    }
    c.encoder.flush();
    assert.ok(turns >= Math.floor(records.length / turn));
    assert.deepEqual(c.bytes(), expected(records), `seed ${seed}`);
  }
});

test('listInto sees the index as it is when resumed: records dropped meanwhile are not listed', { timeout: 10_000 }, () => {
  const store = new MemoryStore();
  for (let rfc = 0; rfc < 10; rfc++) {
    store.add('a', { rfc, title: `T${rfc}`, host: 'a.example', port: 1 });
    store.add('b', { rfc, title: `T${rfc}`, host: 'b.example', port: 2 });
  }
  const c = collector(4096);
  const cursor = store.listInto(c.encoder);
  c.encoder.startTurn(3);
  assert.equal(cursor.next().done, false);
  store.dropOwner('b');
  c.encoder.startTurn(1000);
  assert.equal(cursor.next().done, true);
  c.encoder.flush();
  const lines = c.bytes().toString('utf8').split('\r\n').filter((l) => l !== '');
  assert.deepEqual(lines.slice(0, 3), ['RFC 0 T0 a.example 1', 'RFC 0 T0 b.example 2', 'RFC 1 T1 a.example 1']);
  assert.deepEqual(lines.slice(3), Array.from({ length: 8 }, (_, k) => `RFC ${k + 2} T${k + 2} a.example 1`));
});
