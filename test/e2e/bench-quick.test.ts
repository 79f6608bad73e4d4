import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipWithout } from '../helpers/optional-tools.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const benchScript = join(root, 'dist/bench/run.js');
/** Without redis-server (and not on CI) the smoke run leaves out the Redis suite, and says so. */
const noRedis = skipWithout('redis-server', "the bench's Redis suite in the bench --quick smoke run");
const suites = noRedis ? ['--only', 'index,list,memory,idle,peers,get,dashboard'] : [];

interface Row {
  figure: string;
  value: number;
  unit: string;
  pass?: boolean;
}

/** `npm run bench -- --quick`, so the load tools can't rot: it must run, print the table and write the JSON. */
test('bench --quick prints the table and writes --json', { timeout: 90_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-bench-'));
  const jsonPath = join(dir, 'rows.json');
  const child = spawn(process.execPath, ['--expose-gc', benchScript, '--quick', '--json', jsonPath, ...suites], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, `bench exited ${code}\n${stderr}\n${stdout}`);

    const lines = stdout.split('\n');
    assert.match(lines[0]!, /^p2pci bench --quick, \d{4}-\d\d-\d\dT.*\d+ cores/);
    const header = lines.find((l) => l.startsWith('| figure'));
    assert.ok(header, `no table header in:\n${stdout}`);
    for (const col of ['value', 'unit', 'reference', 'ratio', 'target', 'result']) assert.ok(header.includes(col), `column ${col}`);
    for (const figure of [
      /\| LOOKUP rate, 1 client +\| [\d,.]+ +\| req\/s +\| [\d,.]+ \(bare Node\)/,
      /\| LOOKUP latency p99, 4 clients +\| [\d.]+ +\| ms/,
      /\| join: 20 peers x 100 ADDs, burst +\| [\d,.]+ +\| ADD\/s/,
      /\| memory per record \(server heap after GC\) +\| [\d,.]+ +\| B /,
      /\| disconnect cleanup, 1k records +\| [\d.]+ +\| ms/,
      /\| LIST ALL, \d+k records +\| [\d,.]+ +\| MB\/s +\| [\d,.]+ \(bare pipe\)/,
      /\| LOOKUP latency p99 of another peer while a LIST streams +\| [\d.]+ +\| ms +\| [\d.]+ \(no LIST\)/,
      /\| memory per record, 2k distinct RFCs and titles +\| [\d,.]+ +\| B /,
      /\| memory per idle peer, 200 peers \(server RSS\) +\| [\d.]+ +\| KB +\| [\d.]+ \(bare Node socket\)/,
      /\| peers joined, 300 peers x 10 records +\| 300\.00 +\| peers /,
      /\| server RSS per connected peer, 300 peers x 10 records +\| [\d.]+ +\| KB +\| [\d.]+ \(bare Node socket\)/,
      /\| LOOKUP latency p99, 4 clients, 300 peers connected +\| [\d.]+ +\| ms +\| [\d.]+ \(no idle peers\)/,
      /\| mass disconnect cleanup, 300 peers x 10 records +\| [\d,.]+ +\| ms +\| [\d,.]+ \(bare Node: last socket closed\)/,
      /\| swarm 2 MiB, 4 sources at --upload-limit 4M +\| [\d.]+ +\| MB\/s +\| [\d.]+ \(--max-sources 1\)/,
      /\| swarm with a lying source among 3 honest ones \(2 MiB\) +\| 1\.00 +\| of 1 /,
    ]) {
      assert.match(stdout, figure);
    }
    assert.doesNotMatch(stdout, /did not complete/);

    const saved = JSON.parse(await readFile(jsonPath, 'utf8')) as { quick: boolean; rows: Row[] };
    assert.equal(saved.quick, true);
    const tableRows = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| figure'));
    assert.equal(saved.rows.length, tableRows.length, 'the JSON holds the rows of the table');
    for (const row of saved.rows) assert.ok(Number.isFinite(row.value) && row.value >= 0, `${row.figure}: ${row.value}`);
    const join = saved.rows.find((r) => r.figure.startsWith('join: '));
    assert.ok(join && join.value > 0 && join.unit === 'ADD/s', 'join row in the JSON');
    assert.equal(join.pass, undefined, 'a smoke run judges no target');
    assert.match(String((join as Row & { note?: string }).note), /refused 0, unanswered 0, wrong 0/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench rejects an unknown argument with a one-line error', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [benchScript, '--bogus'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /^bench: unknown argument "--bogus"/);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
});
