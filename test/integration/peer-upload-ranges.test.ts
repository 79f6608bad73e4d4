/**
 * p2pci's GET extensions on the upload server (README "Extensions"): the exact bytes of 206 and
 * 416 answers, Repr-Digest only when asked, and a GET without the headers answered exactly as
 * before. Real sockets on 127.0.0.1, a real fixture RFC.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, mkdtemp, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { httpDate } from '../../src/protocol/index.js';
import { connect, readUntil, waitForClose } from '../helpers/net.js';

const RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));
const server = new UploadServer({ folder: new ShareFolder(RFCS), os: 'TestOS 1.0' });
const ready = server.listen(0, '127.0.0.1');
after(() => server.close());

/** Everything the uploader sent until it closed. */
async function exchange(request: string, port = server.port): Promise<Buffer> {
  await ready;
  const s = await connect(port);
  s.write(request);
  await waitForClose(s, 10_000);
  return readUntil(s, () => true);
}

/** The answer's Date line (the only part that varies), so the whole answer can be compared. */
function dateOf(answer: Buffer): string {
  const m = /\r\nDate: ([^\r]+)\r\n/.exec(answer.toString('latin1'));
  assert.ok(m !== null, 'no Date header');
  return m[1]!;
}

const RFC = 20;
const file = await readFile(join(RFCS, `rfc${RFC}.txt`));
const mtime = httpDate((await stat(join(RFCS, `rfc${RFC}.txt`))).mtime);
const digest = createHash('sha256').update(file).digest('base64');
const get = (headers: string) => `GET RFC ${RFC} P2P-CI/1.0\r\n${headers}Host: 127.0.0.1\r\nOS: Test\r\n\r\n`;

test('a GET without the extension headers gets exactly the 1.0 answer: §3 head, whole file, nothing new', { timeout: 15_000 }, async () => {
  const answer = await exchange(get(''));
  const expected = Buffer.concat([
    Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: ${dateOf(answer)}\r\nOS: TestOS 1.0\r\nLast-Modified: ${mtime}\r\nContent-Length: ${file.length}\r\nContent-Type: text/plain\r\n\r\n`, 'latin1'),
    file,
  ]);
  assert.ok(answer.equals(expected), `answer differs: ${JSON.stringify(answer.toString('latin1', 0, 300))}`);
});

test('Range: bytes=100-299 with Want-Repr-Digest: exactly a 206 head and those 200 bytes', { timeout: 15_000 }, async () => {
  const answer = await exchange(get('Range: bytes=100-299\r\nWant-Repr-Digest: sha-256=1\r\n'));
  const expected = Buffer.concat([
    Buffer.from(
      `P2P-CI/1.0 206 Partial Content\r\nDate: ${dateOf(answer)}\r\nOS: TestOS 1.0\r\nLast-Modified: ${mtime}\r\n` +
      `Content-Range: bytes 100-299/${file.length}\r\nContent-Length: 200\r\nContent-Type: text/plain\r\nRepr-Digest: sha-256=:${digest}:\r\n\r\n`,
      'latin1',
    ),
    file.subarray(100, 300),
  ]);
  assert.ok(answer.equals(expected), `answer differs: ${JSON.stringify(answer.toString('latin1', 0, 400))}`);
});

test('a range without Want-Repr-Digest has no Repr-Digest; a suffix range and an open end are clipped to the file', { timeout: 15_000 }, async () => {
  const tail = await exchange(get('Range: bytes=-10\r\n'));
  const head = `P2P-CI/1.0 206 Partial Content\r\nDate: ${dateOf(tail)}\r\nOS: TestOS 1.0\r\nLast-Modified: ${mtime}\r\n` +
    `Content-Range: bytes ${file.length - 10}-${file.length - 1}/${file.length}\r\nContent-Length: 10\r\nContent-Type: text/plain\r\n\r\n`;
  assert.ok(tail.equals(Buffer.concat([Buffer.from(head, 'latin1'), file.subarray(file.length - 10)])), tail.toString('latin1', 0, 300));
  const open = await exchange(get(`Range: bytes=${file.length - 5}-99999999\r\n`));
  assert.match(open.toString('latin1'), new RegExp(`\\r\\nContent-Range: bytes ${file.length - 5}-${file.length - 1}/${file.length}\\r\\nContent-Length: 5\\r\\n`));
  assert.ok(open.subarray(open.length - 5).equals(file.subarray(file.length - 5)));
});

test('a range past the end gets exactly a 416 with the size and no body', { timeout: 15_000 }, async () => {
  const answer = await exchange(get(`Range: bytes=${file.length}-${file.length + 10}\r\nWant-Repr-Digest: sha-256=1\r\n`));
  assert.equal(answer.toString('latin1'), `P2P-CI/1.0 416 Range Not Satisfiable\r\nDate: ${dateOf(answer)}\r\nOS: TestOS 1.0\r\nContent-Range: bytes */${file.length}\r\n\r\n`);
});

test('Want-Repr-Digest alone: the 200 answer with Repr-Digest; an unreadable Range is ignored (200, whole file)', { timeout: 15_000 }, async () => {
  const answer = await exchange(get('Want-Repr-Digest: sha-256=1\r\n'));
  const expected = Buffer.concat([
    Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: ${dateOf(answer)}\r\nOS: TestOS 1.0\r\nLast-Modified: ${mtime}\r\nContent-Length: ${file.length}\r\nContent-Type: text/plain\r\nRepr-Digest: sha-256=:${digest}:\r\n\r\n`, 'latin1'),
    file,
  ]);
  assert.ok(answer.equals(expected));
  const multi = await exchange(get('Range: bytes=0-1,5-9\r\n'));
  assert.match(multi.toString('latin1'), /^P2P-CI\/1\.0 200 OK\r\n/);
  assert.ok(multi.subarray(multi.length - file.length).equals(file));
  assert.doesNotMatch(multi.toString('latin1', 0, 300), /Content-Range|Repr-Digest/);
});

