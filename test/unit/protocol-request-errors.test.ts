/**
 * The request parser against bad input (§4: each a coded 400 or 505, then the next request
 * parses) and its size limits (a coded error, bounded buffers, recovery).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, type ProtocolErrorCode, type Request } from '../../src/protocol/index.js';
import { LIST, brief, expectError, feed, listBytes, parser, type Result } from './protocol-harness.js';

// ---- bad input: each a coded error, and the parser goes on with the next request ----

const badRequests: Array<[string, string, ProtocolErrorCode, number]> = [
  ['garbage line', 'this is not a request at all\r\n', 'UNKNOWN_METHOD', 400],
  ['binary bytes', '\u0000\u0001\u00ff\u00fe\u0080 \u0007\r\n', 'BINARY_INPUT', 400],
  ['a request line with a NUL in it', 'LIST ALL\u0000 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n', 'BINARY_INPUT', 400],
  ['unknown method', 'DELETE RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n', 'UNKNOWN_METHOD', 400],
  ['GET at the index server', 'GET RFC 1 P2P-CI/1.0\r\nHost: h\r\nOS: x\r\n\r\n', 'UNKNOWN_METHOD', 400],
  ['version 2.0', 'LIST ALL P2P-CI/2.0\r\nHost: h\r\nPort: 1\r\n\r\n', 'VERSION_NOT_SUPPORTED', 505],
  ['version 1.1 on ADD', 'ADD RFC 1 P2P-CI/1.1\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'VERSION_NOT_SUPPORTED', 505],
  ['no version', 'LOOKUP RFC 1\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MALFORMED_REQUEST_LINE', 400],
  // §4: any version word other than P2P-CI/1.0 is 505 (issue 11: dialect I's P2P-CI-v1.0.0 was 400).
  ['HTTP version', 'LIST ALL HTTP/1.1\r\nHost: h\r\nPort: 1\r\n\r\n', 'VERSION_NOT_SUPPORTED', 505],
  ['dialect I version word', 'ADD RFC 2 P2P-CI-v1.0.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'VERSION_NOT_SUPPORTED', 505],
  ['version without hyphen', 'LOOKUP RFC 2 P2PCI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'VERSION_NOT_SUPPORTED', 505],
  ['no version word at all', 'LOOKUP RFC 2 1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MALFORMED_REQUEST_LINE', 400],
  ['LIST without ALL', 'LIST P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\n\r\n', 'MALFORMED_REQUEST_LINE', 400],
  ['ADD without RFC word', 'ADD 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MALFORMED_REQUEST_LINE', 400],
  ['non-numeric RFC number', 'LOOKUP RFC abc P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'BAD_RFC_NUMBER', 400],
  ['negative RFC number', 'ADD RFC -5 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'BAD_RFC_NUMBER', 400],
  ['RFC number with +', 'ADD RFC +5 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'BAD_RFC_NUMBER', 400],
  ['RFC number of 10 digits', 'LOOKUP RFC 1234567890 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'BAD_RFC_NUMBER', 400],
  ['RFC number 1e3', 'LOOKUP RFC 1e3 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'BAD_RFC_NUMBER', 400],
  ['port 0', 'ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 0\r\nTitle: t\r\n\r\n', 'BAD_PORT', 400],
  ['port 65536', 'ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 65536\r\nTitle: t\r\n\r\n', 'BAD_PORT', 400],
  ['port -1', 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: -1\r\n\r\n', 'BAD_PORT', 400],
  ['port abc', 'LIST ALL P2P-CI/1.0\r\nHost: h\r\nPort: abc\r\n\r\n', 'BAD_PORT', 400],
  ['missing Host on ADD', 'ADD RFC 1 P2P-CI/1.0\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MISSING_HEADER', 400],
  ['missing Port on ADD', 'ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nTitle: t\r\n\r\n', 'MISSING_HEADER', 400],
  ['Host with a space', 'ADD RFC 1 P2P-CI/1.0\r\nHost: two words\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MALFORMED_HEADER', 400],
  ['header line without a colon', 'ADD RFC 1 P2P-CI/1.0\r\nHost h\r\nPort: 1\r\nTitle: t\r\n\r\n', 'MALFORMED_HEADER', 400],
];

for (const [name, bytes, code, status] of badRequests) {
  test(`bad input: ${name} → ${status} ${code}, then the next request parses`, { timeout: 10_000 }, () => {
    const out = feed([bytes, listBytes]);
    expectError(out, code, status);
    assert.deepEqual(out.slice(1).map(brief), [{ ...LIST, completion: 'all-headers' }], 'exactly one error, then the LIST');
  });
}

// ---- limits: a coded error, buffers stay bounded, the parser keeps working ----

test('limit: an over-long line is LINE_TOO_LONG, its bytes are not buffered, the parser recovers', { timeout: 10_000 }, () => {
  const p = parser({ maxLineBytes: 64 });
  const out = feed(['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: '], p);
  assert.deepEqual(out, []);
  // 10 000 bytes of title in 100-byte chunks: reported once, never held.
  const results: Result[] = [];
  for (let i = 0; i < 100; i++) {
    results.push(...feed(['x'.repeat(100)], p));
    assert.ok(p.bufferedBytes <= 64 + 1, `buffer held ${p.bufferedBytes} bytes`);
  }
  assert.deepEqual(results.map(brief), [{ error: 'LINE_TOO_LONG', status: 400 }]);
  assert.deepEqual(feed(['\r\n\r\n' + listBytes], p).map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('limit: an over-long line arriving whole is LINE_TOO_LONG too', { timeout: 10_000 }, () => {
  const p = parser({ maxLineBytes: 32 });
  const out = feed(['LOOKUP RFC 1 P2P-CI/1.0\r\nHost: ' + 'h'.repeat(40) + '\r\nPort: 1\r\nTitle: t\r\n\r\n' + listBytes], p);
  assert.deepEqual(out.map(brief), [{ error: 'LINE_TOO_LONG', status: 400 }, { ...LIST, completion: 'all-headers' }]);
});

test('limit: too many header lines is TOO_MANY_HEADERS, the parser recovers', { timeout: 10_000 }, () => {
  const p = parser({ maxHeaders: 4 });
  const extra = 'X-A: 1\r\nX-B: 2\r\nX-C: 3\r\nX-D: 4\r\nX-E: 5\r\n';
  const out = feed(['ADD RFC 1 P2P-CI/1.0\r\n' + extra + 'Host: h\r\nPort: 1\r\nTitle: t\r\n\r\n' + listBytes], p);
  assert.deepEqual(out.map(brief), [{ error: 'TOO_MANY_HEADERS', status: 400 }, { ...LIST, completion: 'all-headers' }]);
  // Exactly at the limit is fine.
  const q = parser({ maxHeaders: 4 });
  assert.deepEqual(feed(['LIST ALL P2P-CI/1.0\r\nX-A: 1\r\nX-B: 2\r\nHost: h.example\r\nPort: 5678\r\n\r\n'], q).map(brief), [{ ...LIST, completion: 'all-headers' }]);
});

test('limit: a request larger than maxRequestBytes is REQUEST_TOO_LARGE, the parser recovers', { timeout: 10_000 }, () => {
  const p = parser({ maxRequestBytes: 120, maxLineBytes: 100, maxHeaders: 100 });
  const filler = Array.from({ length: 10 }, (_, i) => `X-Filler-${i}: ${'y'.repeat(20)}\r\n`).join('');
  const out = feed(['ADD RFC 1 P2P-CI/1.0\r\n' + filler + 'Host: h\r\nPort: 1\r\nTitle: t\r\n\r\n' + listBytes], p);
  assert.deepEqual(out.map(brief), [{ error: 'REQUEST_TOO_LARGE', status: 400 }, { ...LIST, completion: 'all-headers' }]);
});

test('limit: a title longer than maxTitleLength is TITLE_TOO_LONG, the parser recovers', { timeout: 10_000 }, () => {
  const p = parser({ maxTitleLength: 10 });
  const ok = feed(['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: ' + 't'.repeat(10) + '\r\n\r\n'], p);
  assert.equal((ok[0] as Request).title, 't'.repeat(10));
  const out = feed(['ADD RFC 1 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: ' + 't'.repeat(11) + '\r\n\r\n' + listBytes], p);
  assert.deepEqual(out.map(brief), [{ error: 'TITLE_TOO_LONG', status: 400 }, { ...LIST, completion: 'all-headers' }]);
});

test('a header line before any request line is refused, not skipped', { timeout: 10_000 }, () => {
  // Strays are skipped only after a request; on a fresh connection they are garbage.
  const out = feed(['Host: h\r\n' + listBytes]);
  assert.equal(out.length, 2);
  assert.ok(out[0] instanceof ProtocolError);
  assert.deepEqual(brief(out[1]), { ...LIST, completion: 'all-headers' });
});
