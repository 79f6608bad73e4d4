/**
 * The request parser against each tolerance rule of PROTOCOL.md §6, one fixture per rule.
 * Bad input and limits are in protocol-request-errors.test.ts. Time is injected: no test
 * waits for a clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/protocol/index.js';
import { ADD, LIST, brief, drain, feed, listBytes, parser, type Result } from './protocol-harness.js';

test('§6 lines ending in LF alone', { timeout: 10_000 }, () => {
  const out = feed(['ADD RFC 123 P2P-CI/1.0\nHost: h.example\nPort: 5678\nTitle: A Proferred Official ICP\n\n']);
  assert.deepEqual(out.map(brief), [{ ...ADD, completion: 'all-headers' }]);
});

test('§6 method, keyword, version and header names in any letter case', { timeout: 10_000 }, () => {
  const out = feed(['aDd rfc 123 p2p-ci/1.0\r\nhOST: h.example\r\nPORT: 5678\r\ntItLe: A Proferred Official ICP\r\n\r\nlist All P2P-ci/1.0\r\nhost: h.example\r\nport: 5678\r\n\r\n']);
  assert.deepEqual(out.map(brief), [
    { ...ADD, completion: 'all-headers' },
    { ...LIST, completion: 'all-headers' },
  ]);
});

test('§6 runs of spaces or tabs between words, leading/trailing blanks on values', { timeout: 10_000 }, () => {
  const out = feed(['  ADD \t RFC\t\t123    P2P-CI/1.0 \t\r\nHost:\t  h.example  \r\nPort :   5678\t\r\nTitle:   A Proferred  Official ICP \t\r\n\r\n']);
  // The title keeps its inner spacing; only the ends are trimmed.
  assert.deepEqual(out.map(brief), [{ ...ADD, title: 'A Proferred  Official ICP', completion: 'all-headers' }]);
});

test('§6 a header named Post is read as Port', { timeout: 10_000 }, () => {
  const out = feed(['LIST ALL P2P-CI/1.0\r\nHost: h.example\r\nPost: 5678\r\n\r\n']);
  assert.deepEqual(out.map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('§6 a request is complete as soon as every header of its method has arrived (no empty line)', { timeout: 10_000 }, () => {
  const p = parser();
  assert.deepEqual(feed(['ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\n'], p), []);
  assert.deepEqual(feed(['Title: A Proferred Official ICP\r\n'], p).map(brief), [{ ...ADD, completion: 'all-headers' }]);
  // LIST defines Host and Port only: complete at Port, whatever the order.
  assert.deepEqual(feed(['LIST ALL P2P-CI/1.0\r\nPort: 5678\r\nHost: h.example\r\n'], p).map(brief), [{ ...LIST, completion: 'all-headers' }]);
  // LOOKUP needs Title too before it is complete without an empty line.
  assert.deepEqual(feed(['LOOKUP RFC 7 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\n'], p), []);
  assert.deepEqual(feed(['Title: x\r\n'], p).map(brief), [{ method: 'LOOKUP', rfc: 7, host: 'h.example', port: 5678, title: 'x', completion: 'all-headers' }]);
});

test('§6 a request is complete at its empty line even with headers missing', { timeout: 10_000 }, () => {
  const out = feed(['LOOKUP RFC 9 P2P-CI/1.0\r\nHost: h.example\r\n\r\n']);
  assert.deepEqual(out.map(brief), [{ method: 'LOOKUP', rfc: 9, host: 'h.example', completion: 'blank-line' }]);
});

test('§6 header and empty lines after a request completed by its headers are skipped as strays', { timeout: 10_000 }, () => {
  const out = feed([
    'ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n',
    'X-Later: belongs to the ADD\r\nTitle: again\r\n\r\n\r\n\n',
    listBytes,
  ]);
  assert.deepEqual(out.map(brief), [
    { ...ADD, completion: 'all-headers' },
    { ...LIST, completion: 'all-headers' },
  ]);
});

test('§6 a partial request is processed after an idle gap (time injected)', { timeout: 10_000 }, () => {
  const p = parser({}, 250);
  p.push(Buffer.from('LOOKUP RFC 42 P2P-CI/1.0\nHost: h.example\n'), 1000);
  assert.equal(p.next(), null);
  assert.equal(p.idleDeadline(), 1250);
  assert.equal(p.expire(1249), null, 'not before the idle time');
  // A byte arriving moves the deadline.
  p.push(Buffer.from('Port: 5678\n'), 1200);
  assert.equal(p.next(), null);
  assert.equal(p.idleDeadline(), 1450);
  assert.equal(p.expire(1300), null);
  assert.deepEqual(brief(p.expire(1450) ?? undefined), { method: 'LOOKUP', rfc: 42, host: 'h.example', port: 5678, completion: 'idle' });
  assert.equal(p.idleDeadline(), null, 'nothing left to complete');
  assert.equal(p.expire(99999), null);
  // The parser carries on normally afterwards.
  assert.deepEqual(feed([listBytes], p).map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('§6 idle completion takes an unterminated last header line, and the next request is not swallowed', { timeout: 10_000 }, () => {
  // Clients that join their lines with CRLF and send no final line end at all.
  const p = parser({}, 100);
  p.push(Buffer.from('ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: A Proferred Official ICP'), 0);
  assert.equal(p.next(), null);
  assert.deepEqual(brief(p.expire(100) ?? undefined), { ...ADD, completion: 'all-headers' });
  p.push(Buffer.from('LIST ALL P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678'), 500);
  assert.equal(p.next(), null);
  assert.deepEqual(brief(p.expire(600) ?? undefined), { ...LIST, completion: 'all-headers' });
  p.push(Buffer.from('LOOKUP RFC 9 P2P-CI/1.0\r\nHost: h.example'), 1000);
  assert.equal(p.next(), null);
  assert.deepEqual(brief(p.expire(1100) ?? undefined), { method: 'LOOKUP', rfc: 9, host: 'h.example', completion: 'idle' });
  assert.equal(p.inRequest, false, 'nothing left over to glue to the next request');
});

test('§6 idle completion of an ADD without Port is a coded 400, not a request', { timeout: 10_000 }, () => {
  const p = parser({}, 100);
  p.push(Buffer.from('ADD RFC 1 P2P-CI/1.0\r\nHost: h.example\r\n'), 0);
  assert.equal(p.next(), null);
  const r = p.expire(100);
  assert.ok(r instanceof ProtocolError);
  assert.equal(r.code, 'MISSING_HEADER');
  assert.equal(r.status, 400);
});

test('§6 no idle completion while only part of a request line has arrived', { timeout: 10_000 }, () => {
  const p = parser({}, 100);
  p.push(Buffer.from('LIST ALL P2P'), 0);
  assert.equal(p.next(), null);
  assert.equal(p.idleDeadline(), null);
  assert.equal(p.expire(10_000), null);
  assert.ok(p.inRequest);
  p.push(Buffer.from('-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\n'), 10_001);
  assert.deepEqual(drain(p).map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('end of input completes the last request, unterminated last line included', { timeout: 10_000 }, () => {
  const p = parser();
  p.push(Buffer.from('ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: A Proferred Official ICP'), 0);
  assert.equal(p.next(), null);
  assert.deepEqual(brief(p.expire(0, true) ?? undefined), { ...ADD, completion: 'all-headers' });
  assert.equal(p.expire(0, true), null);
  const q = parser();
  q.push(Buffer.from('LIST ALL P2P-CI/1.0\r\nHost: h.example'), 0);
  assert.equal(q.next(), null);
  assert.deepEqual(brief(q.expire(0, true) ?? undefined), { method: 'LIST', rfc: null, host: 'h.example', completion: 'end-of-input' });
});

test('end of input with complete lines still unread hands out every request in order', { timeout: 10_000 }, () => {
  // A server that has not pulled everything yet when the peer half-closes must not glue the
  // unread lines into one "partial line".
  const p = parser();
  p.push(Buffer.from(listBytes + listBytes + 'LOOKUP RFC 5 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: t'), 0);
  const out: Result[] = [];
  for (let r = p.expire(0, true); r !== null; r = p.expire(0, true)) out.push(r);
  assert.deepEqual(out.map(brief), [
    { ...LIST, completion: 'all-headers' },
    { ...LIST, completion: 'all-headers' },
    { method: 'LOOKUP', rfc: 5, host: 'h.example', port: 5678, title: 't', completion: 'all-headers' },
  ]);
});

test('§6 several requests in one chunk come out in order', { timeout: 10_000 }, () => {
  const add = 'ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n\r\n';
  const lookup = 'LOOKUP RFC 123 P2P-CI/1.0\nHost: h.example\nPort: 5678\nTitle: x\n';
  const out = feed([add + lookup + listBytes]);
  assert.deepEqual(out.map(brief), [
    { ...ADD, completion: 'all-headers' },
    { method: 'LOOKUP', rfc: 123, host: 'h.example', port: 5678, title: 'x', completion: 'all-headers' },
    { ...LIST, completion: 'all-headers' },
  ]);
});

test('§6 one request over many chunks (one byte at a time) comes out once, at its last header', { timeout: 10_000 }, () => {
  const bytes = Buffer.from('ADD RFC 123 P2P-CI/1.0\r\nHost: h.example\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n\r\n');
  const p = parser();
  const lastHeaderEnd = bytes.indexOf('\r\n\r\n') + 2;
  for (let i = 0; i < bytes.length; i++) {
    p.push(bytes.subarray(i, i + 1), i);
    const out = drain(p);
    if (i === lastHeaderEnd - 1) assert.deepEqual(out.map(brief), [{ ...ADD, completion: 'all-headers' }], `at byte ${i}`);
    else assert.deepEqual(out, [], `nothing expected at byte ${i}`);
  }
});

test('§6 CR and LF of one line ending split across chunks', { timeout: 10_000 }, () => {
  const out = feed(['LIST ALL P2P-CI/1.0\r', '\nHost: h.example\r', '\nPort: 5678\r', '\n\r', '\n']);
  assert.deepEqual(out.map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('§6 unknown headers are ignored', { timeout: 10_000 }, () => {
  const out = feed(['ADD RFC 123 P2P-CI/1.0\r\nX-Client: mine 2.0\r\nHost: h.example\r\nAccept: */*\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n\r\n']);
  assert.deepEqual(out.map(brief), [{ ...ADD, completion: 'all-headers' }]);
});

test('an empty Title is allowed on ADD', { timeout: 10_000 }, () => {
  const out = feed(['ADD RFC 5 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle:\r\n\r\n']);
  assert.deepEqual(out.map(brief), [{ method: 'ADD', rfc: 5, host: 'h', port: 1, title: '', completion: 'all-headers' }]);
});

test('a request line arriving before a request is complete ends that request', { timeout: 10_000 }, () => {
  const out = feed(['LOOKUP RFC 1 P2P-CI/1.0\r\nHost: h.example\r\n' + listBytes]);
  assert.deepEqual(out.map(brief), [
    { method: 'LOOKUP', rfc: 1, host: 'h.example', completion: 'next-request' },
    { ...LIST, completion: 'all-headers' },
  ]);
});
