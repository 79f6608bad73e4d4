/**
 * Issue 5: downloads into a folder that can't be written. A real tiny tmpfs (1 MiB) stands in
 * for a full disk, a read-only tmpfs for an unwritable folder. Either way `p2pci get` prints a
 * one-line error, exits non-zero, and leaves nothing behind: no rfc<N>.txt, no temporary file.
 * Mounting needs root; without it the test says so and is skipped (an injected ENOSPC is
 * covered by the downloader's own tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli, type RunningCli } from '../helpers/cli.js';
import { startIndexServer } from '../helpers/net.js';

function mount(dir: string, options: string): string | null {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  return r.status === 0 ? null : (r.stderr?.toString().trim() || 'mount failed');
}

const canMount = process.getuid?.() === 0;
if (!canMount) console.log('\n!!! SKIPPING disk-full test: mounting a tmpfs needs root !!!\n');

test('disk full and read-only folder: one-line error, non-zero exit, nothing half-written', { timeout: 60_000, skip: canMount ? false : 'needs root' }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'p2pci-disk-'));
  const index = await startIndexServer();
  let uploader: RunningCli | null = null;
  const mounted: string[] = [];
  try {
    const share = join(root, 'share');
    await mkdir(share);
    // 2 MiB: twice what the tiny disk holds.
    await writeFile(join(share, 'rfc9998.txt'), Buffer.alloc(2 * 2 ** 20, 'Network Working Group\r\n'));
    uploader = startCli(['peer', '--dir', share, '--server', `127.0.0.1:${index.port}`, '--advertise-host', '127.0.0.1']);
    await uploader.waitForLine(/^peer \S+:\d+ sharing 1 RFC/, 10_000);

    for (const [name, options, expected] of [
      ['full', 'size=1m', /space|full|ENOSPC/i],
      ['readonly', 'ro,size=1m', /read-only|EROFS|permission|cannot write/i],
    ] as const) {
      const dir = join(root, name);
      await mkdir(dir);
      const failed = mount(dir, options);
      assert.equal(failed, null, `mount ${options}: ${failed}`);
      mounted.push(dir);
      const r = await runCli(['get', '9998', '--dir', dir, '--server', `127.0.0.1:${index.port}`], 30_000);
      console.log(`  ${name}: exit ${r.code}, stderr: ${r.stderr.trim()}`);
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr.trim().split('\n').length, 1, `expected one line, got: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.deepEqual(await readdir(dir), [], `${name}: left ${await readdir(dir)}`);
    }
  } finally {
    for (const dir of mounted) spawnSync('umount', [dir]);
    uploader?.kill();
    await index.close();
    await rm(root, { recursive: true, force: true });
  }
});
