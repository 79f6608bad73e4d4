/**
 * `npm test` on a machine without redis-server or Chromium: the files that need them run
 * green with one loud SKIPPED line each, saying how to get them; with CI=true they fail instead.
 * Proven by running such files in a child whose PATH holds nothing but node.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli.js';

const FILES = ['test/integration/store-redis.test.ts', 'test/e2e/dashboard-browser.test.ts'];
let bare: string;

before(async () => {
  bare = await mkdtemp(join(tmpdir(), 'p2pci-bare-path-'));
  await symlink(process.execPath, join(bare, 'node'));
});
after(async () => {
  await rm(bare, { recursive: true, force: true });
});

/** node --test on FILES as a fresh machine would run them; resolves with the exit code and all output. */
function runBare(extraEnv: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bare, P2PCI_CHROMIUM: join(bare, 'no-chromium-here'), ...extraEnv };
  // Not a sub-test of this runner (it would report to us in its binary protocol), nor pointed at a real redis.
  for (const key of ['NODE_TEST_CONTEXT', 'REDIS_SERVER', 'CI']) delete env[key];
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=60000', ...FILES], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

test('no redis-server, no Chromium: green, one SKIPPED line per file with how to get them', { timeout: 60_000 }, async () => {
  const { code, output } = await runBare({});
  assert.equal(code, 0, output);
  const skipped = output.split('\n').filter((l) => l.includes('!!! SKIPPED'));
  assert.equal(skipped.length, 2, output);
  assert.ok(skipped.some((l) => /RedisStore .*redis-server not found.*apt-get install redis-server, or REDIS_SERVER=/.test(l)), output);
  assert.ok(skipped.some((l) => /dashboard .*not found.*apt-get install chromium, or P2PCI_CHROMIUM=/.test(l)), output);
  assert.match(output, /^# fail 0$/m);
});

test('the same with CI=true: red, a missing program is a failure, never a skip', { timeout: 60_000 }, async () => {
  const { code, output } = await runBare({ CI: 'true' });
  assert.notEqual(code, 0, output);
  assert.match(output, /redis-server not found: CI=true, so the RedisStore integration tests .* must run/);
  assert.match(output, /no-chromium-here not found: CI=true, so the real-browser dashboard test .* must run/);
  assert.doesNotMatch(output, /!!! SKIPPED/);
  assert.match(output, /^# fail 2$/m);
});
