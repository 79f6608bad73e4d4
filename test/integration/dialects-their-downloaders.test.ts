/**
 * Their downloaders → our uploader (DIALECTS.md): every dialect whose downloader can be
 * satisfied by bytes we send (A C D E F G) saves a byte-exact file. A spec-exact GET (ours)
 * never waits for the pause those need.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { UploadServer, type TransferEvent } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { FIXTURE_RFCS, fixture } from '../helpers/peer-folders.js';
import { THEIR_DOWNLOADERS, runTheirDownloader } from '../helpers/dialects/their-downloaders.js';
import { connect, readUntil, waitForClose, withTimeout } from '../helpers/net.js';

const server = new UploadServer({ folder: new ShareFolder(FIXTURE_RFCS), os: 'TestOS 1.0', idleCompletionMs: 50 });
const ready = server.listen(0, '127.0.0.1');
const transfers: TransferEvent[] = [];
server.on('transfer', (e) => transfers.push(e));
after(() => server.close());

// rfc1 small (one segment), rfc100 one of the largest; rfc101 has non-ASCII bytes.
for (const id of ['A', 'C', 'D', 'E', 'F', 'G']) {
  for (const rfc of [1, 100, 101]) {
    test(`their downloader ${id} → our uploader: RFC ${rfc} saved byte for byte`, { timeout: 20_000 }, async () => {
      await ready;
      const before = transfers.length;
      const { file, chunks } = await runTheirDownloader(THEIR_DOWNLOADERS[id]!, server.port, rfc);
      assert.ok(file.equals(await readFile(fixture(rfc))), `file differs (${file.length} bytes, first read ${chunks[0]?.length})`);
      while (transfers.length === before) await new Promise((r) => setImmediate(r));
      const t = transfers[before]!;
      assert.deepEqual([t.rfc, t.status, t.bytes], [rfc, 200, file.length]);
      assert.equal(t.dialect, id === 'E' ? 'A' : id === 'G' ? 'D' : id, 'E\'s GET is byte-identical to A\'s; G\'s to D\'s until its END');
    });
  }
}

test('a spec-exact GET (ours, also with an extension header) gets head and body at once, never the pause', { timeout: 20_000 }, async () => {
  const slow = new UploadServer({ folder: new ShareFolder(FIXTURE_RFCS), os: 'TestOS 1.0', headPauseMs: 60_000 });
  await slow.listen(0, '127.0.0.1');
  try {
    for (const extra of ['', 'Range: bytes=0-99\r\n']) {
      const s = await connect(slow.port);
      s.write(`GET RFC 1 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nOS: TestOS 1.0\r\n${extra}\r\n`);
      await withTimeout(waitForClose(s, 10_000), 10_000, 'the whole answer');
      const all = await readUntil(s, () => true);
      assert.ok(all.subarray(all.indexOf('\r\n\r\n') + 4).equals(await readFile(fixture(1))));
    }
  } finally {
    await slow.close();
  }
});

test('dialects off (--strict): a colon-less GET is 400, END gets no END back', { timeout: 20_000 }, async () => {
  const strict = new UploadServer({ folder: new ShareFolder(FIXTURE_RFCS), os: 'TestOS 1.0', dialects: false });
  await strict.listen(0, '127.0.0.1');
  try {
    const f = await connect(strict.port);
    f.write(THEIR_DOWNLOADERS.F!.get(1));
    await waitForClose(f);
    assert.match((await readUntil(f, () => true)).toString(), /^P2P-CI\/1\.0 400 Bad Request\r\n/);
    const g = await connect(strict.port);
    g.write(THEIR_DOWNLOADERS.G!.get(1));
    await waitForClose(g);
    assert.ok(!(await readUntil(g, () => true)).toString('latin1').includes('\nEND\n'));
  } finally {
    await strict.close();
  }
});
