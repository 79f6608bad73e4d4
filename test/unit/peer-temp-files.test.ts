import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { removeStaleTempFiles, tempFilePath } from '../../src/peer/temp-file.js';

/** A child that sleeps until killed; its PID is alive until `kill` resolves. */
function sleeper(): { pid: number; kill(): Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('a temporary file names its process: .rfc<N>.txt.<pid>.<random>.part', () => {
  const name = basename(tempFilePath('/x', 791));
  assert.match(name, new RegExp(`^\\.rfc791\\.txt\\.${process.pid}\\.[0-9a-f]{12}\\.part$`));
  assert.notEqual(tempFilePath('/x', 791), tempFilePath('/x', 791));
});

test('removeStaleTempFiles: removes the temp files of that RFC left by dead processes, nothing else', async () => {
  // Found by the soak: a get killed mid-download left its .part file in the folder for good.
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-temps-'));
  const dead = sleeper();
  const live = sleeper();
  try {
    await dead.kill();
    const names = {
      deadOwn: `.rfc7.txt.${dead.pid}.00aa11bb22cc.part`,
      deadTrim: `.rfc7.txt.${dead.pid}.00aa11bb22cd.part.trim`,
      liveOther: `.rfc7.txt.${live.pid}.00aa11bb22ce.part`,
      ours: basename(tempFilePath(dir, 7)),
      otherRfc: `.rfc70.txt.${dead.pid}.00aa11bb22cf.part`,
      final: 'rfc7.txt',
      unrelated: `.rfc7.txt.notapid.part`,
    };
    for (const n of Object.values(names)) await writeFile(join(dir, n), 'x');
    assert.equal(await removeStaleTempFiles(dir, 7), 2);
    const left = (await readdir(dir)).sort();
    assert.deepEqual(left, [names.liveOther, names.ours, names.otherRfc, names.final, names.unrelated].sort());
    assert.equal(await removeStaleTempFiles(join(dir, 'missing'), 7), 0);
  } finally {
    await live.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
