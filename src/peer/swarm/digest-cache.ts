import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { RecentMap } from '../recent-map.js';

/** Files whose digest is remembered; past this the oldest is forgotten. */
const MAX_ENTRIES = 4096;
/** Read size while hashing: the event loop serves other uploads between two reads. */
const HASH_CHUNK = 1 << 20;

interface Entry {
  size: number;
  mtimeMs: number;
  digest: Promise<Buffer | null>;
}

/**
 * The SHA-256 of each shared file's whole content, for `Repr-Digest` (RFC 9530). Keyed by the
 * file's identity (device + inode) and checked against its size and mtime, so a changed or
 * replaced file is hashed again and a renamed one is not. Hashing streams the file in 1 MiB
 * reads on the event loop, so the uploads running meanwhile go on between reads; askers that
 * arrive while it runs share the one computation.
 */
export class DigestCache {
  private readonly entries = new RecentMap<string, Entry>(MAX_ENTRIES);

  /**
   * The digest of the file at `path`, whose open handle gave `stats`. Null when the file on
   * disk is no longer the one described (replaced or changed while hashing): no digest is
   * better than a wrong one.
   */
  digestOf(path: string, stats: Stats): Promise<Buffer | null> {
    const key = `${stats.dev}:${stats.ino}`;
    const known = this.entries.get(key);
    if (known !== undefined && known.size === stats.size && known.mtimeMs === stats.mtimeMs) return known.digest;
    const entry: Entry = { size: stats.size, mtimeMs: stats.mtimeMs, digest: hashFile(path, stats) };
    this.entries.set(key, entry);
    // A failed or outdated computation is not remembered: the next ask tries again.
    void entry.digest.then((d) => {
      if (d === null && this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.digest;
  }
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

async function hashFile(path: string, expected: Stats): Promise<Buffer | null> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    if (!sameFile(await file.stat(), expected)) return null;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(HASH_CHUNK);
    let pos = 0;
    while (pos < expected.size) {
      const { bytesRead } = await file.read(buf, 0, Math.min(HASH_CHUNK, expected.size - pos), pos);
      if (bytesRead === 0) return null;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    // Changed while we read it: the digest may mix two versions.
    return sameFile(await file.stat(), expected) ? hash.digest() : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}
