/**
 * Byte-exact fixtures for every message of PROTOCOL.md §2 and §3, run both ways:
 * encode → the exact bytes the spec shows, and those bytes → parsed back to the same message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeAdd,
  SPEC_SHAPE,
  encodeGet,
  encodeGetResponseHead,
  encodeIndexResponse,
  encodeList,
  encodeLookup,
  encodeRecord,
  encodeResponseStart,
  encodeStatusLine,
  formatRecordLine,
  GetHeadReader,
  httpDate,
  INDEX_METHODS,
  parseRecordLine,
  parseStatusLine,
  PEER_METHODS,
  ProtocolError,
  RequestParser,
  RESPONSE_END,
  ResponseParser,
  statusOf,
  type IndexMethod,
  type IndexResponse,
  type Request,
} from '../../src/protocol/index.js';

const me = { host: 'thishost.example.org', port: 5678 };

/** Parses one whole message and returns every result (the spec fixtures hold exactly one). */
function parseRequests(bytes: string, methods = INDEX_METHODS): Array<Request | ProtocolError> {
  const p = new RequestParser({ methods });
  p.push(Buffer.from(bytes, 'latin1'), 0);
  const out: Array<Request | ProtocolError> = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  return out;
}

function parseResponses(bytes: string, methods: IndexMethod[]): Array<IndexResponse | ProtocolError> {
  const p = new ResponseParser();
  for (const m of methods) p.expect(m);
  p.push(Buffer.from(bytes, 'latin1'), 0);
  const out: Array<IndexResponse | ProtocolError> = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  return out;
}

const ADD_BYTES = 'ADD RFC 123 P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678\r\nTitle: A Proferred Official ICP\r\n\r\n';
const LOOKUP_BYTES =
  'LOOKUP RFC 3457 P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678\r\nTitle: Requirements for IPsec Remote Access Scenarios\r\n\r\n';
const LIST_BYTES = 'LIST ALL P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678\r\n\r\n';
const GET_BYTES = 'GET RFC 1234 P2P-CI/1.0\r\nHost: somehost.example.org\r\nOS: Linux 6.1\r\n\r\n';

test('§2 ADD request: exact bytes and parsed back', { timeout: 10_000 }, () => {
  assert.equal(encodeAdd(123, 'A Proferred Official ICP', me), ADD_BYTES);
  assert.deepEqual(parseRequests(ADD_BYTES), [
    { method: 'ADD', rfc: 123, host: 'thishost.example.org', port: 5678, title: 'A Proferred Official ICP', completion: 'all-headers', size: ADD_BYTES.length - 2, shape: SPEC_SHAPE },
  ]);
});

test('§2 LOOKUP request: exact bytes and parsed back', { timeout: 10_000 }, () => {
  assert.equal(encodeLookup(3457, 'Requirements for IPsec Remote Access Scenarios', me), LOOKUP_BYTES);
  const [r] = parseRequests(LOOKUP_BYTES) as Request[];
  assert.deepEqual(
    { method: r!.method, rfc: r!.rfc, host: r!.host, port: r!.port, title: r!.title },
    { method: 'LOOKUP', rfc: 3457, host: me.host, port: me.port, title: 'Requirements for IPsec Remote Access Scenarios' },
  );
});

test('§2 LIST request: exact bytes and parsed back', { timeout: 10_000 }, () => {
  assert.equal(encodeList(me), LIST_BYTES);
  const results = parseRequests(LIST_BYTES);
  assert.equal(results.length, 1);
  const r = results[0] as Request;
  assert.deepEqual({ method: r.method, rfc: r.rfc, host: r.host, port: r.port, title: r.title }, { method: 'LIST', rfc: null, host: me.host, port: me.port, title: undefined });
});

