import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, type PoolRfc } from './pool.js';
import type { Journal } from './journal.js';

const FINAL = /^rfc(\d+)\.txt$/;
/** The downloader's temporary files: `.rfc<N>.txt.<…>.part` (and its `.trim` rewrite). */
const TEMP = /^\.rfc(\d+)\.txt\..+\.part(\.trim)?$/;

interface TempState {
  active: number;
  /** When the last download of this RFC into this folder ended (or Infinity while one runs). */
  lastActiveAt: number;
  /** A download of it was killed here then; its temp file may stay until the next get. */
  killedAt: number | null;
}

export interface DownloadToken {
  dir: string;
  rfc: number;
  startedAt: number;
}

/**
 * Invariant 2 over every folder: each `rfc<N>.txt` is byte-identical to the fixture, and a
 * temporary file exists only while a download of that RFC into that folder runs, or after
 * one was killed until the next get of that RFC there finishes.
 */
export class FolderWatch {
  private readonly dirs = new Set<string>();
  private readonly temps = new Map<string, TempState>();
  private readonly hashed = new Map<string, string>();

  constructor(private readonly pool: ReadonlyMap<number, PoolRfc>, private readonly journal: Journal) {}

  watch(dir: string): void {
    this.dirs.add(dir);
  }

  private state(dir: string, rfc: number): TempState {
    const key = `${dir}|${rfc}`;
    let s = this.temps.get(key);
    if (s === undefined) this.temps.set(key, (s = { active: 0, lastActiveAt: -Infinity, killedAt: null }));
    return s;
  }

  begin(dir: string, rfc: number): DownloadToken {
    const s = this.state(dir, rfc);
    s.active++;
    s.lastActiveAt = Infinity;
    return { dir, rfc, startedAt: performance.now() };
  }

  /** The download ended; `killed` if its process died under it, `ran` if the downloader ran (a get). */
  end(t: DownloadToken, how: 'killed' | 'ran' | 'skipped'): void {
    const s = this.state(t.dir, t.rfc);
    const now = performance.now();
    if (--s.active === 0) s.lastActiveAt = now;
    if (how === 'killed') s.killedAt = now;
    else if (how === 'ran' && s.killedAt !== null && t.startedAt > s.killedAt) s.killedAt = null;
  }

  /** A completed download: the file under its final name must have the fixture's SHA-256. */
  async verify(path: string, rfc: number, what: string): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      this.journal.violate(2, `${what}: completed, but ${path} cannot be read (${(err as Error).message})`);
      return;
    }
    const want = this.pool.get(rfc)?.sha256;
    if (sha256(bytes) !== want) this.journal.violate(2, `${what}: ${path} (${bytes.length} bytes) differs from the source (SHA-256)`);
  }

  scans = 0;

  async scan(): Promise<void> {
    this.scans++;
    const startedAt = performance.now();
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        const final = FINAL.exec(name);
        if (final !== null) await this.checkFinal(join(dir, name), Number(final[1]));
        const temp = TEMP.exec(name);
        if (temp === null) continue;
        const s = this.state(dir, Number(temp[1]));
        if (s.active > 0 || s.lastActiveAt >= startedAt || s.killedAt !== null) continue;
        this.journal.violate(2, `temporary file ${join(dir, name)} outlived its download (no download of RFC ${temp[1]} into that folder running or killed since the last get)`);
      }
    }
  }

  private async checkFinal(path: string, rfc: number): Promise<void> {
    let version: string;
    try {
      const st = await stat(path);
      version = `${st.ino} ${st.size} ${st.mtimeMs}`;
    } catch {
      return; // gone meanwhile (its folder's peer left and nothing else uses it)
    }
    if (this.hashed.get(path) === version) return;
    this.hashed.set(path, version);
    await this.verify(path, rfc, `file ${path}`);
  }
}
