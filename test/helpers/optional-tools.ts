/**
 * Tests that need a program the machine may lack (redis-server, Chromium). On a developer's
 * fresh machine they are skipped, each file saying so in one loud line with how to get it;
 * with CI=true a missing program fails the file instead, so CI always runs everything.
 *
 *   const skip = skipWithout('redis-server', 'the RedisStore integration tests');
 *   before(async () => { if (!skip) redis = await startRedisServer(); });
 *   describe('...', { skip }, () => { ... });
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type OptionalTool = 'redis-server' | 'chromium';

const HOW_TO_GET: Record<OptionalTool, string> = {
  'redis-server': 'apt-get install redis-server, or REDIS_SERVER=/path/to/redis-server',
  chromium: 'apt-get install chromium, or P2PCI_CHROMIUM=/path/to/chromium',
};

/** What the tests run: REDIS_SERVER / P2PCI_CHROMIUM if set, else Debian's names. */
export function toolCommand(tool: OptionalTool): string {
  if (tool === 'redis-server') return process.env['REDIS_SERVER'] || 'redis-server';
  return process.env['P2PCI_CHROMIUM'] || '/usr/bin/chromium';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path the command runs, looked up on PATH when it has no slash; null if none. */
export function findTool(tool: OptionalTool): string | null {
  const command = toolCommand(tool);
  if (command.includes('/')) return executable(command) ? command : null;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, command))) return join(dir, command);
  }
  return null;
}

export const ON_CI = process.env['CI'] === 'true' || process.env['CI'] === '1';

/**
 * `false` when `tool` is there (run the tests); a skip reason when it is missing on a developer
 * machine (after one loud stderr line). Missing with CI=true, it throws: the file fails.
 */
export function skipWithout(tool: OptionalTool, what: string): string | false {
  if (findTool(tool) !== null) return false;
  const missing = `${toolCommand(tool)} not found`;
  if (ON_CI) throw new Error(`${missing}: CI=true, so ${what} must run, not be skipped. Get it: ${HOW_TO_GET[tool]}`);
  process.stderr.write(`\n!!! SKIPPED ${what}: ${missing}. To run them: ${HOW_TO_GET[tool]}.\n\n`);
  return `${missing} (${HOW_TO_GET[tool]})`;
}