test('§3 GET request: exact bytes and parsed back by the peer parser only', { timeout: 10_000 }, () => {
  assert.equal(encodeGet(1234, 'somehost.example.org', 'Linux 6.1'), GET_BYTES);
  const [r] = parseRequests(GET_BYTES, PEER_METHODS) as Request[];
  assert.deepEqual({ method: r!.method, rfc: r!.rfc, host: r!.host, os: r!.os }, { method: 'GET', rfc: 1234, host: 'somehost.example.org', os: 'Linux 6.1' });
  // The index server does not speak GET: same bytes, an unknown method there.
  const [e] = parseRequests(GET_BYTES, INDEX_METHODS);
  assert.ok(e instanceof ProtocolError);
  assert.equal(e.code, 'UNKNOWN_METHOD');
  assert.equal(e.status, 400);
});

test('§2 response with records: exact bytes and parsed back', { timeout: 10_000 }, () => {
  const records = [
    { rfc: 123, title: 'A Proferred Official ICP', host: 'thishost.example.org', port: 5678 },
    { rfc: 123, title: 'A Proferred Official ICP', host: 'otherhost.example.org', port: 6001 },
  ];
  const bytes =
    'P2P-CI/1.0 200 OK\r\n\r\nRFC 123 A Proferred Official ICP thishost.example.org 5678\r\nRFC 123 A Proferred Official ICP otherhost.example.org 6001\r\n\r\n';
  assert.equal(encodeIndexResponse(200, records), bytes);
  // The streamed form the server uses for LIST gives the same bytes.
  assert.equal(encodeResponseStart(200) + records.map(encodeRecord).join('') + RESPONSE_END, bytes);
  assert.deepEqual(parseResponses(bytes, ['LOOKUP']), [{ status: 200, phrase: 'OK', records }]);
});

test('§2 ADD answer echoes its one record; empty LIST answer has no records', { timeout: 10_000 }, () => {
  const rec = { rfc: 123, title: 'A Proferred Official ICP', host: 'thishost.example.org', port: 5678 };
  const add = 'P2P-CI/1.0 200 OK\r\n\r\nRFC 123 A Proferred Official ICP thishost.example.org 5678\r\n\r\n';
  assert.equal(encodeIndexResponse(200, [rec]), add);
  assert.deepEqual(parseResponses(add, ['ADD']), [{ status: 200, phrase: 'OK', records: [rec] }]);
  const empty = 'P2P-CI/1.0 200 OK\r\n\r\n\r\n';
  assert.equal(encodeIndexResponse(200), empty);
  assert.deepEqual(parseResponses(empty, ['LIST']), [{ status: 200, phrase: 'OK', records: [] }]);
});

