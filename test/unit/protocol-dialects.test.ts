/**
 * The dialect table (src/protocol/dialects/): each dialect recognised from the bytes
 * DIALECTS.md shows for it, and the answer layouts it is written, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DIALECT_TABLE, INDEX_METHODS, PEER_METHODS, ProtocolError, RequestParser, SHAPE, SilentLine, SPEC_ANSWER, SPEC_SHAPE,
  dialectById, encodeIndexResponse, encodeIndexResponseIn, encodeRecord, encodeRecordIn, encodeResponseStart,
  encodeResponseStartIn, recogniseShape, statusVersionDialect, type Method, type ParseResult, type Request,
  ResponseParser, SPEC_CLIENT, encodeAdd, encodeAddIn, encodeConnectLine, serverReaction, type IndexMethod, type IndexResponse,
} from '../../src/protocol/index.js';

/** Feeds `bytes`, then (if `idle`) lets the idle time pass; returns every result. */
function parse(bytes: string, methods: readonly Method[] = INDEX_METHODS, dialects = true): ParseResult[] {
  const p = new RequestParser({ methods, dialects, idleCompletionMs: 10 });
  p.push(Buffer.from(bytes, 'latin1'), 0);
  const out: ParseResult[] = [];
  for (let r = p.next(); r !== null; r = p.next()) out.push(r);
  for (let r = p.expire(100); r !== null; r = p.expire(100)) out.push(r);
  return out;
}

/** The dialect a connection sending `bytes` is in: its first request's shape plus its silent lines. */
function dialectOf(bytes: string, methods: readonly Method[] = INDEX_METHODS): string {
  let bits = 0;
  let first = true;
  for (const r of parse(bytes, methods)) {
    if (r instanceof ProtocolError) throw r;
    if (r instanceof SilentLine) bits |= r.evidence;
    else if (first) {
      bits |= r.shape;
      first = false;
    }
  }
  return recogniseShape(bits).id;
}

const FIXTURES: Array<[string, string, readonly Method[]?]> = [
  ['spec', 'ADD RFC 2 P2P-CI/1.0\r\nHost: vm\r\nPort: 59507\r\nTitle: t\r\n\r\n'],
  ['spec', 'GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\n\r\n', PEER_METHODS],
  ['spec', 'GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\nRange: bytes=0-9\r\n\r\n', PEER_METHODS],
  ['A', 'ADD RFC 2 P2P-CI/1.0\nHost: vm\nPost: 59507\nTitle: t\n'],
  ['A', 'LIST ALL P2P-CI/1.0\nHost: vm\nPost: 59507\n'],
  ['A', 'GET RFC 2 P2P-CI/1.0\nHost: vm\nOS: Linux 6.1\n', PEER_METHODS],
  ['B', 'LOOKUP RFC 2 P2P-CI/1.0\r\nHost: 10.0.0.1\r\nPort: 5000\r\nTitle: Unknown\r\n'],
  ['B', 'GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\n', PEER_METHODS],
  ['C', 'ADD RFC 2 P2P-CI/1.0\r\nHost: vm\r\nPort: 50845\r\nTitle: t'],
  ['C', 'GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux', PEER_METHODS],
  ['D', 'LOOKUP RFC 2 P2P-CI/1.0\nHost: vm\nPort: 1\nTitle: t\n\n'],
  ['D', 'GET RFC 2 P2P-CI/1.0\nHost: vm\nOS: Linux\n\n', PEER_METHODS],
  ['E', 'CONNECT 6000 P2P-CI/1.0\nADD RFC 2 P2P-CI/1.0\nHost: vm\nPort: 6000\nTitle: t\n'],
  ['F', 'ADD RFC 2 P2P-CI/1.0\r\nHost: vm\r\nPort: 1\r\nTitle: t\n'],
  ['F', 'LIST ALL P2P-CI/1.0\r\nHost: vm\r\nPort: 1\n'],
  ['F', 'GET RFC 2 P2P-CI/1.0\r\nHost 127.0.0.1 \r\nOS Linux\r\n\r\n', PEER_METHODS],
  ['G', 'ADD RFC 2 P2P-CI/1.0\nHost: vm\nPort: 1\nTitle: t\n\nEND\n'],
  ['G', 'GET RFC 2 P2P-CI/1.0\nHost: vm\nOS: Linux\n\nEND\n', PEER_METHODS],
  ['H', 'ADD RFC 791 P2P-CI/1.0\r\nHost:helper\r\nPort:5000\r\nTitle:Internet Protocol\r\n\r\n'],
  ['H', 'GET RFC 2 P2P-CI/1.0\r\nHost:helper\r\n\r\n', PEER_METHODS],
  ['I', 'ADD RFC 2 P2P-CI-v1.0.0\nHost: localhost\nPort: 42689\nTitle: t'],
];

