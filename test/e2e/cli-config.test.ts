/**
 * Configuring the CLI: P2PCI_* variables (flags win; --help and the README list them), `peer`'s
 * optional server argument and its default ./rfc folder, --upload-host, and lookup/list
 * starting no upload server.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, runCli, killAllClis, type RunningCli } from '../helpers/cli.js';
import { connect } from '../helpers/net.js';

const dirs: string[] = [];
after(async () => {
  await killAllClis();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'p2pci-config-'));
  dirs.push(d);
  return d;
}

async function startServer(env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ cli: RunningCli; host: string; port: number }> {
  const cli = startCli(['server', ...args], { env });
  const m = await cli.waitForLine(/listening on ([^ ]+):(\d+)/);
  return { cli, host: m[1]!, port: Number(m[2]) };
}

test('P2PCI_PORT and P2PCI_HOST configure the server; a flag wins over its variable; a bad value is one line', { timeout: 30_000 }, async () => {
  const byEnv = await startServer({ P2PCI_PORT: '0', P2PCI_HOST: '127.0.0.1' });
  assert.equal(byEnv.host, '127.0.0.1');
  assert.deepEqual(await byEnv.cli.stop(), { code: 0, signal: null });
  const flagWins = await startServer({ P2PCI_PORT: '1', P2PCI_HOST: '0.0.0.0' }, ['--port', '0', '--host', '127.0.0.1']);
  assert.equal(flagWins.host, '127.0.0.1');
  assert.notEqual(flagWins.port, 1);
  assert.deepEqual(await flagWins.cli.stop(), { code: 0, signal: null });
  const bad = await runCli(['server'], 20_000, { env: { P2PCI_MAX_HEADERS: 'many' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: option '--max-headers <n>' value 'many' from env 'P2PCI_MAX_HEADERS' is invalid\. expected a whole number/);
});

test('--help shows each flag\'s variable, and the README lists exactly those', { timeout: 30_000 }, async () => {
  const shown = new Set<string>();
  for (const command of ['server', 'peer', 'lookup', 'list', 'get']) {
    const help = await runCli([command, '--help']);
    assert.equal(help.code, 0);
    const vars = [...help.stdout.matchAll(/env:\s+(P2PCI_\w+)\)/g)].map((m) => m[1]!);
    assert.ok(vars.length >= (command === 'server' ? 26 : command === 'peer' ? 12 : 2), `${command}: ${vars.join(' ')}`);
    for (const v of vars) shown.add(v);
  }
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration by environment variables'), readme.indexOf('\n## ', readme.indexOf('## Configuration by environment variables') + 5));
  const documented = new Set([...section.matchAll(/`(P2PCI_\w+)`/g)].map((m) => m[1]!));
  assert.deepEqual([...shown].filter((v) => !documented.has(v)), [], 'variables --help shows that the README does not list');
  assert.deepEqual([...documented].filter((v) => !shown.has(v)), [], 'variables the README lists that no flag has');
});

test('peer [server] without --dir shares ./rfc, created when missing; --upload-host binds that address only', { timeout: 30_000 }, async () => {
  const server = await startServer({}, ['--port', '0', '--host', '127.0.0.1']);
  const cwd = await tempDir();
  const peer = startCli(['peer', `127.0.0.1:${server.port}`, '--advertise-host', '127.0.0.1', '--upload-host', '127.0.0.2'], { cwd });
  await peer.waitForLine(/^folder \.\/rfc did not exist: created it \(empty\)/);
  const m = await peer.waitForLine(new RegExp(`^peer 127\\.0\\.0\\.1:(\\d+) sharing 0 RFCs from \\./rfc with index server 127\\.0\\.0\\.1:${server.port}$`));
  assert.ok((await stat(join(cwd, 'rfc'))).isDirectory());
  const uploadPort = Number(m[1]);
  (await connect(uploadPort, '127.0.0.2')).destroy();
  await assert.rejects(connect(uploadPort, '127.0.0.1'), /ECONNREFUSED/);
  peer.write('5\n');
  assert.deepEqual(await peer.exited, { code: 0, signal: null });

  // Second start: the folder is there now, and nothing is said about it.
  const again = startCli(['peer', '--server', `127.0.0.1:${server.port}`, '--advertise-host', '127.0.0.1'], { cwd, endStdin: true });
  assert.deepEqual(await again.exited, { code: 0, signal: null });
  assert.ok(!again.stdout().includes('did not exist'), again.stdout());
  assert.match(again.stdout(), /sharing 0 RFCs from \.\/rfc /);
  await server.cli.stop();
});

test('peer: the server twice is an error; a --dir or P2PCI_DIR that does not exist is not created', { timeout: 30_000 }, async () => {
  const both = await runCli(['peer', '127.0.0.1', '--server', '127.0.0.1:1']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /give the index server once/);
  const cwd = await tempDir();
  const missing = await runCli(['peer', '127.0.0.1:1'], 20_000, { cwd, env: { P2PCI_DIR: 'nope' } });
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'p2pci peer: folder nope does not exist\n');
  await assert.rejects(stat(join(cwd, 'nope')));
});

test('lookup and list start no upload server: their Port header is the asking connection\'s own port', { timeout: 30_000 }, async () => {
  // A stand-in index that records each request and the port it really came from.
  const seen: Array<{ request: string; remotePort: number }> = [];
  const sockets = new Set<Socket>();
  const fake = createServer((s) => {
    sockets.add(s);
    let text = '';
    s.on('data', (c: Buffer) => {
      text += c.toString();
      if (!/\r\n\r\n$/.test(text)) return;
      seen.push({ request: text, remotePort: s.remotePort! });
      s.write('P2P-CI/1.0 404 Not Found\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  const port = (fake.address() as { port: number }).port;
  try {
    const lookup = await runCli(['lookup', '791', '--upload-host', '127.0.0.1'], 20_000, { env: { P2PCI_SERVER: `127.0.0.1:${port}` } });
    assert.equal(lookup.code, 2, lookup.stderr);
    const list = await runCli(['list', '--server', `127.0.0.1:${port}`, '--advertise-host', 'asker.example']);
    assert.equal(list.code, 2, list.stderr);
    assert.equal(seen.length, 2);
    assert.match(seen[0]!.request, /^LOOKUP RFC 791 P2P-CI\/1\.0\r\nHost: 127\.0\.0\.1\r\n/);
    assert.match(seen[1]!.request, /^LIST ALL P2P-CI\/1\.0\r\nHost: asker\.example\r\n/);
    for (const { request, remotePort } of seen) assert.match(request, new RegExp(`\\r\\nPort: ${remotePort}\\r\\n`));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => fake.close(() => resolve()));
  }
});
