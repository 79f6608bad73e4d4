import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startCli, runCli, killAllClis } from '../helpers/cli.js';
import { startIndexServer } from '../helpers/net.js';
import { IndexClient } from '../../src/peer/index-client.js';
import { peerFolder, sha256File, fixture } from '../helpers/peer-folders.js';

const dirs: string[] = [];
after(async () => {
  await killAllClis();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Registers `rfc` in the index as if a peer at 127.0.0.1:`port` had it; stays registered until closed. */
async function fakeRecord(indexPort: number, port: number, rfc: number, title: string): Promise<IndexClient> {
  const c = new IndexClient({ server: { host: '127.0.0.1', port: indexPort }, reconnect: false });
  await c.connect();
  c.identity = { host: '127.0.0.1', port };
  assert.equal((await c.add(rfc, title)).status, 200);
  return c;
}

// An uploader process that sends the head and half of the file, then waits to be killed.
const HALF_UPLOADER = `
const net = require('net'), fs = require('fs');
const body = fs.readFileSync(process.argv[1]);
net.createServer((s) => {
  let got = '';
  s.on('data', (c) => {
    got += c;
    if (!got.includes('\\r\\n\\r\\n')) return;
    s.write('P2P-CI/1.0 200 OK\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n');
    s.write(body.subarray(0, body.length >> 1), () => console.log('sent half'));
  });
}).listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });
`;

test('the only peer is killed mid-download: p2pci get fails with one line, no file left', { timeout: 30_000 }, async () => {
  const index = await startIndexServer();
  const dir = await peerFolder('dies');
  dirs.push(dir);
  const uploader = startCli([fixture(100)], { script: HALF_UPLOADER });
  let record: IndexClient | null = null;
  try {
    const upPort = Number((await uploader.waitForLine(/^listening (\d+)$/))[1]);
    record = await fakeRecord(index.port, upPort, 100, 'Categorization and Guide to NWG/RFCs');
    const get = startCli(['get', '100', '--dir', dir, '--server', `127.0.0.1:${index.port}`, '--advertise-host', '127.0.0.1'], { endStdin: true });
    await uploader.waitForLine(/^sent half$/);
    uploader.kill(); // SIGKILL by PID: the kernel closes its socket mid-body
    const exit = await get.exited;
    assert.equal(exit.code, 3);
    assert.match(get.stderr(), new RegExp(`^p2pci: download of RFC 100 failed from every peer: 127\\.0\\.0\\.1:${upPort} (closed the connection|connection reset) (after \\d+ of 64548 bytes|\\d+ bytes short)\\n$`)); // the latter: a swarm get
    assert.deepEqual(await readdir(dir), []);
  } finally {
    uploader.kill();
    await record?.close();
    await index.close();
  }
});

test('the first peer refuses, the second serves: file saved, the refusal reported', { timeout: 30_000 }, async () => {
  const index = await startIndexServer();
  const dirA = await peerFolder('serves', [20]);
  const dir = await peerFolder('gets');
  dirs.push(dirA, dir);
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  const gonePort = (gone.address() as { port: number }).port;
  await new Promise<void>((r) => gone.close(() => r()));
  const record = await fakeRecord(index.port, gonePort, 20, 'ASCII format for Network Interchange');
  const a = startCli(['peer', '--dir', dirA, '--server', `127.0.0.1:${index.port}`, '--advertise-host', '127.0.0.1']);
  try {
    const aPort = (await a.waitForLine(/^peer 127\.0\.0\.1:(\d+) sharing 1 RFCs/))[1];
    const got = await runCli(['get', '20', '--dir', dir, '--server', `127.0.0.1:${index.port}`, '--advertise-host', '127.0.0.1']);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(`^downloaded RFC 20 \\(19011 bytes\\) from 127\\.0\\.0\\.1:${aPort} into .* \\(after 127\\.0\\.0\\.1:${gonePort} connection refused\\)\\n$`));
    assert.equal(await sha256File(join(dir, 'rfc20.txt')), await sha256File(fixture(20)));
    assert.deepEqual(await readdir(dir), ['rfc20.txt']);

    const none = await runCli(['get', '999', '--dir', dir, '--server', `127.0.0.1:${index.port}`]);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'p2pci: no peer has RFC 999\n');
  } finally {
    a.kill();
    await record.close();
    await index.close();
  }
});
