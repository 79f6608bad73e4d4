/**
 * Two `p2pci server --store redis://…` processes on one redis-server of the test's own:
 * peers on either see one index; a download crosses instances; a server that shuts down
 * takes exactly its peers' records with it; a bad or unreachable store is a one-line error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, runCli, killAllClis } from '../helpers/cli.js';
import { skipWithout } from '../helpers/optional-tools.js';
import { startRedisServer, startRedisIndexServer, type RunningRedis } from '../helpers/redis-server.js';
import { RawIndexPeer, NOT_FOUND, okWith } from '../helpers/raw-index-peer.js';
import { peerFolder, sha256File, fixture } from '../helpers/peer-folders.js';

let redis: RunningRedis;
const dirs: string[] = [];
const peers: RawIndexPeer[] = [];

const skip = skipWithout('redis-server', 'the several-servers-on-Redis tests (test/e2e/redis-instances.test.ts)');

before(async () => {
  if (skip) return;
  redis = await startRedisServer();
});
after(async () => {
  for (const p of peers) p.close();
  await killAllClis();
  await redis?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function startServer(prefix: string): ReturnType<typeof startRedisIndexServer> {
  return startRedisIndexServer(redis.url, prefix, 1000);
}

async function rawPeer(serverPort: number, host: string, port: number): Promise<RawIndexPeer> {
  const p = await RawIndexPeer.connect(serverPort, { host, port });
  peers.push(p);
  return p;
}

test('two servers, one index: cross-instance LOOKUP, LIST and download; a clean shutdown takes only its own records', { skip, timeout: 60_000 }, async () => {
  const a = await startServer('e2e1:');
  const b = await startServer('e2e1:');
  assert.notEqual(a.instanceId, b.instanceId);

  // A real peer (the CLI, with its upload server) joins server B.
  const dirP = await peerFolder('P', [20, 101]);
  const dirC = await peerFolder('C');
  dirs.push(dirP, dirC);
  const p = startCli(['peer', '--dir', dirP, '--server', `127.0.0.1:${b.port}`, '--advertise-host', '127.0.0.1']);
  const pm = await p.waitForLine(/^peer 127\.0\.0\.1:(\d+) sharing 2 RFCs from /);
  const pPort = Number(pm[1]);

  // A peer on A sees it; and adds its own record, which a peer on B then sees after P's.
  const q = await rawPeer(a.port, 'q.example.org', 7000);
  assert.equal(await q.lookup(20), okWith([`RFC 20 ASCII format for Network Interchange 127.0.0.1 ${pPort}`]));
  assert.equal(await q.add(20, 'ASCII format for Network Interchange'), okWith(['RFC 20 ASCII format for Network Interchange q.example.org 7000']));
  const r = await rawPeer(b.port, 'r.example.org', 7001);
  assert.equal(
    await r.lookup(20),
    okWith([`RFC 20 ASCII format for Network Interchange 127.0.0.1 ${pPort}`, 'RFC 20 ASCII format for Network Interchange q.example.org 7000']),
  );
  const listed = (await q.list()).split('\r\n').filter((l) => l.startsWith('RFC ')).sort();
  assert.deepEqual(listed, [
    `RFC 101 ${titleOf101(listed)} 127.0.0.1 ${pPort}`,
    `RFC 20 ASCII format for Network Interchange 127.0.0.1 ${pPort}`,
    'RFC 20 ASCII format for Network Interchange q.example.org 7000',
  ].sort());

  // Download through server A of a file only P (on B) has: found by A's index, fetched from P.
  const got = await runCli(['get', '101', '--dir', dirC, '--server', `127.0.0.1:${a.port}`, '--advertise-host', '127.0.0.1', '--json']);
  assert.equal(got.code, 0, got.stderr);
  assert.deepEqual((JSON.parse(got.stdout) as { sources: Array<{ port: number; bytes: number }> }).sources.filter((s) => s.bytes > 0).map((s) => s.port), [pPort]);
  assert.equal(await sha256File(join(dirC, 'rfc101.txt')), await sha256File(fixture(101)));

  // Server B shuts down cleanly: P's records leave the shared index at once (no TTL wait).
  assert.equal((await b.cli.stop()).code, 0);
  assert.equal(await q.lookup(101), NOT_FOUND);
  assert.equal(await q.lookup(20), okWith(['RFC 20 ASCII format for Network Interchange q.example.org 7000']));
  p.kill();
  assert.equal((await a.cli.stop()).code, 0);
});

/** RFC 101's title as the peer read it from the file (the peer CLI's business, not ours). */
function titleOf101(lines: readonly string[]): string {
  const line = lines.find((l) => l.startsWith('RFC 101 '));
  assert.ok(line !== undefined, 'RFC 101 is listed');
  return line.slice('RFC 101 '.length, line.lastIndexOf(' ', line.lastIndexOf(' ') - 1));
}

test('a connection that closes on one server disappears from the other at once', { skip, timeout: 30_000 }, async () => {
  const a = await startServer('e2e2:');
  const b = await startServer('e2e2:');
  const leaving = await rawPeer(b.port, 'leaving.example', 9001);
  const staying = await rawPeer(b.port, 'leaving.example', 9001); // same Host/Port, other connection
  await leaving.add(7, 'Seven');
  await staying.add(7, 'Seven');
  const watcher = await rawPeer(a.port, 'w', 1);
  assert.equal(await watcher.lookup(7), okWith(['RFC 7 Seven leaving.example 9001', 'RFC 7 Seven leaving.example 9001']));
  leaving.close();
  await b.cli.waitForLine(/peer leaving\.example:9001 .* left .*1 records dropped/);
  assert.equal(await watcher.lookup(7), okWith(['RFC 7 Seven leaving.example 9001']));
  await Promise.all([a.cli.stop(), b.cli.stop()]);
});

test('--store: an unreachable Redis or an unknown scheme is a one-line error and exit 1', { skip, timeout: 30_000 }, async () => {
  const closed = await startRedisServer();
  const url = closed.url;
  await closed.stop(); // a port that just had a Redis and has none now
  const down = await runCli(['server', '--port', '0', '--store', url]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, new RegExp(`^p2pci server: cannot use Redis at ${url.replace(/[.]/g, '\\.')}/?: connect ECONNREFUSED [^\\n]+\\n$`));
  const bad = await runCli(['server', '--port', '0', '--store', 'ftp://127.0.0.1:1']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^p2pci server: --store: unsupported store "ftp:" \(expected memory .*redis:\/\/host:port.*\)\n$/);
});
