import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prng } from '../../bench/soak/prng.js';
import { ExpectedIndex, PEER_HOST, TRANSIENT_HOST } from '../../bench/soak/model.js';

test('soak PRNG: one seed, one sequence; another seed, another', () => {
  const draw = (seed: number) => {
    const p = new Prng(seed);
    return [p.next(), p.int(0, 9), p.pick(['a', 'b', 'c']), p.sample([1, 2, 3, 4, 5], 3).join(), p.weighted({ x: 1, y: 5 })];
  };
  assert.deepEqual(draw(17), draw(17));
  assert.notDeepEqual(draw(17), draw(18));
  const p = new Prng(1);
  for (let i = 0; i < 1000; i++) {
    const n = p.int(3, 5);
    assert.ok(n >= 3 && n <= 5);
  }
});

const rec = (rfc: number, port: number, title = `T${rfc}`, host = PEER_HOST) => ({ rfc, title, host, port });

test('expected index: settled records must match exactly; unsettled ones are not judged', () => {
  const e = new ExpectedIndex();
  e.set(4000, 1, true, 'T1', 100); // settled from t=100
  e.set(4000, 2, true, 'T2', 5000); // settles later
  e.set(4001, 3, false, '', 100); // left
  assert.deepEqual(e.compare([rec(1, 4000), rec(2, 4000)], 200), []);
  assert.deepEqual(e.compare([rec(1, 4000)], 200), [], 'RFC 2 is not settled yet');
  assert.deepEqual(e.compare([], 200), ['missing record: RFC 1 of peer 127.0.0.1:4000']);
  assert.deepEqual(e.compare([rec(1, 4000), rec(3, 4001)], 200), ['stale record: RFC 3 of peer 127.0.0.1:4001']);
  assert.deepEqual(e.compare([rec(1, 4000), rec(1, 4000)], 200), ['2 copies of RFC 1 of peer 127.0.0.1:4000']);
  assert.deepEqual(e.compare([rec(1, 4000, 'other')], 200), ['RFC 1 of peer 127.0.0.1:4000 has title "other", expected "T1"']);
  assert.deepEqual(e.compare([rec(1, 4000), rec(9, 4009)], 200), ['stale record: RFC 9 of peer 127.0.0.1:4009'], 'a record nobody shares');
  e.unsettlePeer(4000, Infinity); // its server restarted: not judged until it is back
  assert.deepEqual(e.compare([], 200), []);
});

test('expected index: one-shot records are allowed only while one-shots may hold them', () => {
  const e = new ExpectedIndex();
  e.transientUntil = 1000;
  assert.deepEqual(e.compare([rec(5, 5000, 'x', TRANSIENT_HOST)], 500), []);
  assert.deepEqual(e.compare([rec(5, 5000, 'x', TRANSIENT_HOST)], 1500), ['stale one-shot record RFC 5 127.0.0.2:5000']);
});
