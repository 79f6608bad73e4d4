/**
 * Swarm downloads (issue 13) against real upload servers on 127.0.0.1 and the fake sources of
 * test/helpers/swarm-sources.ts: byte-exact results, who gave what, and who was dropped why.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { swarmDownload, SwarmDownloadError, type SwarmOptions } from '../../src/peer/swarm/swarm-download.js';
import { fakeSource, type FakeKind } from '../../bench/lib/fake-sources.js';

const RFC = 7;
const SIZE = 3.5 * 1024 * 1024; // 4 pieces, the last one half
const FILE = randomBytes(SIZE);
const SHA = createHash('sha256').update(FILE).digest('hex');
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A folder sharing `content` as rfc7.txt, and `n` upload servers on it. */
async function honest(n: number, content = FILE, uploadLimit?: number): Promise<number[]> {
  const dir = await tempDir('swarm-src-');
  await writeFile(join(dir, `rfc${RFC}.txt`), content);
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = new UploadServer({ folder: new ShareFolder(dir), os: 'Test', uploadLimit });
    await s.listen(0, '127.0.0.1');
    cleanup.push(() => s.close());
    ports.push(s.port);
  }
  return ports;
}

async function fake(kind: FakeKind, content = FILE): Promise<number> {
  const f = await fakeSource(kind, content);
  cleanup.push(() => f.close());
  return f.port;
}

const peers = (ports: number[]) => ports.map((port) => ({ host: '127.0.0.1', port }));

async function get(ports: number[], options: SwarmOptions = {}, dir?: string) {
  const into = dir ?? (await tempDir('swarm-dst-'));
  const result = await swarmDownload(RFC, peers(ports), new ShareFolder(into), { os: 'Test', silenceMs: 2000, ...options });
  return { result, dir: into };
}

async function assertExact(dir: string): Promise<void> {
  assert.ok((await readFile(join(dir, `rfc${RFC}.txt`))).equals(FILE), 'the saved file differs from the original');
  assert.deepEqual(await readdir(dir), [`rfc${RFC}.txt`], 'partial file or state left behind');
}

test('three p2pci sources: byte-exact, every byte accounted to a source, the SHA-256 the sources report', { timeout: 20_000 }, async () => {
  const ports = await honest(3);
  const { result, dir } = await get(ports);
  await assertExact(dir);
  assert.equal(result.sha256, SHA);
  assert.equal(result.bytes, SIZE);
  assert.equal(result.resumedFrom, 0);
  assert.deepEqual(result.sources.map((s) => s.port), ports);
  assert.equal(result.sources.reduce((n, s) => n + s.bytes, 0), SIZE);
  assert.ok(result.sources.every((s) => s.dropped === undefined), JSON.stringify(result.sources));
});

test('a 1.0 uploader (ignores Range, answers 200 with the whole file) is used as a whole-file source', { timeout: 20_000 }, async () => {
  const v1 = await fakeSource('v1', FILE);
  cleanup.push(() => v1.close());
  const { result, dir } = await get([v1.port, ...(await honest(1))]);
  await assertExact(dir);
  assert.equal(result.sha256, SHA);
  assert.match(v1.requests[0]!, /\r\nRange: bytes=\d+-\d+\r\n/); // it was asked for a range and ignored it
  assert.ok(result.sources.every((s) => s.dropped === undefined), JSON.stringify(result.sources));
});

test('only 1.0 uploaders: length is all that is checked, and the file is still exact', { timeout: 20_000 }, async () => {
  const { result, dir } = await get([await fake('v1'), await fake('v1')]);
  await assertExact(dir);
  assert.equal(result.sha256, SHA);
});

test('a liar (right length, wrong bytes, right digest) among three honest sources: exact file, liar named', { timeout: 30_000 }, async () => {
  const liar = await fake('liar');
  const { result, dir } = await get([liar, ...(await honest(3))]);
  await assertExact(dir);
  const bad = result.sources.find((s) => s.port === liar)!;
  assert.equal(bad.dropped, true);
  assert.match(bad.reason!, /^sent wrong bytes for piece \d+ \(bytes \d+-\d+\)$/);
  assert.deepEqual(result.sources.filter((s) => s.dropped === true).map((s) => s.port), [liar]);
});

