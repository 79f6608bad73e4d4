/**
 * Reading a GET answer (§3) tolerantly (§6): LF-only heads, no empty line before the body,
 * misspelt header names; surplus or short bodies fail, never trimmed or padded to fit.
 * The bodies are real RFC files from test/fixtures, so CRLF, form feeds and leading empty
 * lines are all exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { GetHeadReader, ProtocolError, resolveBody, type GetHeadResult } from '../../src/protocol/index.js';

const fixture = (n: number) => readFile(new URL(`../fixtures/rfcs/rfc${n}.txt`, import.meta.url));

function readHead(chunks: Buffer[], maxHeadBytes?: number): { result: GetHeadResult | ProtocolError; rest: Buffer[] } {
  const r = new GetHeadReader(maxHeadBytes);
  for (let i = 0; i < chunks.length; i++) {
    const out = r.push(chunks[i]!);
    if (out !== null) return { result: out, rest: chunks.slice(i + 1) };
  }
  return { result: r.end(), rest: [] };
}

/** What a downloader does: head, then every byte after it, then "the last Content-Length bytes". */
function download(chunks: Buffer[]): Buffer | string {
  const { result, rest } = readHead(chunks);
  if (result instanceof ProtocolError) return `${result.code}`;
  const body = Buffer.concat([result.bodyStart, ...rest]);
  const verdict = resolveBody(body.length, result.head.contentLength ?? 0, result.headTail);
  if (!verdict.ok) return `short: ${verdict.reason}`;
  return Buffer.concat([verdict.prepend, body]);
}

function inPieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const DATE = 'Thu, 12 Feb 2009 15:12:05 GMT';
const MOD = 'Thu, 21 Jan 2001 09:23:46 GMT';

test('spec-exact answer with a real RFC file: the body comes back byte for byte, whatever the chunking', { timeout: 10_000 }, async () => {
  const file = await fixture(1);
  const head = `P2P-CI/1.0 200 OK\r\nDate: ${DATE}\r\nOS: Linux 6.1\r\nLast-Modified: ${MOD}\r\nContent-Length: ${file.length}\r\nContent-Type: text/plain\r\n\r\n`;
  const bytes = Buffer.concat([Buffer.from(head, 'latin1'), file]);
  for (const size of [1, 3, 7, 64, 1500, bytes.length]) {
    const got = download(inPieces(bytes, size));
    assert.ok(Buffer.isBuffer(got) && got.equals(file), `chunks of ${size}: ${typeof got === 'string' ? got : got.length}`);
  }
});

test('§6 LF-only head lines', { timeout: 10_000 }, async () => {
  const file = await fixture(10);
  const head = `P2P-CI/1.0 200 OK\nDate: ${DATE}\nOS: Linux\nContent-Length: ${file.length}\nContent-Type: text/plain\n\n`;
  const { result } = readHead([Buffer.concat([Buffer.from(head), file])]);
  assert.ok(!(result instanceof ProtocolError));
  assert.deepEqual(result.head, { status: 200, phrase: 'OK', date: DATE, os: 'Linux', contentLength: file.length, contentType: 'text/plain' });
  assert.ok(result.bodyStart.equals(file));
});

test('§6 no empty line after the headers: the body starts at the first non-header line', { timeout: 10_000 }, async () => {
  const file = await fixture(10); // starts with a text line
  assert.equal(file.subarray(0, 7).toString(), 'Network');
  const head = `P2P-CI/1.0 200 OK\r\nDate: ${DATE}\r\nContent-Length: ${file.length}\r\nContent-Type: text/plain\r\n`;
  const got = download(inPieces(Buffer.concat([Buffer.from(head), file]), 5));
  assert.ok(Buffer.isBuffer(got) && got.equals(file));
});

test('§6 no empty line, and the file itself begins with empty lines: they are put back', { timeout: 10_000 }, async () => {
  const file = await fixture(93); // begins with six CRLF lines
  assert.equal(file.subarray(0, 4).toString(), '\r\n\r\n');
  const head = `P2P-CI/1.0 200 OK\r\nDate: ${DATE}\r\nContent-Length: ${file.length}\r\n`;
  const got = download([Buffer.concat([Buffer.from(head), file])]);
  assert.ok(Buffer.isBuffer(got) && got.equals(file), typeof got === 'string' ? got : `${got.length} vs ${file.length}`);
  // ... and with the separator, the same file is not given an extra line.
  const withSeparator = download([Buffer.concat([Buffer.from(head + '\r\n'), file])]);
  assert.ok(Buffer.isBuffer(withSeparator) && withSeparator.equals(file));
});

test('§6 misspelt header names: Data for Date, odd case and spacing', { timeout: 10_000 }, () => {
  const { result } = readHead([Buffer.from(`p2p-ci/1.0 200 OK\r\nData: ${DATE}\r\nlast-modified :  ${MOD}\r\nCONTENT-LENGTH:\t4\r\nos: BSD\r\n\r\nbody`)]);
  assert.ok(!(result instanceof ProtocolError));
  assert.deepEqual(result.head, { status: 200, phrase: 'OK', date: DATE, lastModified: MOD, contentLength: 4, os: 'BSD' });
  assert.equal(result.bodyStart.toString(), 'body');
});

