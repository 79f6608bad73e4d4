/**
 * End to end: the built CLI `p2pci server` as a real child process, driven over a socket,
 * stopped by a signal, exit code checked. (`npm test` builds first; when running this file
 * alone, `npm run build` first.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { encodeAdd, encodeLookup } from '../../src/protocol/index.js';
import { killAllClis, runCli, startCli } from '../helpers/cli.js';
import { connect, readUntil, responsesTo, waitForClose } from '../helpers/net.js';

after(killAllClis);

const me = { host: 'thishost.example.org', port: 5678 };
const OK_ADD = 'P2P-CI/1.0 200 OK\r\n\r\nRFC 123 A Proferred Official ICP thishost.example.org 5678\r\n\r\n';

test('p2pci server --port 0: prints its port, answers ADD and LOOKUP, logs each request, exits 0 on SIGTERM', { timeout: 30_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--status-interval', '100']);
  try {
    const port = Number((await cli.waitForLine(/index server listening on 127\.0\.0\.1:(\d+)$/))[1]);
    assert.ok(port > 0 && port < 65536);
    const s = await connect(port);
    await cli.waitForLine(/peer connected from 127\.0\.0\.1:\d+ \(1 connected\)/);
    s.write(encodeAdd(123, 'A Proferred Official ICP', me));
    assert.equal((await readUntil(s, responsesTo('ADD'))).toString(), OK_ADD);
    s.write(encodeLookup(123, 'A Proferred Official ICP', me) + encodeLookup(999, '', me));
    assert.equal((await readUntil(s, responsesTo('LOOKUP', 'LOOKUP'))).toString(), OK_ADD + 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n');

    // One readable line per request: method, RFC, peer host:port, status, time taken.
    await cli.waitForLine(/ADD RFC 123 from thishost\.example\.org:5678 -> 200 OK \(1 records, \d+\.\d\d ms\)$/);
    await cli.waitForLine(/LOOKUP RFC 123 from thishost\.example\.org:5678 -> 200 OK \(1 records, \d+\.\d\d ms\)$/);
    await cli.waitForLine(/LOOKUP RFC 999 from thishost\.example\.org:5678 -> 404 Not Found \(0 records, \d+\.\d\d ms\)$/);
    // And its status: connections, peers, records.
    await cli.waitForLine(/status: 1 connections, 1 peers, 1 records$/);

    const exit = await cli.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(cli.stdoutLines.some((l) => /SIGTERM: shutting down$/.test(l)));
    await waitForClose(s); // open connections are closed by the shutdown
    assert.equal(cli.stderr(), '');
  } finally {
    cli.kill();
  }
});

test('SIGINT (Ctrl-C) also shuts the server down with exit code 0', { timeout: 30_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1']);
  try {
    await cli.waitForLine(/listening on 127\.0\.0\.1:\d+$/);
    assert.deepEqual(await cli.stop('SIGINT'), { code: 0, signal: null });
  } finally {
    cli.kill();
  }
});

test('--log-format json: every line is a JSON object; requests carry method, rfc, status', { timeout: 30_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json']);
  try {
    const first = await cli.waitForLine(/^\{.*listening on/);
    const listening = JSON.parse(first.input!) as { port: number; host: string; msg: string; level: number; time: string };
    assert.equal(listening.host, '127.0.0.1');
    assert.ok(listening.port > 0);
    assert.ok(!Number.isNaN(Date.parse(listening.time)));
    const s = await connect(listening.port);
    s.write(encodeAdd(123, 'A Proferred Official ICP', me));
    assert.equal((await readUntil(s, responsesTo('ADD'))).toString(), OK_ADD);
    const line = await cli.waitForLine(/"event":"request"/);
    const req = JSON.parse(line.input!) as Record<string, unknown>;
    assert.equal(req.method, 'ADD');
    assert.equal(req.rfc, 123);
    assert.equal(req.status, 200);
    assert.equal(req.host, 'thishost.example.org');
    assert.equal(req.port, 5678);
    assert.equal(typeof req.durationMs, 'number');
    s.destroy();
    await cli.waitForLine(/"event":"disconnect"/);
    assert.deepEqual(await cli.stop('SIGTERM'), { code: 0, signal: null });
    for (const l of cli.stdoutLines.filter((x) => x.trim() !== '')) {
      assert.doesNotThrow(() => JSON.parse(l), `not JSON: ${l}`);
    }
  } finally {
    cli.kill();
  }
});

test('bad flags: a one-line error naming the problem and a non-zero exit', { timeout: 30_000 }, async () => {
  for (const args of [
    ['server', '--port', 'abc'],
    ['server', '--port', '70000'],
    ['server', '--log-format', 'xml'],
    ['server', '--max-line-bytes', '-5'],
  ]) {
    const r = await runCli(args);
    assert.notEqual(r.code, 0, `${args.join(' ')} exited 0`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    // The error itself is one line; commander may add a "(run with --help for usage)" hint.
    assert.match(lines[0]!, /^error: option .*(--port|--log-format|--max-line-bytes).*(abc|70000|xml|-5)/, r.stderr);
    assert.ok(lines.length <= 2 && lines.slice(1).every((l) => /--help/.test(l)), `more than a one-line error:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('a port already in use: one-line error, exit 1', { timeout: 30_000 }, async () => {
  const first = startCli(['server', '--port', '0', '--host', '127.0.0.1']);
  try {
    const port = (await first.waitForLine(/listening on 127\.0\.0\.1:(\d+)$/))[1]!;
    const second = await runCli(['server', '--port', port, '--host', '127.0.0.1']);
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `p2pci server: cannot listen on 127.0.0.1:${port}: port ${port} is already in use\n`);
    assert.deepEqual(await first.stop(), { code: 0, signal: null });
  } finally {
    first.kill();
  }
});

test('the README documents every numeric server flag with the default the CLI really has', { timeout: 30_000 }, async () => {
  const help = await runCli(['server', '--help']);
  assert.equal(help.code, 0);
  // One entry per option; commander wraps long descriptions onto indented lines.
  const entries: string[] = [];
  for (const line of help.stdout.split('\n')) {
    if (/^ {2}(-\w, )?--[\w-]+/.test(line)) entries.push(line.trim());
    else if (/^ {6,}\S/.test(line) && entries.length > 0) entries[entries.length - 1] += ' ' + line.trim();
  }
  const numeric = new Map<string, string>();
  for (const e of entries) {
    const m = /^(?:-\w, )?(--[\w-]+) <(?:n|ms)>.*\(default: (\d+)(?:, env: \w+)?\)$/.exec(e);
    if (m) numeric.set(m[1]!, m[2]!);
  }
  assert.ok(numeric.size >= 14, `found only ${numeric.size} numeric flags in --help`);
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const documented = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `(?:-\w, )?(--[\w-]+)(?: <[^>]+>)?` \| `([^`]*)` \|/gm)) documented.set(m[1]!, m[2]!);
  for (const [flag, value] of numeric) {
    assert.equal(documented.get(flag), value, `README table row for ${flag} should show default ${value}`);
  }
});
