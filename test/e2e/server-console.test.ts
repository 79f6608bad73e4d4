/**
 * The server's console when stdout stops taking lines (a pipe nobody reads, a terminal
 * scrolled back): the server keeps answering, drops the lines that don't fit and counts
 * them, and says how many once stdout flows again. (`npm run build` first.)
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAdd, encodeLookup } from '../../src/protocol/index.js';
import { killAllClis, startCli } from '../helpers/cli.js';
import { connect, readUntil } from '../helpers/net.js';

after(killAllClis);

const me = { host: 'thishost.example.org', port: 5678 };
const OK = 'P2P-CI/1.0 200 OK\r\n\r\nRFC 123 A Proferred Official ICP thishost.example.org 5678\r\n\r\n';
const LOOKUPS = 30_000; // ~3.3 MB of log lines: far more than the pipe (64 KiB) and the 1 MiB the server queues

test('stdout nobody reads: every request is answered, lines beyond the bound are dropped and counted, the count is shown', { timeout: 60_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--status-interval', '100', '--max-requests-per-second', '0']);
  try {
    const port = Number((await cli.waitForLine(/listening on 127\.0\.0\.1:(\d+)$/))[1]);
    cli.child.stdout!.pause(); // from now on nobody reads the server's stdout
    const s = await connect(port);
    s.write(encodeAdd(123, 'A Proferred Official ICP', me));
    await readUntil(s, (b) => b.length >= OK.length);
    const lookup = encodeLookup(123, 'A Proferred Official ICP', me);
    for (let sent = 0; sent < LOOKUPS; sent += 1000) s.write(lookup.repeat(1000));
    const answers = await readUntil(s, (b) => b.length >= LOOKUPS * OK.length, 30_000);
    assert.equal(answers.length, LOOKUPS * OK.length, 'every LOOKUP answered while stdout was blocked');
    assert.equal(answers.subarray(0, OK.length).toString(), OK);

    cli.child.stdout!.resume(); // the reader is back
    const dropped = Number((await cli.waitForLine(/WARN (\d+) log lines dropped: stdout was not keeping up$/, 10_000))[1]);
    const logged = cli.stdoutLines.filter((l) => / LOOKUP RFC 123 from thishost\.example\.org:5678 -> 200 OK /.test(l)).length;
    assert.ok(dropped > 0 && logged < LOOKUPS, `dropped ${dropped}, logged ${logged}`);
    assert.ok(logged + dropped >= LOOKUPS, `every LOOKUP line is either written or counted (logged ${logged}, dropped ${dropped})`);
    // The status line (printed after a change) carries the running count too.
    s.write(lookup);
    const status = await cli.waitForLine(/status: 1 connections, 1 peers, 1 records; (\d+) log lines dropped$/, 10_000);
    assert.ok(Number(status[1]) >= dropped);
    s.destroy();
    assert.deepEqual(await cli.stop('SIGTERM'), { code: 0, signal: null });
    assert.ok(cli.stdoutLines.some((l) => /SIGTERM: shutting down$/.test(l)), 'the last line is flushed on the way out');
  } finally {
    cli.kill();
  }
});

test('SIGHUP (the terminal closed): the buffered lines are written and the server exits 0', { timeout: 30_000 }, async () => {
  const cli = startCli(['server', '--port', '0', '--host', '127.0.0.1', '--status-interval', '0']);
  try {
    const port = Number((await cli.waitForLine(/listening on 127\.0\.0\.1:(\d+)$/))[1]);
    const s = await connect(port);
    s.write(encodeLookup(42, 'x', me));
    await readUntil(s, (b) => b.includes('\r\n\r\n'));
    // Stopped at once: the request's line may still be in the buffer, and must not be lost.
    assert.deepEqual(await cli.stop('SIGHUP'), { code: 0, signal: null });
    assert.ok(cli.stdoutLines.some((l) => / LOOKUP RFC 42 from thishost\.example\.org:5678 -> 404 Not Found /.test(l)), cli.stdout());
    assert.ok(cli.stdoutLines.some((l) => /SIGHUP: shutting down$/.test(l)));
    s.destroy();
  } finally {
    cli.kill();
  }
});
