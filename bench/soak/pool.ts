import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTitle } from '../../src/peer/title-reader.js';
import { Prng } from './prng.js';

/** test/fixtures/rfcs, from dist/bench/soak. */
export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/rfcs/', import.meta.url));

export interface PoolRfc {
  rfc: number;
  sha256: string;
  title: string;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The RFCs the soak's peers share: `size` fixture files drawn from the seed, with the
 * SHA-256 every copy must have and the title every record must show.
 */
export async function loadPool(seed: number, size: number): Promise<Map<number, PoolRfc>> {
  const all = (await readdir(FIXTURES))
    .map((f) => /^rfc(\d+)\.txt$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const chosen = new Prng(seed ^ 0x5eed).sample(all, size).sort((a, b) => a - b);
  const pool = new Map<number, PoolRfc>();
  for (const rfc of chosen) {
    const path = join(FIXTURES, `rfc${rfc}.txt`);
    pool.set(rfc, { rfc, sha256: sha256(await readFile(path)), title: await readTitle(path, rfc) });
  }
  return pool;
}

/** A fresh temp folder holding copies of `rfcs` from the fixtures. */
export async function makeFolder(root: string, name: string, rfcs: readonly number[]): Promise<string> {
  const dir = await mkdtemp(join(root, `${name}-`));
  for (const rfc of rfcs) await copyFile(join(FIXTURES, `rfc${rfc}.txt`), join(dir, `rfc${rfc}.txt`));
  return dir;
}

export function soakRoot(seed: number): Promise<string> {
  return mkdtemp(join(tmpdir(), `p2pci-soak-${seed}-`));
}
