/** p2pci's GET extensions in the pure protocol module: Range, Content-Range, (Want-)Repr-Digest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RequestParser, PEER_METHODS, encodeGet, parseRange, parseContentRange, wantsSha256, parseReprDigest, encodeReprDigest,
  type Request,
} from '../../src/protocol/index.js';

test('parseRange: RFC 9110 byte ranges, clipped to the file; what we do not read means the whole file', () => {
  assert.deepEqual(parseRange(undefined, 100), { kind: 'whole' });
  assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'range', first: 0, last: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'range', first: 90, last: 99 });
  assert.deepEqual(parseRange('bytes=50-1000', 100), { kind: 'range', first: 50, last: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'range', first: 90, last: 99 });
  assert.deepEqual(parseRange('bytes=-1000', 100), { kind: 'range', first: 0, last: 99 });
  assert.deepEqual(parseRange('bytes=100-200', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-0', 0), { kind: 'unsatisfiable' });
  for (const v of ['bytes=5-1', 'bytes=0-1,3-4', 'items=0-1', 'bytes=a-b', 'bytes=-', 'bytes=1234567890123456-']) assert.deepEqual(parseRange(v, 100), { kind: 'whole' }, v);
});

test('parseContentRange: a range with the size, or the size alone (416); nonsense is null', () => {
  assert.deepEqual(parseContentRange('bytes 0-9/100'), { kind: 'range', first: 0, last: 9, size: 100 });
  assert.deepEqual(parseContentRange('bytes */100'), { kind: 'unsatisfied', size: 100 });
  for (const v of ['bytes 9-0/100', 'bytes 0-100/100', 'bytes 0-9/*', 'items 0-9/100', '']) assert.equal(parseContentRange(v), null, v);
});

test('Want-Repr-Digest and Repr-Digest: sha-256 with a non-zero weight; the digest round-trips as hex', () => {
  assert.equal(wantsSha256('sha-256=1'), true);
  assert.equal(wantsSha256('sha-512=3, sha-256=10'), true);
  assert.equal(wantsSha256('sha-256=0'), false);
  assert.equal(wantsSha256('sha-512=1'), false);
  assert.equal(wantsSha256(undefined), false);
  const digest = Buffer.alloc(32, 7);
  assert.equal(encodeReprDigest(digest), `sha-256=:${digest.toString('base64')}:`);
  assert.equal(parseReprDigest(`sha-512=:AAAA:, ${encodeReprDigest(digest)}`), digest.toString('hex'));
  assert.equal(parseReprDigest('sha-256=:AAAA:'), null); // not 32 bytes
});

test('encodeGet: extension headers come before Host and OS, and our own parser reads them', () => {
  const text = encodeGet(7, 'h', 'Test', { range: 'bytes=0-9', wantReprDigest: 'sha-256=1' });
  assert.equal(text, 'GET RFC 7 P2P-CI/1.0\r\nRange: bytes=0-9\r\nWant-Repr-Digest: sha-256=1\r\nHost: h\r\nOS: Test\r\n\r\n');
  assert.equal(encodeGet(7, 'h', 'Test'), 'GET RFC 7 P2P-CI/1.0\r\nHost: h\r\nOS: Test\r\n\r\n');
  const p = new RequestParser({ methods: PEER_METHODS });
  p.push(Buffer.from(text));
  const req = p.next() as Request;
  assert.deepEqual([req.rfc, req.range, req.wantReprDigest], [7, 'bytes=0-9', 'sha-256=1']);
});
