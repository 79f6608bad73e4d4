import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, killAllClis } from '../helpers/cli.js';
import { FIXTURE_RFCS, sha256File } from '../helpers/peer-folders.js';

const dirs: string[] = [];
after(async () => {
  await killAllClis();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('every shared RFC downloaded from one peer to another through the menu, all hashes equal', { timeout: 120_000 }, async () => {
  const root = await mkdtemp(join(tmpdir(), 'p2pci-all-'));
  dirs.push(root);
  const [dirA, dirB] = [join(root, 'A'), join(root, 'B')];
  await cp(FIXTURE_RFCS, dirA, { recursive: true });
  await mkdir(dirB);
  // §5: only rfc<number>.txt files are shared (the fixtures also hold rfc17a.txt, which isn't).
  const rfcs = (await readdir(dirA)).map((n) => /^rfc(\d+)\.txt$/.exec(n)).filter((m) => m !== null).map((m) => Number(m[1]));
  assert.ok(rfcs.length >= 463, `only ${rfcs.length} RFCs`);

  const server = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--quiet']);
  const port = Number((await server.waitForLine(/listening on [^ ]+:(\d+)/))[1]);
  const peer = (dir: string) => startCli(['peer', '--dir', dir, '--server', `127.0.0.1:${port}`, '--advertise-host', '127.0.0.1']);
  const a = peer(dirA);
  const aPort = (await a.waitForLine(new RegExp(`^peer 127\\.0\\.0\\.1:(\\d+) sharing ${rfcs.length} RFCs`), 20_000))[1];
  const b = peer(dirB);
  await b.waitForLine(/^peer 127\.0\.0\.1:\d+ sharing 0 RFCs/);

  const started = performance.now();
  b.write(rfcs.map((n) => `4\n${n}\n`).join(''));
  await b.waitForLine(new RegExp(`^downloaded RFC ${rfcs.at(-1)} \\(\\d+ bytes\\) from 127\\.0\\.0\\.1:${aPort} `), 100_000);
  const seconds = (performance.now() - started) / 1000;

  const downloaded = b.stdoutLines.filter((l) => l.startsWith('downloaded RFC ')).length;
  assert.equal(downloaded, rfcs.length);
  assert.deepEqual(b.stdoutLines.filter((l) => l.startsWith('error') || l.startsWith('warning')), []);
  for (const n of rfcs) assert.equal(await sha256File(join(dirB, `rfc${n}.txt`)), await sha256File(join(dirA, `rfc${n}.txt`)), `rfc${n}.txt`);
  console.log(`downloaded ${rfcs.length} RFCs from peer A to peer B through the piped menu in ${seconds.toFixed(2)} s (${(rfcs.length / seconds).toFixed(0)} RFCs/s, LOOKUP + GET + ADD each), every SHA-256 equal`);

  b.child.stdin!.end();
  a.child.stdin!.end();
  assert.equal((await b.exited).code, 0);
  assert.equal((await a.exited).code, 0);
  assert.equal((await server.stop()).code, 0);
});
