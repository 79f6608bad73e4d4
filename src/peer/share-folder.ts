import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, type Stats } from 'node:fs';

/**
 * O_NOFOLLOW: a symlink is refused by the open itself (ELOOP), not by a check before it that
 * the link could dodge. O_NONBLOCK: a FIFO named like an RFC can't hold the open (and a
 * thread-pool thread) until a writer comes; on a regular file it changes nothing.
 */
const OPEN_SHARED = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * A peer's shared folder (PROTOCOL.md §5): the `rfc<number>.txt` files directly in it.
 * The only way to reach a file is through its RFC number, so no text from the network ever
 * becomes part of a path — `GET RFC ../../etc/passwd` has no number and never gets here.
 */
const RFC_FILE = /^rfc([1-9]\d{0,8}|0)\.txt$/;
const MAX_RFC = 999_999_999;

export function rfcFileName(rfc: number): string {
  if (!Number.isSafeInteger(rfc) || rfc < 0 || rfc > MAX_RFC) throw new RangeError(`not an RFC number: ${rfc}`);
  return `rfc${rfc}.txt`;
}

/** The RFC number of a shareable file name; null for anything else (`rfc17a.txt`, `rfc007.txt`). */
export function rfcOfFileName(name: string): number | null {
  const m = RFC_FILE.exec(name);
  return m === null ? null : Number(m[1]);
}

export class ShareFolder {
  constructor(readonly dir: string) {}

  pathOf(rfc: number): string {
    return join(this.dir, rfcFileName(rfc));
  }

  /** RFC numbers of the regular files shared here, ascending. Symlinks are not shared: they could point anywhere. */
  async list(): Promise<number[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const out: number[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const rfc = rfcOfFileName(e.name);
      if (rfc !== null) out.push(rfc);
    }
    return out.sort((a, b) => a - b);
  }

  /** The file's stats when this folder shares RFC `rfc` as a regular file, else null. */
  async stat(rfc: number): Promise<Stats | null> {
    try {
      const st = await lstat(this.pathOf(rfc));
      return st.isFile() ? st : null;
    } catch {
      return null;
    }
  }

  /**
   * Opens RFC `rfc` for reading when this folder shares it as a regular file, with its stats
   * taken from the open handle (so they describe the very bytes that will be read); null
   * otherwise. The caller closes the handle.
   */
  async openShared(rfc: number): Promise<{ file: FileHandle; stats: Stats } | null> {
    const file = await open(this.pathOf(rfc), OPEN_SHARED).catch(() => null);
    if (file === null) return null;
    const stats = await file.stat().catch(() => null);
    if (stats?.isFile()) return { file, stats };
    await file.close().catch(() => {});
    return null;
  }

  async has(rfc: number): Promise<boolean> {
    return (await this.stat(rfc)) !== null;
  }
}
