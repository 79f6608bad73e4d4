import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { startCli, killAllClis, type RunningCli } from '../helpers/cli.js';

/**
 * The soak of issue 17, 30 s per configuration: a real network under seeded churn must end
 * with violations 0. The soak ends its own children; if it fails or hangs, every PID it
 * reported (`--print-pids`) is ended here, one by one.
 */
const SOAK = fileURLToPath(new URL('../../dist/bench/soak/main.js', import.meta.url));
const reported = new Set<number>();

function endReported(): void {
  for (const pid of reported) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

after(async () => {
  endReported();
  await killAllClis();
});

async function soak(args: string[]): Promise<{ cli: RunningCli; summary: RegExpMatchArray }> {
  const cli = startCli([SOAK, '--seconds', '30', '--print-pids', ...args], { script: "import(require('node:url').pathToFileURL(process.argv[1]))" });
  cli.child.stdout!.on('data', () => {
    for (const line of cli.stdoutLines) {
      const m = /^soak: pid (\d+) /.exec(line);
      if (m !== null) reported.add(Number(m[1]));
    }
  });
  const summary = await cli.waitForLine(/^soak: (\d+) s, (\d+) events \((\d+) kills, (\d+) restarts, (\d+) downloads\), violations (\d+)$/, 90_000);
  const exit = await cli.exited;
  const violations = cli.stdoutLines.filter((l) => l.includes('VIOLATION')).join('\n');
  assert.equal(summary[6], '0', `violations:\n${violations}\n${cli.stdout().slice(-3000)}`);
  assert.equal(exit.code, 0, cli.stderr());
  assert.ok(Number(summary[1]) >= 30, 'ran its 30 s');
  assert.ok(Number(summary[2]) >= 20, `too few events: ${summary[0]}`);
  return { cli, summary };
}

test('soak, memory store: 30 s of churn, violations 0', { timeout: 110_000 }, async () => {
  const { summary } = await soak(['--peers', '4', '--seed', '17']);
  assert.ok(Number(summary[5]) > 0, `no download completed: ${summary[0]}`);
});

test('soak, two servers on Redis: 30 s of churn, violations 0', { timeout: 110_000 }, async () => {
  const { cli } = await soak(['--peers', '4', '--store', 'redis', '--servers', '2', '--seed', '18']);
  assert.ok(cli.stdoutLines.some((l) => /pid \d+ redis-server/.test(l)), 'ran its own redis-server');
});
