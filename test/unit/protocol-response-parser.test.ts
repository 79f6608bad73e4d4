/**
 * The client side of P2S (§2) read tolerantly (§6): missing empty lines, LF-only lines,
 * responses that end only by the server's silence, several responses back to back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, ResponseParser, type IndexMethod, type IndexResponse } from '../../src/protocol/index.js';

type Out = IndexResponse | ProtocolError;

function reader(methods: IndexMethod[], idleCompletionMs = 100): ResponseParser {
  const p = new ResponseParser({ idleCompletionMs });
  for (const m of methods) p.expect(m);
  return p;
}

function drain(p: ResponseParser): Out[] {
  const out: Out[] = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  return out;
}

function feed(p: ResponseParser, chunks: string[], now = 0): Out[] {
  const out: Out[] = [];
  for (const c of chunks) {
    p.push(Buffer.from(c, 'latin1'), now);
    out.push(...drain(p));
  }
  return out;
}

const r1 = { rfc: 123, title: 'A Proferred Official ICP', host: 'thishost.example.org', port: 5678 };
const r2 = { rfc: 123, title: 'A Proferred Official ICP', host: 'otherhost.example.org', port: 6001 };
const line1 = 'RFC 123 A Proferred Official ICP thishost.example.org 5678';
const line2 = 'RFC 123 A Proferred Official ICP otherhost.example.org 6001';
const ok = (records: typeof r1[]) => ({ status: 200, phrase: 'OK', records });
const notFound = { status: 404, phrase: 'Not Found', records: [] };

test('pipelined spec-exact responses in one chunk: ADD, LOOKUP 404, LIST, LOOKUP', { timeout: 10_000 }, () => {
  const p = reader(['ADD', 'LOOKUP', 'LIST', 'LOOKUP']);
  const bytes =
    `P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n\r\n` +
    'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n' +
    `P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n${line2}\r\n\r\n` +
    `P2P-CI/1.0 200 OK\r\n\r\n${line2}\r\n\r\n`;
  assert.deepEqual(feed(p, [bytes]), [ok([r1]), notFound, ok([r1, r2]), ok([r2])]);
  assert.equal(p.pending, 0);
});

test('the same responses dribbled one byte at a time give the same result', { timeout: 10_000 }, () => {
  const p = reader(['ADD', 'LOOKUP', 'LIST']);
  const bytes = `P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n\r\nP2P-CI/1.0 404 Not Found\r\n\r\n\r\nP2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n${line2}\r\n\r\n`;
  assert.deepEqual(feed(p, bytes.split('')), [ok([r1]), notFound, ok([r1, r2])]);
});

test('§6 LF-only lines', { timeout: 10_000 }, () => {
  const p = reader(['LOOKUP', 'ADD']);
  const out = feed(p, [`P2P-CI/1.0 200 OK\n\n${line1}\n${line2}\n\nP2P-CI/1.0 200 OK\n\n${line2}\n\n`]);
  assert.deepEqual(out, [ok([r1, r2]), ok([r2])]);
});

test('§6 ADD answer without any empty line is complete at its record line', { timeout: 10_000 }, () => {
  const p = reader(['ADD']);
  assert.deepEqual(feed(p, ['P2P-CI/1.0 200 OK\n']), []);
  assert.deepEqual(feed(p, [`${line1}\n`]), [ok([r1])]);
});

test('§6 LOOKUP/LIST answers without empty lines end at the next status line', { timeout: 10_000 }, () => {
  const p = reader(['LIST', 'LOOKUP', 'LIST']);
  const out = feed(p, [`P2P-CI/1.0 200 OK\n${line1}\n${line2}\nP2P-CI/1.0 404 Not Found\nP2P-CI/1.0 200 OK\n${line2}\n`]);
  assert.deepEqual(out, [ok([r1, r2]), notFound], 'the last one waits: more records may come');
  assert.equal(p.pending, 1);
  // ...until the server has been silent for the idle time.
  assert.equal(p.idleDeadline(), 100);
  assert.equal(p.expire(99), null);
  assert.deepEqual(p.expire(100), ok([r2]));
  assert.equal(p.pending, 0);
  assert.equal(p.idleDeadline(), null);
});

test('§6 a LIST answer without its final empty line completes after silence (time injected)', { timeout: 10_000 }, () => {
  const p = reader(['LIST'], 250);
  assert.deepEqual(feed(p, [`P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n`], 1000), []);
  assert.equal(p.idleDeadline(), 1250);
  assert.equal(p.expire(1249), null);
  assert.deepEqual(feed(p, [`${line2}\r\n`], 1200), [], 'a later byte moves the deadline');
  assert.equal(p.expire(1300), null);
  assert.deepEqual(p.expire(1450), ok([r1, r2]));
});

test('an empty LIST answer with no empty lines at all completes after silence with no records', { timeout: 10_000 }, () => {
  const p = reader(['LIST']);
  assert.deepEqual(feed(p, ['P2P-CI/1.0 200 OK\n']), []);
  assert.deepEqual(p.expire(100), ok([]));
});

test('end of input completes an open answer, unterminated last record included', { timeout: 10_000 }, () => {
  const p = reader(['LOOKUP']);
  assert.deepEqual(feed(p, [`P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\n${line2}`]), []);
  assert.deepEqual(p.expire(0, true), ok([r1, r2]));
});

test('errors carry no records: 400 and 505 end at their status line', { timeout: 10_000 }, () => {
  const p = reader(['ADD', 'LIST', 'LOOKUP']);
  const out = feed(p, ['P2P-CI/1.0 400 Bad Request\nP2P-CI/1.0 505 P2P-CI Version Not Supported\n\n\n', `P2P-CI/1.0 200 OK\n${line1}\n\n`]);
  assert.deepEqual(out, [
    { status: 400, phrase: 'Bad Request', records: [] },
    { status: 505, phrase: 'P2P-CI Version Not Supported', records: [] },
    ok([r1]),
  ]);
});

test('runs of blanks and lower-case version in a status line; record lines with tabs', { timeout: 10_000 }, () => {
  const p = reader(['LOOKUP']);
  const out = feed(p, [`p2p-ci/1.0   200\tOK  \n\nRFC\t123   A Proferred Official ICP   thishost.example.org\t5678\n\n`]);
  assert.deepEqual(out, [ok([r1])]);
});

test('a line that is not a status line is a coded error, and the reader recovers', { timeout: 10_000 }, () => {
  const p = reader(['LIST', 'LIST']);
  const out = feed(p, ['HTTP/1.1 200 OK\r\n', 'P2P-CI/1.0 200 OK\r\n\r\n\r\n']);
  assert.equal(out.length, 2);
  assert.ok(out[0] instanceof ProtocolError);
  assert.equal(out[0].code, 'MALFORMED_STATUS_LINE');
  assert.deepEqual(out[1], ok([]));
});

test('an unreadable line inside a record list is skipped, the records around it kept', { timeout: 10_000 }, () => {
  const p = reader(['LIST']);
  assert.deepEqual(feed(p, [`P2P-CI/1.0 200 OK\r\n\r\n${line1}\r\nnot a record\r\n${line2}\r\n\r\n`]), [ok([r1, r2])]);
});

test('an over-long status line is LINE_TOO_LONG; an over-long record line is skipped', { timeout: 10_000 }, () => {
  const p = new ResponseParser({ maxLineBytes: 80 });
  p.expect('LIST');
  p.expect('LIST');
  const out = feed(p, [`P2P-CI/1.0 200 OK${' '.repeat(100)}x\r\n`, `P2P-CI/1.0 200 OK\r\n\r\nRFC 1 ${'t'.repeat(100)} h 1\r\n${line1}\r\n\r\n`]);
  assert.ok(out[0] instanceof ProtocolError);
  assert.equal(out[0].code, 'LINE_TOO_LONG');
  assert.deepEqual(out.slice(1), [ok([r1])]);
});

test('§6 a status line without its line end, then silence, is still an answer', { timeout: 10_000 }, () => {
  const p = reader(['LOOKUP', 'LIST']);
  assert.deepEqual(feed(p, ['P2P-CI/1.0 404 Not Found'], 0), []);
  assert.equal(p.idleDeadline(), 100);
  assert.equal(p.expire(99), null);
  assert.deepEqual(p.expire(100), notFound);
  assert.deepEqual(feed(p, ['P2P-CI/1.0 200 OK'], 500), []);
  assert.deepEqual(p.expire(600), ok([]), 'a 200 with nothing after it, then silence: no records');
  assert.equal(p.pending, 0);
  // Nothing expected, nothing held: no deadline.
  assert.equal(p.idleDeadline(), null);
  assert.equal(p.expire(10_000), null);
});
