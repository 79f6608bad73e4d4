import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { startCli, runCli, killAllClis } from '../helpers/cli.js';
import { connect, readUntil, endsWithText } from '../helpers/net.js';
import { encodeAdd } from '../../src/protocol/index.js';

after(killAllClis);

test('p2pci server --http 0 prints the dashboard URL, serves it, and SIGTERM closes it', { timeout: 30_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--http', '0']);
  let peer: Socket | null = null;
  try {
    const indexPort = Number((await cli.waitForLine(/listening on [^ ]+:(\d+)/))[1]);
    const url = (await cli.waitForLine(/^dashboard on (http:\/\/127\.0\.0\.1:(\d+)\/)$/))[1]!;
    peer = await connect(indexPort);
    peer.write(encodeAdd(8, 'x', { host: 'h.example', port: 9 }));
    await readUntil(peer, endsWithText('\r\n\r\n'));
    const stats = (await (await fetch(`${url}stats.json`)).json()) as { server: { address: { port: number }; pid: number }; totals: { records: number } };
    assert.equal(stats.server.address.port, indexPort);
    assert.equal(stats.server.pid, cli.pid);
    assert.equal(stats.totals.records, 1);
    assert.deepEqual(await cli.stop(), { code: 0, signal: null });
    await assert.rejects(fetch(url), 'the dashboard port is closed with the server');
  } finally {
    peer?.destroy();
    cli.kill();
  }
});

test('without --http there is no dashboard; with --log-format json its line is JSON', { timeout: 30_000 }, async () => {
  const plain = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--status-interval', '0']);
  const json = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--http', '0', '--log-format', 'json']);
  try {
    await plain.waitForLine(/listening on/);
    const m = await json.waitForLine(/"event":"dashboard"/);
    const line = JSON.parse(m.input!) as { url: string; msg: string };
    assert.match(line.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(line.msg, `dashboard on ${line.url}`);
    assert.equal((await fetch(line.url)).status, 200);
    assert.deepEqual(await plain.stop(), { code: 0, signal: null });
    assert.doesNotMatch(plain.stdout(), /dashboard/);
    assert.deepEqual(await json.stop(), { code: 0, signal: null });
  } finally {
    plain.kill();
    json.kill();
  }
});

test('bad --http values and a busy dashboard port: one-line error, non-zero exit', { timeout: 30_000 }, async () => {
  for (const bad of ['abc', '-1', '70000']) {
    const r = await runCli(['server', '--port', '0', '--http', bad]);
    assert.notEqual(r.code, 0, `--http ${bad}`);
    assert.match(r.stderr, /--http <port>/);
  }
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (busy.address() as { port: number }).port;
    const r = await runCli(['server', '--port', '0', '--host', '127.0.0.1', '--http', String(port)]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `p2pci server: cannot serve the dashboard on 127.0.0.1:${port}: port ${port} is already in use\n`);
  } finally {
    await new Promise<void>((resolve) => busy.close(() => resolve()));
  }
});
