import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, runCli, killAllClis, type RunningCli } from '../helpers/cli.js';
import { connect, waitForClose } from '../helpers/net.js';
import { peerFolder, sha256File, fixture } from '../helpers/peer-folders.js';

const dirs: string[] = [];
after(async () => {
  await killAllClis();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function startServer(port = 0): Promise<{ cli: RunningCli; port: number }> {
  const cli = startCli(['server', '--port', String(port), '--host', '127.0.0.1']);
  const m = await cli.waitForLine(/listening on [^ ]+:(\d+)/);
  return { cli, port: Number(m[1]) };
}

async function startPeer(dir: string, serverPort: number, rfcCount: number, extra: string[] = []): Promise<{ cli: RunningCli; port: number }> {
  const cli = startCli(['peer', '--dir', dir, '--server', `127.0.0.1:${serverPort}`, '--advertise-host', '127.0.0.1', ...extra]);
  const m = await cli.waitForLine(new RegExp(`^peer 127\\.0\\.0\\.1:(\\d+) sharing ${rfcCount} RFCs from `));
  return { cli, port: Number(m[1]) };
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('server + two peers: the original workflow through the piped menu and p2pci get', { timeout: 60_000 }, async () => {
  const dirA = await peerFolder('A', [3, 20, 33, 101]);
  const dirB = await peerFolder('B', [42, 50]);
  dirs.push(dirA, dirB);
  const server = await startServer();
  const srv = `127.0.0.1:${server.port}`;
  const a = await startPeer(dirA, server.port, 4);
  const b = await startPeer(dirB, server.port, 2);

  // 4 Download: B fetches RFC 20, which only A has.
  b.cli.write('4\n20\n');
  await b.cli.waitForLine(new RegExp(`^downloaded RFC 20 \\(19011 bytes\\) from 127\\.0\\.0\\.1:${a.port} into ${esc(join(dirB, 'rfc20.txt'))}`));
  assert.equal(await sha256File(join(dirB, 'rfc20.txt')), await sha256File(fixture(20)));

  // The one-shot command into the same folder: RFC 101 has non-ASCII bytes.
  const got = await runCli(['get', '101', '--dir', dirB, '--server', srv, '--advertise-host', '127.0.0.1', '--json']);
  assert.equal(got.code, 0, got.stderr);
  const report = JSON.parse(got.stdout) as { rfc: number; bytes: number; sources: Array<{ port: number; bytes: number }> };
  assert.deepEqual([report.rfc, report.sources.map((s) => [s.port, s.bytes])], [101, [[a.port, report.bytes]]]);
  assert.equal(await sha256File(join(dirB, 'rfc101.txt')), await sha256File(fixture(101)));

  // 2 Look Up prints the server's answer in protocol format: both peers now have RFC 20.
  b.cli.write('2\n20\n');
  await b.cli.waitForLine(new RegExp(`^RFC 20 ASCII format for Network Interchange 127\\.0\\.0\\.1 ${b.port}$`));
  await b.cli.waitForLine(new RegExp(`^RFC 20 ASCII format for Network Interchange 127\\.0\\.0\\.1 ${a.port}$`));
  assert.ok(b.cli.stdoutLines.includes('P2P-CI/1.0 200 OK'));

  // 1 Add of a file the folder doesn't have: a clear error, and the menu goes on.
  b.cli.write('1\n999\n');
  await b.cli.waitForLine(new RegExp(`^error: ${esc(join(dirB, 'rfc999.txt'))} does not exist$`));

  // 5 Shut Down on A: exit 0, and A's records are gone from the index.
  a.cli.write('5\n');
  assert.deepEqual(await a.cli.exited, { code: 0, signal: null });
  const list = await runCli(['list', '--server', srv, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const records = (JSON.parse(list.stdout) as { records: Array<{ rfc: number; port: number }> }).records;
  assert.deepEqual(records.filter((r) => r.port === a.port), []);
  assert.deepEqual(records.map((r) => r.rfc).sort((x, y) => x - y), [20, 42, 50]);
  // B's own 3 List All, then 2 Look Up of RFC 3 (only A had it): the 404 marks the end of the list.
  b.cli.write('3\n2\n3\n');
  await b.cli.waitForLine(/^P2P-CI\/1\.0 404 Not Found$/);
  const lines = b.cli.stdoutLines;
  const end = lines.indexOf('P2P-CI/1.0 404 Not Found');
  const start = lines.lastIndexOf('P2P-CI/1.0 200 OK', end);
  const listed = lines.slice(start, end).filter((l) => /^RFC \d+ /.test(l));
  assert.deepEqual(listed.filter((l) => l.endsWith(` ${a.port}`)), []);
  assert.deepEqual(listed.map((l) => Number(l.split(' ')[1])).sort((x, y) => x - y), [20, 42, 50]); // rfc101.txt came by `p2pci get`, whose short-lived peer has left
  const lookup = await runCli(['lookup', '3', '--server', srv]);
  assert.equal(lookup.code, 2);
  assert.equal(lookup.stdout, 'P2P-CI/1.0 404 Not Found\n\n');

  // End of input = Shut Down.
  b.cli.child.stdin!.end();
  assert.deepEqual(await b.cli.exited, { code: 0, signal: null });
  assert.deepEqual((await readdir(dirB)).sort(), ['rfc101.txt', 'rfc20.txt', 'rfc42.txt', 'rfc50.txt']);
  assert.equal((await server.cli.stop()).code, 0);
});

test('index server restarted: the menu says it is unreachable, then the peer re-registers by itself', { timeout: 60_000 }, async () => {
  const dir = await peerFolder('R', [42, 50, 77]);
  dirs.push(dir);
  const first = await startServer();
  const peer = await startPeer(dir, first.port, 3);
  assert.equal((await first.cli.stop()).code, 0);
  await peer.cli.waitForLine(/^index server 127\.0\.0\.1:\d+ lost \(.*\); reconnecting$/);

  peer.cli.write('2\n42\n');
  await peer.cli.waitForLine(new RegExp(`^error: index server 127\\.0\\.0\\.1:${first.port} unreachable \\(.*\\); reconnecting in the background$`));

  const second = await startServer(first.port);
  await peer.cli.waitForLine(new RegExp(`^reconnected to 127\\.0\\.0\\.1:${first.port}; registered 3 RFCs again$`), 20_000);
  const found = await runCli(['lookup', '77', '--server', `127.0.0.1:${first.port}`]);
  assert.equal(found.code, 0, found.stderr);
  assert.match(found.stdout, new RegExp(`^P2P-CI/1\\.0 200 OK\\n\\nRFC 77 Network Meeting Report 127\\.0\\.0\\.1 ${peer.port}\\n$`));

  peer.cli.write('5\n');
  assert.equal((await peer.cli.exited).code, 0);
  assert.equal((await second.cli.stop()).code, 0);
});

test('one-shot commands: bad input and an unreachable server are one-line errors with non-zero exits', { timeout: 30_000 }, async () => {
  const dead = await startServer();
  await dead.cli.stop();
  const unreachable = await runCli(['list', '--server', `127.0.0.1:${dead.port}`]);
  assert.equal(unreachable.code, 1);
  assert.equal(unreachable.stderr, `p2pci: index server 127.0.0.1:${dead.port} unreachable (connection refused)\n`);
  const badRfc = await runCli(['lookup', '12x']);
  assert.notEqual(badRfc.code, 0);
  assert.match(badRfc.stderr, /RFC number must be 1 to 9 digits, got "12x"/);
  const noDir = await runCli(['peer', '--dir', '/nonexistent/p2pci', '--server', `127.0.0.1:${dead.port}`]);
  assert.equal(noDir.code, 1);
  assert.equal(noDir.stderr, 'p2pci peer: folder /nonexistent/p2pci does not exist\n');
});

test('--upload-idle-timeout-ms reaches the upload server: a silent downloader is closed', { timeout: 30_000 }, async () => {
  const dir = await peerFolder('idle', [3]);
  dirs.push(dir);
  const server = await startServer();
  const peer = await startPeer(dir, server.port, 1, ['--upload-idle-timeout-ms', '300']);
  const s = await connect(peer.port);
  const t0 = performance.now();
  await waitForClose(s, 5000); // the default (30 s) would time this wait out
  assert.ok(performance.now() - t0 >= 250);
  peer.cli.write('5\n');
  assert.equal((await peer.cli.exited).code, 0);
  await server.cli.stop();
});

test('SIGTERM while the peer is still joining shuts it down cleanly (exit 0, not killed by the signal)', { timeout: 30_000 }, async () => {
  // Found by the soak: the handlers went in only after the "sharing" line, so a SIGTERM just
  // before (or just after) it met the default action. This index server takes the ADDs and
  // never answers, so the peer stays in its join until the signal comes.
  const { createServer } = await import('node:net');
  const silent = createServer();
  const gotAdd = new Promise<void>((resolve) => silent.on('connection', (s) => s.once('data', () => resolve())));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const dir = await peerFolder('T', [42]);
    dirs.push(dir);
    const port = (silent.address() as { port: number }).port;
    const cli = startCli(['peer', '--dir', dir, '--server', `127.0.0.1:${port}`, '--advertise-host', '127.0.0.1']);
    await gotAdd;
    const exit = await cli.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, cli.stderr());
  } finally {
    silent.close();
  }
});

test('p2pci get removes the temporary file a killed earlier get of the same RFC left behind', { timeout: 30_000 }, async () => {
  const server = await startServer();
  const dir = await peerFolder('G', []);
  dirs.push(dir);
  const killed = startCli(['lookup', '1', '--server', `127.0.0.1:${server.port}`]); // any process: its PID dies with it
  await killed.exited;
  const stale = `.rfc5.txt.${killed.pid}.0123456789ab.part`;
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, stale), 'half a download');
  const got = await runCli(['get', '5', '--dir', dir, '--server', `127.0.0.1:${server.port}`]);
  assert.equal(got.code, 2, got.stderr); // nobody has RFC 5; the cleanup ran all the same
  assert.deepEqual(await readdir(dir), []);
  assert.equal((await server.cli.stop()).code, 0);
});
