import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package.json this module ships with, read at run time so `p2pci --version` is always the
 * installed version. The module runs from src/cli (tsx) or dist/src/cli (built, installed).
 */
export function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(up, import.meta.url)), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'p2pci' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this depth: try the next
    }
  }
  return 'unknown';
}
