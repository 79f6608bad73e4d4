/**
 * Issue 11, defect 5: against a server that answers a re-ADD with an error status followed by
 * free text (dialect C: `400 Bad Request\r\nRFC already exists under your registration\n`),
 * the peer took the text for a broken answer, dropped the connection and, since the backoff
 * was reset on every connect, re-dialled about 7 times a second. An error status with extra
 * text is an answer; the backoff starts over only once a connection has proved healthy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { IndexClient } from '../../src/peer/index-client.js';
import { withTimeout } from '../helpers/net.js';

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, connections: () => n };
}

test('an error status followed by free text is an answer: the connection stays up and in step', { timeout: 10_000 }, async () => {
  const c = await listen((s) => s.on('data', () => s.write('400 Bad Request\r\nRFC already exists under your registration\n')));
  const client = new IndexClient({ server: { host: '127.0.0.1', port: c.port }, reconnect: false });
  try {
    await client.connect();
    let dropped = false;
    client.on('disconnected', () => (dropped = true));
    const first = await withTimeout(client.add(2, 't'), 3000, 'the ADD answer');
    assert.equal(first.status, 400);
    const second = await withTimeout(client.lookup(2), 3000, 'the LOOKUP answer');
    assert.equal(second.status, 400);
    assert.equal(dropped, false);
    assert.equal(c.connections(), 1);
  } finally {
    await client.close();
    c.server.close();
  }
});

test('a server that accepts and drops the peer at once is re-dialled with a growing backoff', { timeout: 10_000 }, async () => {
  const c = await listen((s) => s.destroy());
  const client = new IndexClient({ server: { host: '127.0.0.1', port: c.port }, backoff: { initialMs: 5, maxMs: 10_000, jitter: 0 } });
  const delays: number[] = [];
  try {
    const five = new Promise<void>((resolve) => {
      client.on('reconnecting', ({ delayMs }) => {
        delays.push(delayMs);
        if (delays.length === 5) resolve();
      });
    });
    await client.connect();
    await withTimeout(five, 5000, 'five reconnect attempts');
    assert.deepEqual(delays, [5, 10, 20, 40, 80]);
  } finally {
    await client.close();
    c.server.close();
  }
});
