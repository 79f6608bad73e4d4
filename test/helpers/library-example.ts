/** The README's library example (examples/library.mjs), run with node from a folder where `p2pci` resolves. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const LIBRARY_EXAMPLE = join(REPO_ROOT, 'examples/library.mjs');

/** Runs `file` with node in `cwd` (bounded in time) and checks it printed what the example prints when everything worked. */
export async function runLibraryExample(file: string, cwd: string): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, [file], { cwd, timeout: 20_000 }));
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(`the library example failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  assert.match(stdout, /^index server on 127\.0\.0\.1:\d+\npeer A shares RFC 1 on upload port (\d+)\nLOOKUP RFC 1: 200 OK\n {2}RFC 1 Host Software 127\.0\.0\.1 \1\npeer B downloaded RFC 1 \(90 bytes\) from port \1\nLIST ALL: 2 records\n$/);
}
