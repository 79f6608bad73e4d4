import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ShareFolder, rfcFileName, rfcOfFileName } from '../../src/peer/share-folder.js';
import { backoffDelay } from '../../src/peer/backoff.js';

test('only rfc<digits>.txt names are shared, each under exactly one number', () => {
  assert.equal(rfcOfFileName('rfc791.txt'), 791);
  assert.equal(rfcOfFileName('rfc0.txt'), 0);
  for (const name of ['rfc17a.txt', 'rfc007.txt', 'RFC1.txt', 'rfc1.txt.bak', 'rfc.txt', 'rfc1234567890.txt', '../rfc1.txt', 'rfc-1.txt']) {
    assert.equal(rfcOfFileName(name), null, name);
  }
  assert.equal(rfcFileName(42), 'rfc42.txt');
  assert.throws(() => rfcFileName(-1));
  assert.throws(() => rfcFileName(1.5));
});

test('ShareFolder lists regular rfc files only and maps numbers to paths inside the folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-share-'));
  try {
    await writeFile(join(dir, 'rfc10.txt'), 'ten');
    await writeFile(join(dir, 'rfc2.txt'), 'two');
    await writeFile(join(dir, 'notes.txt'), 'no');
    await writeFile(join(dir, 'rfc17a.txt'), 'no');
    await mkdir(join(dir, 'rfc3.txt')); // a folder with a file's name is not a file
    await symlink('/etc/hostname', join(dir, 'rfc4.txt')); // a link could point anywhere
    const folder = new ShareFolder(dir);
    assert.deepEqual(await folder.list(), [2, 10]);
    assert.equal(folder.pathOf(10), join(dir, 'rfc10.txt'));
    assert.equal(await folder.has(10), true);
    assert.equal(await folder.has(3), false);
    assert.equal(await folder.has(4), false);
    assert.equal(await folder.has(99), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('openShared opens regular rfc files only, with stats from the handle; links, folders and FIFOs are refused at once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-share-'));
  try {
    await writeFile(join(dir, 'rfc1.txt'), 'one\r\n');
    await mkdir(join(dir, 'rfc3.txt'));
    await symlink(join(dir, 'rfc1.txt'), join(dir, 'rfc4.txt')); // even a link to a shared file
    const fifo = spawnSync('mkfifo', [join(dir, 'rfc5.txt')]);
    const folder = new ShareFolder(dir);
    const shared = await folder.openShared(1);
    assert.ok(shared !== null);
    try {
      assert.equal(shared.stats.size, 5);
      assert.equal((await shared.file.readFile()).toString(), 'one\r\n');
    } finally {
      await shared.file.close();
    }
    for (const rfc of [2, 3, 4, ...(fifo.status === 0 ? [5] : [])]) assert.equal(await folder.openShared(rfc), null, `rfc${rfc}`);
    if (fifo.status !== 0) console.log('  (mkfifo unavailable: the FIFO case was not checked)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('reconnect backoff doubles, is capped, and is jittered downwards only', () => {
  const opts = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, opts, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(2, opts, () => 1), 200);
  assert.equal(backoffDelay(2, opts, () => 0.5), 300);
});
