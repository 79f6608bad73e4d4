import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadRfc, DownloadError } from '../../src/peer/downloader.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { withTimeout } from '../helpers/net.js';

const RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const servers: Server[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers) s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A hand-written uploader: reads the GET up to its empty line, then does `answer`. */
async function deviant(answer: (socket: Socket) => void): Promise<{ host: string; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let got = '';
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (got.includes('\r\n\r\n')) {
        socket.removeAllListeners('data');
        socket.resume();
        answer(socket);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  return { host: '127.0.0.1', port: typeof a === 'object' && a !== null ? a.port : 0 };
}

/** A port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<{ host: string; port: number }> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return { host: '127.0.0.1', port: typeof a === 'object' && a !== null ? a.port : 0 };
}

async function tempFolder(): Promise<ShareFolder> {
  const d = await mkdtemp(join(tmpdir(), 'p2pci-dl-'));
  dirs.push(d);
  return new ShareFolder(d);
}

const rfc1 = () => readFile(join(RFCS, 'rfc1.txt')); // starts with six CRLF empty lines

const VARIANTS: ReadonlyArray<[string, (body: Buffer) => Buffer]> = [
  ['exact §3 answer', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: Wed, 12 Feb 2009 15:12:05 GMT\r\nOS: X\r\nLast-Modified: Thu, 21 Jan 2001 09:23:46 GMT\r\nContent-Length: ${b.length}\r\nContent-Type: text/plain\r\n\r\n`), b])],
  ['LF-only head', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\nDate: x\nOS: X\nContent-Length: ${b.length}\nContent-Type: text/plain\n\n`), b])],
  ['Data: instead of Date:, lower-case names', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nData: x\r\nos: X\r\ncontent-length: ${b.length}\r\n\r\n`), b])],
  // The file itself starts with empty lines, which look like the separator: they must be put back.
  ['no empty line after the head', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nData: x\r\nOS: X\r\nContent-Length: ${b.length}\r\nContent-Type: text/plain\r\n`), b])],
];

/**
 * Issue 11, defect 4: surplus bytes around the body. The old rule kept "the last
 * Content-Length bytes" and saved a shifted file with exit 0 (dialect H: ` RFC Data: ` before
 * the body, `\r\n\r\n` after it). Where the body starts can't be told, so nothing is saved.
 */
const AMBIGUOUS: ReadonlyArray<[string, (body: Buffer) => Buffer]> = [
  ['dialect H: a marker before the body and four bytes after it', (b) => Buffer.concat([
    Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: Wed, 12 Feb 2009 15:12:05 GMT\r\nOS: X\r\nLast-Modified: Thu, 21 Jan 2001 09:23:46 GMT\r\nContent-Length: ${b.length}\r\nContent-Type: text/text\r\n RFC Data: `),
    b, Buffer.from('\r\n\r\n')])],
  ['junk line before the body', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nContent-Length: ${b.length}\r\nthis is not a header\r\n`), b])],
  ['surplus bytes after a spec answer', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: x\r\nOS: X\r\nLast-Modified: y\r\nContent-Length: ${b.length}\r\nContent-Type: text/plain\r\n\r\n`), b, Buffer.from('\r\n')])],
  // The spec's own head ends with its empty line: a body two bytes short is cut, not separator-less.
  ['spec head, body short by exactly the empty line', (b) => Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: x\r\nOS: X\r\nLast-Modified: y\r\nContent-Length: ${b.length}\r\nContent-Type: text/plain\r\n\r\n`), b.subarray(0, b.length - 2)])],
];

for (const [name, shape] of AMBIGUOUS) {
  test(`no guessed file: ${name} → transfer fails, nothing left in the folder`, { timeout: 10_000 }, async () => {
    const body = await rfc1();
    const peer = await deviant((s) => s.end(shape(body)));
    const folder = await tempFolder();
    const err = await downloadRfc(1, [peer], folder, { silenceMs: 2000 }).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DownloadError, `saved a file: ${String(err)}`);
    assert.match(err.failures[0]!.reason, /more than Content-Length|of \d+ bytes/);
    assert.deepEqual(await readdir(folder.dir), []);
  });
}

test('an error status is reported as the uploader said it, whatever its headers (dialect D: empty Content-Length)', { timeout: 10_000 }, async () => {
  const peer = await deviant((s) => s.end('P2P-CI/1.0 505 P2P-CI Version Not Supported\r\nDate: x\r\nOS: X\r\nLast-Modified: \r\nContent-Length: \r\nContent-Type: text/plain\r\n'));
  const folder = await tempFolder();
  const err = await downloadRfc(1, [peer], folder, { silenceMs: 2000 }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DownloadError);
  // The 505 comes first; what the same GET in LF met after it (DIALECTS.md D, E) follows.
  assert.match(err.failures[0]!.reason, /^answered 505 P2P-CI Version Not Supported, and to the same GET in LF: silent/);
  assert.deepEqual(await readdir(folder.dir), []);
});

for (const [name, shape] of VARIANTS) {
  test(`tolerant download: ${name} → byte-exact file`, { timeout: 10_000 }, async () => {
    const body = await rfc1();
    const peer = await deviant((s) => s.end(shape(body)));
    const folder = await tempFolder();
    const r = await downloadRfc(1, [peer], folder, { silenceMs: 2000 });
    assert.equal(r.bytes, body.length);
    assert.equal(sha(await readFile(folder.pathOf(1))), sha(body));
    assert.deepEqual(await readdir(folder.dir), ['rfc1.txt']);
  });
}

