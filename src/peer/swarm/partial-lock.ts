import { open, readFile, unlink } from 'node:fs/promises';
import type { PartialPaths } from './resume-state.js';

/**
 * One swarm download of an RFC into a folder at a time. Two `p2pci get N --dir D` would
 * otherwise write the same `.rfc<N>.txt.swarm` and its state: the first to finish renames the
 * data file away under the second, whose pieces then land in the saved file. The lock is a file
 * beside the partial one (`.rfc<N>.txt.swarm.lock`, never shared) holding the owner's PID; a
 * lock whose process is gone (killed, power loss) is taken over.
 */
export class DownloadInProgress extends Error {}

export async function lockPartial(paths: PartialPaths): Promise<() => Promise<void>> {
  const path = `${paths.data}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new DownloadInProgress(`another download of this RFC into this folder is running (process ${owner}); wait for it or stop it`);
    }
    // Stale (its process is gone, or it never got to write its PID): take it over.
    await unlink(path).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
