/**
 * The package as a library, imported BY NAME (`'p2pci'`, resolved through package.json
 * `exports` as a self-reference, so the built dist/ is what is tested): the public surface,
 * internals kept out, and the README's "Use as a library" example run as it is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as p2pci from 'p2pci';
import { REPO_ROOT } from '../helpers/cli.js';
import { LIBRARY_EXAMPLE, runLibraryExample } from '../helpers/library-example.js';

test('the entry exports the documented surface, and nothing under dist/src is reachable', async () => {
  for (const name of ['startIndexServer', 'startPeer', 'MemoryStore', 'RedisStore', 'storeFromUrl', 'downloadRfc', 'encodeAdd', 'encodeLookup', 'encodeList', 'encodeGet', 'RequestParser', 'ResponseParser', 'GetHeadReader', 'parseRecordLine', 'ProtocolError', 'DownloadError', 'NotSharedError', 'IndexUnreachableError']) {
    assert.equal(typeof (p2pci as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(p2pci.DEFAULT_INDEX_PORT, 7734);
  await assert.rejects(import('p2pci/dist/src/server/index-server.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; types: string };
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './package.json']);
  await readFile(join(REPO_ROOT, pkg.types)); // the declarations are built where `types` says
});

test('startIndexServer + startPeer: a store URL, limits, a download, errors of the public types', { timeout: 30_000 }, async () => {
  const index = await p2pci.startIndexServer({ port: 0, host: '127.0.0.1', store: 'memory', limits: { maxTitleLength: 8 } });
  const dirs = [await mkdtemp(join(tmpdir(), 'p2pci-lib-a-')), await mkdtemp(join(tmpdir(), 'p2pci-lib-b-'))] as const;
  const requests: string[] = [];
  const peers: p2pci.RunningPeer[] = [];
  index.on('request', (e) => requests.push(e.method));
  try {
    await writeFile(join(dirs[0], 'rfc7.txt'), 'RFC 7\n\n   Short\n');
    const local = { server: { host: '127.0.0.1', port: index.address.port }, uploadHost: '127.0.0.1', advertiseHost: '127.0.0.1' };
    const a = await p2pci.startPeer({ dir: dirs[0], ...local });
    peers.push(a);
    const b = await p2pci.startPeer({ dir: dirs[1], ...local });
    peers.push(b);
    assert.deepEqual(a.registered.added, [7]);
    const got = await b.download(7);
    assert.deepEqual([got.bytes, got.from.port, got.added], [16, a.uploadPort, true]);
    assert.equal(await readFile(join(dirs[1], 'rfc7.txt'), 'utf8'), 'RFC 7\n\n   Short\n');
    await assert.rejects(b.add(99), p2pci.NotSharedError);
    await assert.rejects(b.download(12345), p2pci.DownloadError);
    // downloadRfc on its own: a peer that isn't there is a DownloadError naming it.
    await assert.rejects(p2pci.downloadRfc(7, [{ host: '127.0.0.1', port: 1 }], dirs[1]), (e: Error) => e instanceof p2pci.DownloadError && /127\.0\.0\.1:1/.test(e.message));
    assert.ok(requests.includes('ADD') && requests.includes('LOOKUP'), requests.join(' '));
  } finally {
    for (const p of peers) await p.close();
    await index.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  await assert.rejects(p2pci.startPeer({ dir: '.', server: 'no port:x' }), RangeError);
});

test("the README's library example is examples/library.mjs, and it runs", { timeout: 30_000 }, async () => {
  const example = await readFile(LIBRARY_EXAMPLE, 'utf8');
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes('```js\n' + example + '```'), 'README "Use as a library" shows examples/library.mjs verbatim');
  await runLibraryExample(LIBRARY_EXAMPLE, REPO_ROOT);
});
