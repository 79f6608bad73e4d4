import { open, rename, unlink, type FileHandle } from 'node:fs/promises';

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
 * Replaces `path`'s content with `prepend` followed by its bytes from `from` on, `length`
 * bytes in all — streamed through a small buffer, never the whole file in memory.
 */
export async function rewriteRange(path: string, prepend: Buffer, from: number, length: number, openFile?: (p: string) => Promise<FileHandle>): Promise<void> {
  const src = await open(path, 'r');
  const tmp = `${path}.trim`;
  let dst: FileHandle | null = null;
  try {
    dst = await (openFile ?? ((p) => open(p, 'wx')))(tmp);
    await dst.write(prepend);
    const buf = Buffer.alloc(64 * 1024);
    let pos = from;
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