test('a liar with a single honest source: no majority, the download fails and leaves no file', { timeout: 30_000 }, async () => {
  const liar = await fake('liar');
  const dir = await tempDir('swarm-dst-');
  const err = await get([liar, ...(await honest(1))], {}, dir).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SwarmDownloadError, String(err));
  assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${liar}`));
  assert.equal(err.resumable, false);
  assert.deepEqual(await readdir(dir), []);
});

test('a source sharing another file of the same length is outvoted on the SHA-256 and dropped', { timeout: 20_000 }, async () => {
  const [other] = await honest(1, randomBytes(SIZE));
  const ports = [other!, ...(await honest(2))];
  const { result, dir } = await get(ports);
  await assertExact(dir);
  const bad = result.sources.find((s) => s.port === other)!;
  assert.equal(bad.dropped, true);
  assert.match(bad.reason!, new RegExp(`^reports SHA-256 [0-9a-f]{64}, the others ${SHA}$`));
});

test('a source that dies mid-range and one that stalls are dropped; the others finish the file', { timeout: 20_000 }, async () => {
  const [dies, stalls] = [await fake('dies'), await fake('stalls')];
  const { result, dir } = await get([dies, stalls, ...(await honest(2))], { silenceMs: 500 });
  await assertExact(dir);
  const why = new Map(result.sources.map((s) => [s.port, s.reason]));
  assert.match(why.get(dies)!, /closed the connection|connection reset/);
  assert.equal(why.get(stalls), 'silent for 500 ms');
});

test('every source gone: the error names each, nothing under the final name', { timeout: 20_000 }, async () => {
  const dir = await tempDir('swarm-dst-');
  const [a, b] = [await fake('dies'), await fake('dies')];
  const err = await get([a, b], {}, dir).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SwarmDownloadError, String(err));
  assert.match(err.message, new RegExp(`failed from every peer: 127\\.0\\.0\\.1:${a} .*; 127\\.0\\.0\\.1:${b} `));
  assert.ok(!(await readdir(dir)).includes(`rfc${RFC}.txt`));
});

test('interrupted, then resumed: the second run fetches only what is missing; a changed file starts over', { timeout: 30_000 }, async () => {
  const ports = await honest(2, FILE, 1024 * 1024); // 1 MiB/s each: the run is still going after the first piece
  const dir = await tempDir('swarm-dst-');
  const abort = new AbortController();
  const first = await get(ports, { signal: abort.signal, saveIntervalMs: 10, onProgress: (p) => { if (p.bytes >= 1024 * 1024) abort.abort(); } }, dir).then(() => null, (e: unknown) => e);
  assert.ok(first instanceof SwarmDownloadError && first.interrupted && first.resumable, String(first));
  const left = (await readdir(dir)).sort();
  assert.deepEqual(left, [`.rfc${RFC}.txt.swarm`, `.rfc${RFC}.txt.swarm.json`]);
  assert.deepEqual(await new ShareFolder(dir).list(), [], 'the partial download must not be shared');

  const { result } = await get(await honest(2), {}, dir);
  await assertExact(dir);
  assert.ok(result.resumedFrom >= 1024 * 1024, `resumed from ${result.resumedFrom}`);
  assert.equal(result.sources.reduce((n, s) => n + s.bytes, 0), SIZE - result.resumedFrom);

  // The same partial state, but the sources now have another version: everything again.
  const dir2 = await tempDir('swarm-dst-');
  const abort2 = new AbortController();
  await get(ports, { signal: abort2.signal, saveIntervalMs: 10, onProgress: () => abort2.abort() }, dir2).catch(() => {});
  const changed = Buffer.concat([FILE, Buffer.from('one more line\r\n')]);
  const again = await swarmDownload(RFC, peers(await honest(2, changed)), new ShareFolder(dir2), { os: 'Test' });
  assert.equal(again.resumedFrom, 0);
  assert.ok((await readFile(join(dir2, `rfc${RFC}.txt`))).equals(changed));
});
