import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, readlink, stat, mkdtemp, rm, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UploadServer, type TransferEvent } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { httpDate } from '../../src/protocol/index.js';
import { connect, readUntil, containsText, nextEvent, waitForClose } from '../helpers/net.js';

const RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));
const server = new UploadServer({ folder: new ShareFolder(RFCS), os: 'TestOS 1.0' });
const ready = server.listen(0, '127.0.0.1');
after(() => server.close());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Sends `request`, reads until the uploader closes, splits head and body at the first empty line. */
async function get(request: string, port = server.port): Promise<{ head: string; body: Buffer }> {
  const s = await connect(port);
  s.write(request);
  await waitForClose(s, 10_000);
  const all = await readUntil(s, () => true);
  const sep = all.indexOf('\r\n\r\n');
  assert.notEqual(sep, -1, `no empty line after the head: ${JSON.stringify(all.toString('latin1').slice(0, 200))}`);
  return { head: all.toString('latin1', 0, sep + 2), body: all.subarray(sep + 4) };
}

function headers(head: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of head.split('\r\n').slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) m.set(line.slice(0, c), line.slice(c + 2));
  }
  return m;
}

// rfc20 has form feeds, rfc101 non-ASCII bytes, rfc100 is one of the largest; all are CRLF.
for (const rfc of [20, 101, 100, 1]) {
  test(`GET RFC ${rfc}: the body is the file byte for byte, the head is exactly §3`, { timeout: 15_000 }, async () => {
    await ready;
    const path = join(RFCS, `rfc${rfc}.txt`);
    const [file, st] = [await readFile(path), await stat(path)];
    const { head, body } = await get(`GET RFC ${rfc} P2P-CI/1.0\r\nHost: 127.0.0.1\r\nOS: TestOS 1.0\r\n\r\n`);
    assert.equal(sha(body), sha(file));
    assert.equal(body.length, st.size);
    assert.match(head, /^P2P-CI\/1\.0 200 OK\r\n/);
    const h = headers(head);
    assert.deepEqual([...h.keys()], ['Date', 'OS', 'Last-Modified', 'Content-Length', 'Content-Type']);
    assert.match(h.get('Date')!, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/);
    assert.ok(Math.abs(Date.parse(h.get('Date')!) - Date.now()) < 60_000);
    assert.equal(h.get('OS'), 'TestOS 1.0');
    assert.equal(h.get('Last-Modified'), httpDate(st.mtime));
    assert.equal(h.get('Content-Length'), String(st.size));
    assert.equal(h.get('Content-Type'), 'text/plain');
  });
}

test('a GET without its empty line (LF only, lower case) is still served', { timeout: 10_000 }, async () => {
  await ready;
  const { head, body } = await get('get rfc 3 P2P-CI/1.0\nhost: x\nos: y\n');
  assert.match(head, /^P2P-CI\/1\.0 200 OK/);
  assert.equal(sha(body), sha(await readFile(join(RFCS, 'rfc3.txt'))));
});

test('404 for an RFC the folder lacks; 400 and 505 as §4: Date and OS, no body', { timeout: 10_000 }, async () => {
  await ready;
  const cases: Array<[string, string]> = [
    ['GET RFC 99999 P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n', '404 Not Found'],
    ['GET RFC 1 P2P-CI/2.0\r\nHost: a\r\nOS: b\r\n\r\n', '505 P2P-CI Version Not Supported'],
    ['HELLO there\r\n\r\n', '400 Bad Request'],
    ['GET RFC abc P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n', '400 Bad Request'],
    ['LIST ALL P2P-CI/1.0\r\nHost: a\r\nPort: 1\r\n\r\n', '400 Bad Request'], // an index method, not ours
  ];
  for (const [request, status] of cases) {
    const { head, body } = await get(request);
    assert.equal(head.split('\r\n')[0], `P2P-CI/1.0 ${status}`, request);
    assert.deepEqual([...headers(head).keys()], ['Date', 'OS'], request);
    assert.equal(body.length, 0, request);
  }
});

