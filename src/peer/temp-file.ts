import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { rfcFileName } from './share-folder.js';

/** Writing in our own folder failed (unwritable, disk full): no other peer can fix that. */
export class LocalWriteError extends Error {
  override readonly name = 'LocalWriteError';
}

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOSPC': return 'no space left on the device';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EROFS': return 'read-only file system';
    case 'ENOENT': return 'no such folder';
    case 'ENOTDIR': return 'not a folder';
    default: return e.message ?? String(err);
  }
}

/**
 * Puts `prepend` in front of `path`'s content, `length` bytes in all — streamed through a
 * small buffer, never the whole file in memory. (The empty line a separator-less uploader's
 * file begins with, read as the head's end: see resolveBody.)
 */
export async function prependToFile(path: string, prepend: Buffer, length: number, openFile?: (p: string) => Promise<FileHandle>): Promise<void> {
  const src = await open(path, 'r');
  const tmp = `${path}.trim`;
  let dst: FileHandle | null = null;
  try {
    dst = await (openFile ?? ((p) => open(p, 'wx')))(tmp);
    await dst.write(prepend);
    const buf = Buffer.alloc(64 * 1024);
    let pos = 0;
    let left = length - prepend.length;
    while (left > 0) {
      const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, left), pos);
      if (bytesRead === 0) break;
      await dst.write(buf.subarray(0, bytesRead));
      pos += bytesRead;
      left -= bytesRead;
    }
    await dst.close();
    dst = null;
    await rename(tmp, path);
  } catch (err) {
    await dst?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw new LocalWriteError(describeFsError(err));
  } finally {
    await src.close();
  }
}

/**
 * The hidden file a download of `rfc` writes into before the rename: `.rfc<N>.txt.<pid>.<random>.part`.
 * The PID says which process owns it, so a later download can tell one left by a process
 * that was killed mid-way from one another process is still writing.
 */
export function tempFilePath(dir: string, rfc: number): string {
  return join(dir, `.${rfcFileName(rfc)}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's, but alive
  }
}

/**
 * Removes the temporary files of `rfc` in `dir` whose process is gone (killed during its
 * download, so its own cleanup never ran); those of live processes are left alone. Returns
 * how many it removed. Errors are ignored: this is housekeeping, never a reason to fail.
 */
export async function removeStaleTempFiles(dir: string, rfc: number): Promise<number> {
  const prefix = `.${rfcFileName(rfc)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]+\.part(\.trim)?$/.exec(name.slice(prefix.length));
    if (m === null || processAlive(Number(m[1]))) continue;
    await unlink(join(dir, name)).then(() => removed++, () => {});
  }
  return removed;
}
