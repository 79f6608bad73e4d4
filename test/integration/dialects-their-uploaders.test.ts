/**
 * Our downloader → their uploaders (DIALECTS.md): every dialect whose uploader sends the
 * bytes unaltered (B E F G) gives a byte-exact file; the others fail with a reason and
 * leave nothing behind — never a wrong file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadRfc, DownloadError } from '../../src/peer/downloader.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { fixture, peerFolder } from '../helpers/peer-folders.js';
import { startTheirUploader } from '../helpers/dialects/their-uploaders.js';
import { swarmOrDialects } from '../../src/peer/swarm/dialect-fallback.js';

const SPEC_GET = (rfc: number) => `GET RFC ${rfc} P2P-CI/1.0\r\nHost: 127.0.0.1\r\nOS: TestOS\r\n\r\n`;
const LF_GET = (rfc: number) => `GET RFC ${rfc} P2P-CI/1.0\nHost: 127.0.0.1\nOS: TestOS\n\n`;

/** The GETs each uploader must have received, in order (what our downloader wrote). */
const SENT: Record<string, (rfc: number) => string[]> = {
  B: (n) => [SPEC_GET(n)],
  E: (n) => [SPEC_GET(n), LF_GET(n)],
  F: (n) => [SPEC_GET(n)],
  G: (n) => [SPEC_GET(n) + 'END\n'],
};

// rfc5 (28 KB) and rfc10 (4.6 KB) are ASCII and begin with text, not an empty line.
for (const id of ['B', 'E', 'F', 'G']) {
  test(`our downloader → their uploader ${id}: byte-exact file, the GET bytes it needed`, { timeout: 20_000 }, async () => {
    const up = await startTheirUploader(id);
    const dir = await peerFolder(`their-up-${id}`);
    try {
      const d = await downloadRfc(5, [{ host: '127.0.0.1', port: up.port }], new ShareFolder(dir), { os: 'TestOS', silenceMs: 3000 });
      assert.ok((await readFile(join(dir, 'rfc5.txt'))).equals(await readFile(fixture(5))));
      assert.equal(d.bytes, 28596);
      assert.equal(d.dialect, id, 'named by what its answers showed');
      assert.deepEqual(up.requests, SENT[id]!(5));
    } finally {
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('what worked with an uploader is remembered: the next GET to E starts in LF, to G with END', { timeout: 20_000 }, async () => {
  for (const id of ['E', 'G']) {
    const up = await startTheirUploader(id);
    const dir = await peerFolder(`their-up-again-${id}`);
    try {
      const peers = [{ host: '127.0.0.1', port: up.port }];
      await downloadRfc(5, peers, new ShareFolder(dir), { os: 'TestOS' });
      await rm(join(dir, 'rfc5.txt'));
      await downloadRfc(5, peers, new ShareFolder(dir), { os: 'TestOS' });
      assert.equal(up.requests.at(-1), id === 'E' ? LF_GET(5) : SPEC_GET(5) + 'END\n');
      assert.equal(up.requests.length, id === 'E' ? 3 : 2, 'one attempt the second time');
    } finally {
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
});

const REFUSED: Array<[string, number, RegExp]> = [
  ['A', 5, /closed the connection after \d+ of 28596 bytes/],
  ['C', 5, /closed the connection after \d+ of 28596 bytes/],
  ['D', 5, /closed the connection after \d+ of 28596 bytes/],
  ['G', 10, /silent for 1000 ms/],
  ['H', 5, /where the body starts can't be told/],
  ['I', 5, /505/],
];

for (const [id, rfc, why] of REFUSED) {
  test(`our downloader → their uploader ${id}: no exact bytes to be had, so a clear failure and no file`, { timeout: 20_000 }, async () => {
    const up = await startTheirUploader(id);
    const dir = await peerFolder(`their-up-bad-${id}`);
    try {
      const err = await downloadRfc(rfc, [{ host: '127.0.0.1', port: up.port }], new ShareFolder(dir), { os: 'TestOS', silenceMs: 1000 }).then(
        () => assert.fail('a download succeeded'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof DownloadError);
      assert.match(err.failures[0]!.reason, why);
      assert.deepEqual(await readdir(dir), [], 'nothing left in the folder');
    } finally {
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

// `p2pci get` fetches with the swarm (p2pci's ranged GET in the spec's bytes): the uploaders
// of B E F G fail it as DIALECTS.md says (silence, 505, `P2PCI/1.0`), and the 1.0 downloader
// then gets the file in their dialect.
for (const id of ['B', 'E', 'F', 'G']) {
  test(`get's swarm → their uploader ${id}: its failure is evidence, the 1.0 downloader gets the byte-exact file`, { timeout: 30_000 }, async () => {
    const up = await startTheirUploader(id);
    const dir = await peerFolder(`their-up-swarm-${id}`);
    try {
      const d = await swarmOrDialects(5, [{ host: '127.0.0.1', port: up.port }], new ShareFolder(dir), { os: 'TestOS', silenceMs: 1000 });
      assert.ok((await readFile(join(dir, 'rfc5.txt'))).equals(await readFile(fixture(5))));
      assert.equal(d.dialect, id);
      assert.deepEqual(await readdir(dir), ['rfc5.txt'], 'no partial file of the swarm left');
    } finally {
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

// What the 1.0 downloader learnt is remembered per uploader address: the next `get` of the
// process to the same uploader skips the swarm's spec GET and starts in the uploader's dialect.
for (const id of ['B', 'E', 'G']) {
  test(`get's swarm → their uploader ${id} a second time: the first GET is already in its dialect`, { timeout: 30_000 }, async () => {
    const up = await startTheirUploader(id);
    const dir = await peerFolder(`their-up-swarm-again-${id}`);
    try {
      const peers = [{ host: '127.0.0.1', port: up.port }];
      await swarmOrDialects(5, peers, new ShareFolder(dir), { os: 'TestOS', silenceMs: 1000 });
      await rm(join(dir, 'rfc5.txt'));
      const before = up.requests.length;
      const connections = up.connections;
      const d = await swarmOrDialects(5, peers, new ShareFolder(dir), { os: 'TestOS', silenceMs: 1000 });
      assert.ok((await readFile(join(dir, 'rfc5.txt'))).equals(await readFile(fixture(5))));
      assert.equal(d.dialect, id);
      assert.deepEqual(up.requests.slice(before), [id === 'E' ? LF_GET(5) : id === 'G' ? SPEC_GET(5) + 'END\n' : SPEC_GET(5)], 'one GET, in what worked');
      assert.equal(up.connections, connections + 1, 'no spec GET of the swarm first');
    } finally {
      await up.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('--strict: the swarm\'s failure against E stands, no second try in its dialect', { timeout: 20_000 }, async () => {
  const up = await startTheirUploader('E');
  const dir = await peerFolder('their-up-swarm-strict');
  try {
    await assert.rejects(swarmOrDialects(5, [{ host: '127.0.0.1', port: up.port }], new ShareFolder(dir), { os: 'TestOS', silenceMs: 1000, dialects: false }), /505/);
    assert.equal(up.requests.length, 1);
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  }
});