for (const [id, bytes, methods] of FIXTURES) {
  test(`dialect ${id} recognised from ${JSON.stringify(bytes.slice(0, 40))}…`, () => {
    assert.equal(dialectOf(bytes, methods), id);
  });
}

test('a spec-exact request has exactly the spec shape bits (the uploader never waits for it)', () => {
  const [r] = parse('GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\n\r\n', PEER_METHODS) as Request[];
  assert.equal(r!.shape, SPEC_SHAPE);
  const [b] = parse('GET RFC 2 P2P-CI/1.0\r\nHost: vm\r\nOS: Linux\r\n', PEER_METHODS) as Request[];
  assert.equal(b!.shape, SHAPE.CRLF, 'no empty line: not spec-exact');
});

test('F: colon-less GET headers are read as Host and OS', () => {
  const [r] = parse('GET RFC 2 P2P-CI/1.0\r\nHost 127.0.0.1 \r\nOS Linux\r\n\r\n', PEER_METHODS) as Request[];
  assert.deepEqual([r!.rfc, r!.host, r!.os], [2, '127.0.0.1', 'Linux']);
});

test('dialects off: silent lines, colon-less headers and I\'s version word are errors, as before', () => {
  for (const bytes of ['END\n', 'CONNECT 6000 P2P-CI/1.0\n', 'ADD RFC 2 P2P-CI-v1.0.0\nHost: h\nPort: 1\nTitle: t\n']) {
    assert.ok(parse(bytes, INDEX_METHODS, false)[0] instanceof ProtocolError, bytes);
  }
  assert.ok(parse('GET RFC 2 P2P-CI/1.0\r\nHost 127.0.0.1\r\nOS Linux\r\n\r\n', PEER_METHODS, false)[0] instanceof ProtocolError);
});

const rec = { rfc: 2, title: 'a t', host: 'vm', port: 1 };

test('the spec answer style gives exactly the bytes of encode.ts', () => {
  assert.equal(encodeResponseStartIn(SPEC_ANSWER, 200), encodeResponseStart(200));
  assert.equal(encodeRecordIn(SPEC_ANSWER, rec), encodeRecord(rec));
  for (const status of [200, 404, 400, 505] as const) assert.equal(encodeIndexResponseIn(SPEC_ANSWER, status, status === 200 ? [rec] : []), encodeIndexResponse(status, status === 200 ? [rec] : []));
});

test('answer layouts of F, H and I, byte for byte', () => {
  assert.equal(encodeIndexResponseIn(dialectById('F').answer, 200, [rec]), 'P2P-CI/1.0 200 OK\r\n2 a t vm 1\r\n\r\n');
  assert.equal(encodeIndexResponseIn(dialectById('H').answer, 200, [rec]), 'P2P-CI/1.0 200 OK\r\nRFC 2 a t vm 1\r\n\r\n');
  assert.equal(encodeIndexResponseIn(dialectById('I').answer, 404), 'P2P-CI-v1.0.0 404 Not Found\n\n\n');
  for (const id of ['A', 'B', 'C', 'D', 'E', 'G'] as const) assert.equal(dialectById(id).answer, SPEC_ANSWER, id);
});

test('the table: one entry per dialect, every fingerprint reachable, F\'s status word known', () => {
  const ids = DIALECT_TABLE.map((d) => d.id);
  assert.deepEqual([...ids].sort(), ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'spec']);
  assert.equal(recogniseShape(SPEC_SHAPE).id, 'spec');
  for (const d of DIALECT_TABLE) for (const m of d.matches) assert.equal(recogniseShape(m.all).id, d.id, `${d.id}'s fingerprint alone`);
  assert.equal(statusVersionDialect('p2pci/1.0')?.id, 'F');
});

/** The answers a ResponseParser in dialect mode reads from `bytes`, the idle time passed after. */
function answers(bytes: string, methods: IndexMethod[]): IndexResponse[] {
  const p = new ResponseParser({ dialects: true, idleCompletionMs: 10 });
  for (const m of methods) p.expect(m);
  p.push(Buffer.from(bytes, 'latin1'), 0);
  const out: IndexResponse[] = [];
  for (let r = p.next(); r !== null; r = p.next()) if (!(r instanceof ProtocolError)) out.push(r);
  const last = p.expire(100);
  if (last !== null) out.push(last);
  return out;
}

