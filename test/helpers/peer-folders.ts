/** Temporary peer folders filled with copies of test/fixtures/rfcs, and file hashes. */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));

export async function peerFolder(name: string, rfcs: readonly number[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `p2pci-${name}-`));
  for (const n of rfcs) await copyFile(join(FIXTURE_RFCS, `rfc${n}.txt`), join(dir, `rfc${n}.txt`));
  return dir;
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

export function fixture(rfc: number): string {
  return join(FIXTURE_RFCS, `rfc${rfc}.txt`);
}
