/**
 * `p2pci get` as a swarm through the built CLI: the exact --json output, and a get SIGKILLed
 * mid-way that the next get resumes (issue 13), and a second get of the same RFC into the same
 * folder refused while the first runs. Peers run with --upload-limit so the transfer
 * is slow enough to be killed in the middle; the kill waits for the state file, not a timer.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, runCli, killAllClis, type RunningCli } from '../helpers/cli.js';
import { withTimeout } from '../helpers/net.js';

const dirs: string[] = [];
after(async () => {
  await killAllClis();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'p2pci-swarm-cli-'));
  dirs.push(d);
  return d;
}

/** 4 MiB of text lines: 4 pieces. */
const LINE = 'The quick brown fox jumps over the lazy dog, piece by piece.\r\n';
const FILE = Buffer.from(LINE.repeat(Math.ceil((4 * 1024 * 1024) / LINE.length)).slice(0, 4 * 1024 * 1024));
const SHA = createHash('sha256').update(FILE).digest('hex');

async function startServer(): Promise<number> {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1']);
  return Number((await cli.waitForLine(/listening on [^ ]+:(\d+)/))[1]);
}

async function startPeer(dir: string, server: number, extra: string[]): Promise<{ cli: RunningCli; port: number }> {
  const cli = startCli(['peer', '--dir', dir, '--server', `127.0.0.1:${server}`, '--advertise-host', '127.0.0.1', ...extra]);
  return { cli, port: Number((await cli.waitForLine(/^peer 127\.0\.0\.1:(\d+) sharing 1 RFCs from /))[1]) };
}

/** Resolves once `name` exists in `dir` (fs.watch, then one check for a file that came first). */
function appears(dir: string, name: string, timeoutMs: number): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => {
    const w = watch(dir, () => check());
    const check = () => void readdir(dir).then((names) => {
      if (names.includes(name)) {
        w.close();
        resolve();
      }
    });
    check();
  }), timeoutMs, `${name} in ${dir}`);
}

test('get --json from three peers: exactly {rfc, bytes, sha256, ms, resumedFrom, sources}; SIGKILL mid-way, then the next get resumes', { timeout: 90_000 }, async () => {
  const server = await startServer();
  const shared = await tempDir();
  await writeFile(join(shared, 'rfc7.txt'), FILE);
  const peers = [];
  for (let i = 0; i < 3; i++) peers.push(await startPeer(shared, server, ['--upload-limit', '1M']));
  const srv = `127.0.0.1:${server}`;

  // 1. A get SIGKILLed once its first state file is written: a partial file + state, nothing under the final name.
  const into = await tempDir();
  const first = startCli(['get', '7', '--dir', into, '--server', srv, '--advertise-host', '127.0.0.1', '--json']);
  await appears(into, '.rfc7.txt.swarm.json', 30_000);
  // The uploaders are stopped meanwhile (well inside the swarm's 10 s silence limit), so the
  // first get is still running when the second starts, however loaded the machine is.
  for (const p of peers) p.cli.child.kill('SIGSTOP');
  try {
    // A second get of the same RFC into the same folder while the first runs: refused, the first's files untouched.
    const second = await runCli(['get', '7', '--dir', into, '--server', srv, '--advertise-host', '127.0.0.1'], 30_000);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`another download of this RFC into this folder is running \\(process ${first.child.pid}\\)`));
    assert.equal(first.child.exitCode, null, 'the first get still runs');
    first.child.kill('SIGKILL');
  } finally {
    for (const p of peers) p.cli.child.kill('SIGCONT');
  }
  assert.equal((await first.exited).signal, 'SIGKILL');
  const left = (await readdir(into)).sort();
  // The killed get's lock stays behind; its process is gone, so the next get takes it over.
  assert.deepEqual(left, ['.rfc7.txt.swarm', '.rfc7.txt.swarm.json', '.rfc7.txt.swarm.lock']);

  // 2. The next get continues from what the state lists; the result is exact and the JSON exactly the shape.
  const got = await runCli(['get', '7', '--dir', into, '--server', srv, '--advertise-host', '127.0.0.1', '--json'], 60_000);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.stderr, '', 'no progress bar or warning when stderr is not a terminal');
  const report = JSON.parse(got.stdout) as Record<string, unknown> & { sources: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(report), ['rfc', 'bytes', 'sha256', 'ms', 'resumedFrom', 'sources']);
  assert.deepEqual([report.rfc, report.bytes, report.sha256], [7, FILE.length, SHA]);
  assert.equal(typeof report.ms, 'number');
  const resumedFrom = report.resumedFrom as number;
  assert.ok(resumedFrom >= 1024 * 1024 && resumedFrom < FILE.length, `resumedFrom ${resumedFrom}`);
  assert.deepEqual(report.sources.map((s) => Object.keys(s)), peers.map(() => ['host', 'port', 'bytes']));
  assert.deepEqual(report.sources.map((s) => s.port).sort(), peers.map((p) => p.port).sort());
  assert.equal(report.sources.reduce((n, s) => n + (s.bytes as number), 0), FILE.length - resumedFrom);
  assert.ok((await readFile(join(into, 'rfc7.txt'))).equals(FILE));
  assert.deepEqual(await readdir(into), ['rfc7.txt']);

  // 3. --max-sources 1: today's single-peer download, same JSON shape, one source.
  const one = await tempDir();
  const single = await runCli(['get', '7', '--dir', one, '--server', srv, '--advertise-host', '127.0.0.1', '--json', '--max-sources', '1'], 60_000);
  assert.equal(single.code, 0, single.stderr);
  const r1 = JSON.parse(single.stdout) as { sha256: string; resumedFrom: number; sources: Array<{ bytes: number }> };
  assert.deepEqual([r1.sha256, r1.resumedFrom, r1.sources.map((s) => s.bytes)], [SHA, 0, [FILE.length]]);
});

test('bad --upload-limit and --max-sources values: a one-line error, exit 1', { timeout: 20_000 }, async () => {
  const dir = await tempDir();
  const a = await runCli(['peer', '--dir', dir, '--upload-limit', '20X']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /expected bytes per second like 500K, 20M or 1G, got "20X"/);
  const b = await runCli(['get', '7', '--dir', dir, '--max-sources', '0']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /--max-sources.*expected 1 to 64, got 0/);
});