test('path traversal attempts are refused and never reach the filesystem', { timeout: 10_000 }, async () => {
  await ready;
  for (const target of ['../../etc/passwd', '1/../2', '/etc/passwd', '%2e%2e%2fetc%2fpasswd', '..%2F..%2Fetc%2Fpasswd', '17a', '1.txt', '-1', '1e3']) {
    const { head, body } = await get(`GET RFC ${target} P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n`);
    assert.equal(head.split('\r\n')[0], 'P2P-CI/1.0 400 Bad Request', target);
    assert.equal(body.length, 0, target);
  }
});

test('20 concurrent downloads all arrive byte-exact', { timeout: 30_000 }, async () => {
  await ready;
  const names = (await readdir(RFCS)).filter((n) => /^rfc\d+\.txt$/.test(n)).slice(0, 20);
  const results = await Promise.all(names.map((n) => get(`GET RFC ${n.slice(3, -4)} P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n`)));
  for (const [i, n] of names.entries()) assert.equal(sha(results[i]!.body), sha(await readFile(join(RFCS, n))), n);
});

/** True while this process holds an open descriptor on `path`. */
async function isOpenHere(path: string): Promise<boolean> {
  for (const fd of await readdir('/proc/self/fd')) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) return true;
  }
  return false;
}

for (const limit of ['idle', 'total'] as const) {
  test(`a downloader that never reads is closed by the ${limit} limit and the file handle released`, { timeout: 20_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'p2pci-upload-'));
    // 32 MB: more than the kernel's socket buffers hold, so the upload really stalls.
    const big = join(dir, 'rfc1.txt');
    const fh = await open(big, 'w');
    await fh.truncate(32 * 1024 * 1024);
    await fh.close();
    const slow = new UploadServer({
      folder: new ShareFolder(dir),
      idleTimeoutMs: limit === 'idle' ? 300 : 60_000,
      totalTimeoutMs: limit === 'total' ? 500 : 60_000,
    });
    await slow.listen(0, '127.0.0.1');
    const s = await connect(slow.port);
    try {
      const ended = nextEvent<[TransferEvent]>(slow, 'transfer', 10_000);
      s.write('GET RFC 1 P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n');
      await readUntil(s, containsText('Content-Length: 33554432'));
      s.pause(); // and never read again
      assert.equal(await isOpenHere(big), true, 'the file is open while it is being sent');
      const [event] = await ended;
      assert.match(event.error ?? '', limit === 'idle' ? /idle/ : /total/);
      assert.ok(event.bytes === 0);
      assert.equal(await isOpenHere(big), false, 'the file handle is released');
      assert.equal(slow.activeConnections, 0);
    } finally {
      s.destroy();
      await slow.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('a downloader that stalls does not hold up the others', { timeout: 20_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-upload-'));
  const fh = await open(join(dir, 'rfc1.txt'), 'w');
  await fh.truncate(32 * 1024 * 1024);
  await fh.close();
  const small = await readFile(join(RFCS, 'rfc20.txt'));
  await writeFile(join(dir, 'rfc20.txt'), small);
  const shared = new UploadServer({ folder: new ShareFolder(dir), idleTimeoutMs: 60_000 });
  await shared.listen(0, '127.0.0.1');
  const finished: Array<number | null> = [];
  shared.on('transfer', (e) => finished.push(e.rfc));
  const stalled = await connect(shared.port);
  try {
    stalled.write('GET RFC 1 P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n');
    await readUntil(stalled, containsText('Content-Length: 33554432'));
    stalled.pause();
    const results = await Promise.all(Array.from({ length: 5 }, () => get('GET RFC 20 P2P-CI/1.0\r\nHost: a\r\nOS: b\r\n\r\n', shared.port)));
    for (const r of results) assert.equal(sha(r.body), sha(small));
    assert.ok(!finished.includes(1), 'the stalled download is still going on meanwhile');
  } finally {
    stalled.destroy();
    await shared.close();
    await rm(dir, { recursive: true, force: true });
  }
});
