/**
 * Issue 11, defect 6: `p2pci lookup N` exited 0 when a server that never says 404 (dialect B)
 * answered 200 with no records. No records is "none": exit 2, as the help says. `list` with no
 * records is a successful answer (exit 0).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { killAllClis, runCli } from '../helpers/cli.js';

after(killAllClis);

test('lookup: 200 with no records (dialect B) exits 2; list with no records exits 0', { timeout: 30_000 }, async () => {
  // Dialect B's server: CRLF, no empty lines, and "200 OK" with nothing for an absent RFC.
  const server = createServer((s) => {
    s.on('error', () => {});
    s.on('data', () => s.write('P2P-CI/1.0 200 OK\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const lookup = await runCli(['lookup', '123', '--server', addr, '--json']);
    assert.equal(lookup.code, 2, lookup.stderr);
    assert.deepEqual(JSON.parse(lookup.stdout), { status: 200, phrase: 'OK', records: [], dialect: 'spec' });
    const list = await runCli(['list', '--server', addr]);
    assert.equal(list.code, 0, list.stderr);
  } finally {
    server.close();
  }
});