test('F\'s answers show mixed line ends (CRLF lines, a bare LF after them); spec, LF-only and C\'s answers do not', () => {
  assert.equal(answers('P2P-CI/1.0 200 OK\r\n\n', ['ADD'])[0]!.mixedLineEnds, true);
  const [found] = answers('P2P-CI/1.0 200 OK\r\n2 a t vm 1\r\n\n', ['LOOKUP']);
  assert.equal(found!.mixedLineEnds, true);
  assert.deepEqual(found!.records, [rec]);
  assert.equal(answers('P2PCI/1.0 404 NOT FOUND\r\n\n', ['LOOKUP'])[0]!.status, 404);
  for (const bytes of ['P2P-CI/1.0 200 OK\r\n\r\nRFC 2 a t vm 1\r\n\r\n', 'P2P-CI/1.0 200 OK\nRFC 2 a t vm 1\n\n', '400 Bad Request\r\nRFC already exists under your registration\n']) {
    assert.equal(answers(bytes, ['ADD'])[0]!.mixedLineEnds, undefined, JSON.stringify(bytes));
  }
});

test('the client-side reactions of the table: each evidence, in the style where it shows its dialect', () => {
  const lf = { ...SPEC_CLIENT, eol: '\n' } as const;
  assert.equal(serverReaction('status-505', 'ADD', SPEC_CLIENT)?.dialect.id, 'D');
  assert.equal(serverReaction('status-505', 'LIST', lf)?.reaction.adopt.listAll, false);
  assert.equal(serverReaction('status-505', 'ADD', lf), null, 'a 505 to an LF ADD teaches nothing more');
  assert.equal(serverReaction('closed', 'ADD', lf)?.dialect.id, 'E');
  assert.equal(serverReaction('closed', 'ADD', SPEC_CLIENT), null, 'a spec server closing is no dialect');
  assert.equal(serverReaction('closed', 'ADD', { ...lf, connect: true }), null);
  assert.equal(serverReaction('mixed-line-ends', 'LOOKUP', SPEC_CLIENT)?.dialect.id, 'F');
  assert.equal(serverReaction('mixed-line-ends', 'LOOKUP', { ...SPEC_CLIENT, emptyLine: false }), null);
  assert.equal(serverReaction('garbled-echo', 'ADD', SPEC_CLIENT)?.dialect.id, 'C');
  assert.equal(serverReaction('silence', 'LIST', SPEC_CLIENT)?.dialect.id, 'G');
  assert.equal(encodeConnectLine(5000), 'CONNECT 5000 P2P-CI/1.0\n');
  assert.equal(encodeAddIn({ ...SPEC_CLIENT, emptyLine: false }, 2, 't', { host: 'vm', port: 1 }), 'ADD RFC 2 P2P-CI/1.0\r\nHost: vm\r\nPort: 1\r\nTitle: t\r\n');
  assert.equal(encodeAddIn(SPEC_CLIENT, 2, 't', { host: 'vm', port: 1 }), encodeAdd(2, 't', { host: 'vm', port: 1 }), 'the spec style is encode.ts\'s bytes');
});

test('the client reads what their servers write: free text after an error, a CR inside a status line, records without RFC or in <sp> form', () => {
  // C: a versionless 400 with commentary, then the next answer.
  const [dup, next] = answers('400 Bad Request\r\nRFC already exists under your registration\nP2P-CI/1.0 404 Not Found\r\n\r\n', ['ADD', 'LOOKUP']);
  assert.deepEqual([dup!.status, next!.status], [400, 404]);
  // I echoes a CRLF request's version word, CR included.
  assert.equal(answers('P2P-CI/1.0\r 505 P2P-CI Version Not Supported\n\n', ['ADD'])[0]!.status, 505);
  assert.deepEqual(answers('P2P-CI/1.0 200 OK\r\n2 a t vm 1\r\n\r\n', ['LIST'])[0]!.records, [rec]);
  assert.deepEqual(answers('P2P-CI/1.0 200 OK\n2<sp>a t<sp>vm<sp>40000<sp>1\n\n', ['LIST'])[0]!.records, [rec]);
  // --strict: none of these is read.
  const strict = new ResponseParser({ dialects: false });
  strict.expect('LOOKUP');
  strict.push(Buffer.from('P2PCI/1.0 404 NOT FOUND\r\n\n'));
  assert.ok(strict.next() instanceof ProtocolError);
});