test('an uploader that sends too few bytes: failure, nothing left in the folder', { timeout: 10_000 }, async () => {
  const body = await rfc1();
  const peer = await deviant((s) => s.end(Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 1000)])));
  const folder = await tempFolder();
  const err = await downloadRfc(1, [peer], folder).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DownloadError);
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${peer.port} closed the connection after 1000 of ${body.length} bytes`));
  assert.deepEqual(await readdir(folder.dir), []);
});

test('the next peer is tried when one refuses, answers 404, dies mid-body or falls silent', { timeout: 15_000 }, async () => {
  const body = await rfc1();
  const refused = await closedPort();
  const notFound = await deviant((s) => s.end('P2P-CI/1.0 404 Not Found\r\nDate: x\r\nOS: X\r\n\r\n'));
  const dies = await deviant((s) => {
    s.write(Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 500)]), () => s.resetAndDestroy());
  });
  const silent = await deviant(() => {});
  const good = await deviant((s) => s.end(VARIANTS[0]![1](body)));
  const folder = await tempFolder();
  const r = await downloadRfc(1, [refused, notFound, dies, silent, good], folder, { silenceMs: 300 });
  assert.deepEqual(r.from, good);
  assert.equal(sha(await readFile(folder.pathOf(1))), sha(body));
  assert.deepEqual(r.failures.map((f) => f.peer.port), [refused.port, notFound.port, dies.port, silent.port]);
  const reasons = r.failures.map((f) => f.reason);
  assert.equal(reasons[0], 'connection refused');
  assert.equal(reasons[1], 'answered 404 Not Found');
  assert.match(reasons[2]!, /(connection reset after \d+|closed the connection after \d+) of \d+ bytes/);
  assert.equal(reasons[3], 'silent for 300 ms');
  assert.deepEqual(await readdir(folder.dir), ['rfc1.txt']);
});

test('when every peer fails the error names each one and why', { timeout: 10_000 }, async () => {
  const refused = await closedPort();
  const notFound = await deviant((s) => s.end('P2P-CI/1.0 404 Not Found\r\n\r\n'));
  const folder = await tempFolder();
  const err = await downloadRfc(7, [refused, notFound], folder).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DownloadError);
  assert.equal(err.message, `download of RFC 7 failed from every peer: 127.0.0.1:${refused.port} connection refused; 127.0.0.1:${notFound.port} answered 404 Not Found`);
  assert.equal(err.local, false);
  const none = await downloadRfc(7, [], folder).then(() => null, (e: unknown) => e);
  assert.ok(none instanceof DownloadError && none.message === 'no peer has RFC 7');
});

test('a folder that cannot be written: one-line local error, no other peer tried', { timeout: 10_000 }, async () => {
  const body = await rfc1();
  const good = await deviant((s) => s.end(VARIANTS[0]![1](body)));
  const parent = await tempFolder();
  const notAFolder = join(parent.dir, 'file');
  await writeFile(notAFolder, 'x');
  for (const dir of [join(parent.dir, 'missing'), notAFolder]) {
    const err = await downloadRfc(1, [good], new ShareFolder(dir)).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DownloadError && err.local, String(err));
    assert.match(err.message, /^cannot save RFC 1: cannot write into .*: (no such folder|not a folder)$/);
  }
  assert.deepEqual(await readdir(parent.dir), ['file']);
});

test('disk full in the middle of the body (injected ENOSPC): error, no partial file', { timeout: 10_000 }, async () => {
  const body = await readFile(join(RFCS, 'rfc100.txt'));
  const good = await deviant((s) => s.end(VARIANTS[0]![1](body)));
  const folder = await tempFolder();
  let budget = 20_000;
  let shortWrites = 0;
  const err = await downloadRfc(100, [good], folder, {
    // A real file on a disk that fills up after 20 KB, as libuv reports it: the write that
    // crosses the edge is short (no error), the next one fails with ENOSPC.
    openTempFile: async (p) => {
      const fh = await open(p, 'wx');
      const writev = fh.writev.bind(fh);
      (fh as { writev: typeof writev }).writev = async (buffers: readonly NodeJS.ArrayBufferView[]) => {
        if (budget <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        const fits: Buffer[] = [];
        for (const b of buffers as Buffer[]) {
          const part = b.subarray(0, budget);
          budget -= part.length;
          if (part.length > 0) fits.push(part);
        }
        const r = await writev(fits);
        shortWrites += r.bytesWritten < (buffers as Buffer[]).reduce((n, b) => n + b.length, 0) ? 1 : 0;
        return r;
      };
      return fh;
    },
  }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DownloadError && err.local, String(err));
  assert.match(err.message, /no space left on the device/);
  assert.equal(shortWrites, 1, 'the short write was followed by another attempt');
  assert.deepEqual(await readdir(folder.dir), []);
});

test('progress is reported up to Content-Length', { timeout: 10_000 }, async () => {
  const body = await rfc1();
  const good = await deviant((s) => s.end(VARIANTS[0]![1](body)));
  const folder = await tempFolder();
  const seen: number[] = [];
  await withTimeout(downloadRfc(1, [good], folder, { onProgress: (n, total) => seen.push(n === total ? -1 : n) }), 5000, 'download');
  assert.equal(seen.at(-1), -1);
});