test('§2/§4 error responses: status line, empty line, no records — each code with its phrase', { timeout: 10_000 }, () => {
  const cases = [
    [400, 'P2P-CI/1.0 400 Bad Request\r\n\r\n\r\n'],
    [404, 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n'],
    [505, 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n\r\n'],
  ] as const;
  for (const [status, bytes] of cases) {
    assert.equal(encodeIndexResponse(status), bytes);
    assert.equal(encodeStatusLine(status), bytes.slice(0, -4));
    const [r] = parseResponses(bytes, ['LOOKUP']);
    assert.deepEqual(r, { status, phrase: bytes.slice(15, -6), records: [] });
    assert.deepEqual(parseStatusLine(bytes.slice(0, -6)), { status, phrase: bytes.slice(15, -6) });
  }
});

test('error codes map to 400 or 505 in one place', { timeout: 10_000 }, () => {
  assert.equal(statusOf('VERSION_NOT_SUPPORTED'), 505);
  for (const code of ['MALFORMED_REQUEST_LINE', 'UNKNOWN_METHOD', 'BAD_RFC_NUMBER', 'MISSING_HEADER', 'BAD_PORT', 'LINE_TOO_LONG', 'TOO_MANY_HEADERS', 'REQUEST_TOO_LARGE', 'TITLE_TOO_LONG'] as const) {
    assert.equal(statusOf(code), 400, code);
    assert.equal(new ProtocolError(code, 'x').status, 400, code);
  }
});

test('record line: title with spaces, runs of blanks, empty title, bad lines', { timeout: 10_000 }, () => {
  const r = { rfc: 791, title: 'Internet  Protocol', host: 'h.example', port: 65535 };
  assert.equal(formatRecordLine(r), 'RFC 791 Internet  Protocol h.example 65535');
  assert.deepEqual(parseRecordLine('RFC 791 Internet  Protocol h.example 65535'), r);
  assert.deepEqual(parseRecordLine('rfc\t791   Internet Protocol \t h.example   1 '), { rfc: 791, title: 'Internet Protocol', host: 'h.example', port: 1 });
  assert.deepEqual(parseRecordLine('RFC 5 h 2'), { rfc: 5, title: '', host: 'h', port: 2 });
  assert.equal(parseRecordLine('RFC x title h 2'), null);
  assert.equal(parseRecordLine('RFC 5 title h 0'), null);
  assert.equal(parseRecordLine('RFC 5 title h 65536'), null);
  assert.equal(parseRecordLine('NOT 5 title h 2'), null);
  assert.equal(parseRecordLine('RFC 5'), null);
});

test('§3 GET response head: exact bytes, and read back with the body start', { timeout: 10_000 }, () => {
  const head = 'P2P-CI/1.0 200 OK\r\nDate: Wed, 12 Feb 2009 15:12:05 GMT\r\nOS: Linux 6.1\r\nLast-Modified: Thu, 21 Jan 2001 09:23:46 GMT\r\nContent-Length: 12345\r\nContent-Type: text/plain\r\n\r\n';
  const fields = {
    status: 200 as const,
    phrase: 'OK',
    date: 'Wed, 12 Feb 2009 15:12:05 GMT',
    os: 'Linux 6.1',
    lastModified: 'Thu, 21 Jan 2001 09:23:46 GMT',
    contentLength: 12345,
    contentType: 'text/plain',
  };
  assert.equal(encodeGetResponseHead(fields), head);
  const got = new GetHeadReader().push(Buffer.from(head + 'BODY', 'latin1'));
  assert.ok(got !== null && !(got instanceof ProtocolError));
  assert.deepEqual(got.head, fields);
  assert.equal(got.bodyStart.toString('latin1'), 'BODY');
  // The spec's own head: its empty line is the separator, never the file's (see resolveBody).
  assert.equal(got.headTail.length, 0);
});

test('§3 GET error head: status line, Date and OS, empty line, nothing else', { timeout: 10_000 }, () => {
  const fields = { status: 404 as const, phrase: 'Not Found', date: 'Wed, 12 Feb 2009 15:12:05 GMT', os: 'Linux 6.1', contentLength: 9, contentType: 'text/plain' };
  const bytes = 'P2P-CI/1.0 404 Not Found\r\nDate: Wed, 12 Feb 2009 15:12:05 GMT\r\nOS: Linux 6.1\r\n\r\n';
  assert.equal(encodeGetResponseHead(fields), bytes);
  const got = new GetHeadReader().push(Buffer.from(bytes, 'latin1'));
  assert.ok(got !== null && !(got instanceof ProtocolError));
  assert.deepEqual(got.head, { status: 404, phrase: 'Not Found', date: fields.date, os: 'Linux 6.1' });
  assert.equal(got.bodyStart.length, 0);
});

test('HTTP dates are RFC 7231 IMF-fixdate in GMT', { timeout: 10_000 }, () => {
  // (PROTOCOL.md's example says "Wed, 12 Feb 2009", but 12 Feb 2009 was a Thursday.)
  assert.equal(httpDate(new Date(Date.UTC(2009, 1, 12, 15, 12, 5))), 'Thu, 12 Feb 2009 15:12:05 GMT');
  assert.equal(httpDate(new Date(Date.UTC(2001, 0, 1, 0, 0, 0))), 'Mon, 01 Jan 2001 00:00:00 GMT');
});