test('the digest follows the file: changed content (same inode) gets the new SHA-256', { timeout: 15_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-digest-'));
  const own = new UploadServer({ folder: new ShareFolder(dir), os: 'T' });
  await own.listen(0, '127.0.0.1');
  try {
    const path = join(dir, 'rfc5.txt');
    const want = 'Range: bytes=0-0\r\nWant-Repr-Digest: sha-256=1\r\n';
    const digestIn = (b: Buffer) => /Repr-Digest: sha-256=:([^:]+):/.exec(b.toString('latin1'))?.[1];
    await writeFile(path, 'first version\r\n');
    assert.equal(digestIn(await exchange(get(want).replace(`RFC ${RFC}`, 'RFC 5'), own.port)), createHash('sha256').update('first version\r\n').digest('base64'));
    await writeFile(path, 'second version, longer\r\n');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    assert.equal(digestIn(await exchange(get(want).replace(`RFC ${RFC}`, 'RFC 5'), own.port)), createHash('sha256').update('second version, longer\r\n').digest('base64'));
  } finally {
    await own.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('--upload-limit caps the total rate: two transfers of 256 KiB at 256 KiB/s take at least ~1.75 s together', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-limit-'));
  const limited = new UploadServer({ folder: new ShareFolder(dir), os: 'T', uploadLimit: 256 * 1024 });
  await limited.listen(0, '127.0.0.1');
  try {
    const body = Buffer.alloc(256 * 1024, 0x61);
    await writeFile(join(dir, 'rfc9.txt'), body);
    const started = performance.now();
    const answers = await Promise.all([1, 2].map(() => exchange('GET RFC 9 P2P-CI/1.0\r\nHost: h\r\nOS: T\r\n\r\n', limited.port)));
    const seconds = (performance.now() - started) / 1000;
    for (const a of answers) assert.ok(a.subarray(a.length - body.length).equals(body));
    // 512 KiB at 256 KiB/s, less the 64 KiB the bucket starts with: a lower bound, so a slow machine can't fail it.
    assert.ok(seconds >= 1.7, `took ${seconds.toFixed(2)} s`);
  } finally {
    await limited.close();
    await rm(dir, { recursive: true, force: true });
  }
});
