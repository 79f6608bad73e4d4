/**
 * ADDs answered 400 are tried again while the peer runs (src/peer/refused-adds.ts): a
 * Redis-backed index answers every request 400 while Redis is down, and the connection stays
 * up, so without a new try the RFC would never be registered. Found by the soak (issue 17).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { encodeIndexResponse } from '../../src/protocol/index.js';
import { IndexClient } from '../../src/peer/index-client.js';
import { withTimeout } from '../helpers/net.js';

/** An index that answers each ADD with `answer(rfc, nth ADD of it)`, one answer per request (requests end with an empty line). */
async function scriptedIndex(answer: (rfc: number, nth: number) => 200 | 400): Promise<{ server: Server; port: number; adds: number[] }> {
  const adds: number[] = [];
  const server = createServer((s) => {
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
        const req = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const rfc = Number(/^ADD RFC (\d+) /.exec(req)?.[1]);
        adds.push(rfc);
        const status = answer(rfc, adds.filter((r) => r === rfc).length);
        s.write(encodeIndexResponse(status, status === 200 ? [{ rfc, title: 't', host: 'h', port: 1 }] : []));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, adds };
}

test('an ADD answered 400 is sent again with backoff until it is answered 200', { timeout: 10_000 }, async () => {
  const index = await scriptedIndex((_rfc, nth) => (nth <= 2 ? 400 : 200));
  const client = new IndexClient({ server: { host: '127.0.0.1', port: index.port }, refusedAddBackoff: { initialMs: 5, maxMs: 20, jitter: 0 } });
  try {
    await client.connect();
    const retried = new Promise<number[]>((resolve) => client.on('retriedAdds', ({ registered }) => registered.length > 0 && resolve(registered)));
    assert.equal((await client.add(7, 't')).status, 400);
    assert.equal(client.refusedAddCount, 1);
    assert.deepEqual(await withTimeout(retried, 5000, 'the ADD registered on a later try'), [7]);
    assert.deepEqual(index.adds, [7, 7, 7]);
    assert.equal(client.refusedAddCount, 0);
    assert.equal(client.registrations.get(7), 't');
  } finally {
    await client.close();
    index.server.close();
  }
});

test('a repeat ADD refused after the same connection accepted it is not tried again', { timeout: 10_000 }, async () => {
  // Dialect C refuses a second ADD of an RFC on one connection: nothing is lost, nothing to retry.
  const index = await scriptedIndex((_rfc, nth) => (nth === 1 ? 200 : 400));
  const client = new IndexClient({ server: { host: '127.0.0.1', port: index.port }, refusedAddBackoff: { initialMs: 5, maxMs: 20, jitter: 0 } });
  try {
    await client.connect();
    assert.equal((await client.add(3, 't')).status, 200);
    assert.equal((await client.add(3, 't')).status, 400);
    assert.equal(client.refusedAddCount, 0, 'no new try pending');
    assert.deepEqual(index.adds, [3, 3]);
  } finally {
    await client.close();
    index.server.close();
  }
});