test('surplus bytes are never trimmed to fit: where the body starts is decided by the head', { timeout: 10_000 }, () => {
  // An extra empty line in front of a 5-byte body: the old "last Content-Length bytes" rule
  // saved "hello"; the same rule turned dialect H's marker into a shifted file.
  const got = download([Buffer.from('P2P-CI/1.0 200 OK\r\nContent-Length: 5\r\n\r\n\r\n\r\nhello')]);
  assert.match(String(got), /^short: sent 4 bytes more than Content-Length 5/);
  const h = download([Buffer.from('P2P-CI/1.0 200 OK\r\nContent-Length: 5\r\nContent-Type: text/text\r\n RFC Data: hello\r\n\r\n')]);
  assert.match(String(h), /^short: sent 15 bytes more/);
  assert.deepEqual(resolveBody(12, 5, Buffer.alloc(0)).ok, false);
});

test('the spec head (five headers, CRLF) ends with its empty line: it is never taken as the file\'s', { timeout: 10_000 }, async () => {
  const file = await fixture(93); // begins with CRLF empty lines
  const spec = `P2P-CI/1.0 200 OK\r\nDate: ${DATE}\r\nOS: Linux\r\nLast-Modified: ${MOD}\r\nContent-Length: ${file.length}\r\nContent-Type: text/plain\r\n`;
  const { result } = readHead([Buffer.concat([Buffer.from(spec + '\r\n'), file])]);
  assert.ok(!(result instanceof ProtocolError));
  assert.equal(result.headTail.length, 0);
  // Cut two bytes short (exactly the empty line): a failed transfer, not a separator-less uploader.
  assert.match(String(download([Buffer.concat([Buffer.from(spec + '\r\n'), file.subarray(0, file.length - 2)])])), /^short: got/);
  // The same bytes with `Data:` (a deviant uploader that may omit the empty line): both readings stand.
  const deviant = spec.replace('Date:', 'Data:');
  const got = download([Buffer.concat([Buffer.from(deviant), file])]);
  assert.ok(Buffer.isBuffer(got) && got.equals(file));
});

test('§6 fewer bytes than Content-Length is a failed transfer', { timeout: 10_000 }, async () => {
  const file = await fixture(10);
  const head = `P2P-CI/1.0 200 OK\r\nContent-Length: ${file.length}\r\n\r\n`;
  const got = download([Buffer.from(head), file.subarray(0, file.length - 1)]);
  assert.equal(got, `short: got ${file.length - 1} of ${file.length} bytes`);
  assert.equal(resolveBody(0, 5, Buffer.from('\r\n')).ok, false);
  // Missing bytes are never made up from header bytes: only the head's empty-line tail counts.
  assert.equal(resolveBody(3, 10, Buffer.from('\r\n')).ok, false);
  // One byte short after a CRLF separator is a cut transfer, not half an empty line.
  assert.equal(resolveBody(9, 10, Buffer.from('\r\n')).ok, false);
  assert.deepEqual(resolveBody(8, 10, Buffer.from('\r\n')), { ok: true, prepend: Buffer.from('\r\n') });
});

test('error answers: no body, with or without the empty line', { timeout: 10_000 }, () => {
  const { result } = readHead([Buffer.from(`P2P-CI/1.0 404 Not Found\r\nDate: ${DATE}\r\nOS: Linux\r\n\r\n`)]);
  assert.ok(!(result instanceof ProtocolError));
  assert.deepEqual(result.head, { status: 404, phrase: 'Not Found', date: DATE, os: 'Linux' });
  // Closed after its headers, no empty line: still a 404, found at end of input.
  const noBlank = readHead([Buffer.from(`P2P-CI/1.0 505 P2P-CI Version Not Supported\nDate: ${DATE}\n`)]).result;
  assert.ok(!(noBlank instanceof ProtocolError));
  assert.equal(noBlank.head.status, 505);
  assert.equal(noBlank.head.date, DATE);
});

test('bad heads are coded errors: not a status line, no or bad Content-Length, too large, cut short', { timeout: 10_000 }, () => {
  const code = (chunks: string[], max?: number) => {
    const { result } = readHead(chunks.map((c) => Buffer.from(c)), max);
    return result instanceof ProtocolError ? result.code : 'no error';
  };
  assert.equal(code(['HTTP/1.1 200 OK\r\n\r\n']), 'MALFORMED_STATUS_LINE');
  assert.equal(code(['P2P-CI/1.0 200 OK\r\nDate: x\r\n\r\nbody']), 'BAD_CONTENT_LENGTH');
  assert.equal(code(['P2P-CI/1.0 200 OK\r\nContent-Length: -3\r\n\r\n']), 'BAD_CONTENT_LENGTH');
  assert.equal(code(['P2P-CI/1.0 200 OK\r\nContent-Length: 1e9\r\n\r\n']), 'BAD_CONTENT_LENGTH');
  assert.equal(code(['P2P-CI/1.0 200 OK\r\n', `X-Pad: ${'p'.repeat(300)}\r\n`], 256), 'REQUEST_TOO_LARGE');
  assert.equal(code(['P2P-CI/1.0 200 OK\r\nContent-Length: 5\r\n']), 'MALFORMED_STATUS_LINE', 'closed before the body');
  assert.equal(code([]), 'MALFORMED_STATUS_LINE', 'closed before anything');
});
