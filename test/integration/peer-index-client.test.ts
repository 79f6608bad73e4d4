import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IndexServer } from '../../src/server/index-server.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import { Peer } from '../../src/peer/peer.js';
import { IndexClient, IndexUnreachableError } from '../../src/peer/index-client.js';
import { nextEvent, startIndexServer, withTimeout } from '../helpers/net.js';

const RFCS = fileURLToPath(new URL('../fixtures/rfcs/', import.meta.url));

test('index server restarted: the peer reconnects with backoff and re-registers every RFC', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'p2pci-reconnect-'));
  for (const n of [3, 20, 33]) await copyFile(join(RFCS, `rfc${n}.txt`), join(dir, `rfc${n}.txt`));
  const first = await startIndexServer();
  const port = first.port;
  let second: IndexServer | null = null;
  const peer = await Peer.start({
    dir, server: { host: '127.0.0.1', port }, uploadHost: '127.0.0.1', advertiseHost: '127.0.0.1',
    index: { backoff: { initialMs: 40, maxMs: 320, jitter: 0.5 } },
  });
  const observer = new IndexClient({ server: { host: '127.0.0.1', port }, reconnect: false });
  try {
    assert.deepEqual((await peer.registerFolder()).added, [3, 20, 33]);
    const delays: number[] = [];
    peer.index.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
    const lost = nextEvent(peer.index, 'disconnected');
    await first.close();
    await lost;

    // Offline: requests fail at once with a clear error instead of hanging.
    const t0 = performance.now();
    const err = await peer.lookup(3).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof IndexUnreachableError, String(err));
    assert.match(err.message, new RegExp(`^index server 127\\.0\\.0\\.1:${port} unreachable \\(.+\\); reconnecting in the background$`));
    assert.ok(performance.now() - t0 < 100);
    // An ADD while offline is refused now but kept, and sent with the re-registration.
    const offlineAdd = await peer.index.add(99, 'Added While Offline').then(() => null, (e: unknown) => e);
    assert.ok(offlineAdd instanceof IndexUnreachableError);
    assert.match(offlineAdd.message, /RFC 99 will be registered when it is back$/);

    // Let a few attempts fail so the backoff shows, then bring a fresh, empty server up on the same port.
    while (delays.length < 4) await nextEvent(peer.index, 'reconnecting', 5000);
    second = new IndexServer({ store: new MemoryStore() });
    const back = nextEvent<[{ count: number; failed: number }]>(peer.index, 'reregistered', 10_000);
    await second.listen(port, '127.0.0.1');
    const [done] = await back;
    assert.deepEqual(done, { count: 4, failed: 0 });
    // Each step doubles (before jitter takes up to half of it away), capped at 320 ms.
    delays.slice(0, 4).forEach((d, i) => assert.ok(d >= (40 * 2 ** i) / 2 && d <= Math.min(320, 40 * 2 ** i), `attempt ${i}: ${d} ms`));

    await observer.connect();
    observer.identity = { host: 'observer', port: 1 };
    const found = await observer.lookup(20);
    assert.equal(found.status, 200);
    assert.deepEqual(found.records.map((r) => `${r.host}:${r.port}`), [`127.0.0.1:${peer.identity.port}`]);
    assert.deepEqual((await observer.list()).records.map((r) => r.rfc).sort((x, y) => x - y), [3, 20, 33, 99]);
    assert.equal((await peer.lookup(33)).status, 200);
  } finally {
    await observer.close();
    await peer.shutdown();
    await first.close();
    await second?.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a peer that cannot reach the index at start gets a one-line error', { timeout: 10_000 }, async () => {
  const srv = await startIndexServer();
  const port = srv.port;
  await srv.close();
  const err = await withTimeout(Peer.start({ dir: RFCS, server: { host: '127.0.0.1', port }, uploadHost: '127.0.0.1' }).then(() => null, (e: unknown) => e), 5000, 'start');
  assert.ok(err instanceof IndexUnreachableError);
  assert.equal(err.message, `index server 127.0.0.1:${port} unreachable (connection refused)`);
});

test('pipelined requests are answered in order over the one connection', { timeout: 10_000 }, async () => {
  const srv = await startIndexServer();
  const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port } });
  try {
    await client.connect();
    client.identity = { host: 'h', port: 5000 };
    const answers = await Promise.all([client.add(1, 'One'), client.lookup(2), client.add(2, 'Two'), client.lookup(2), client.list()]);
    assert.deepEqual(answers.map((a) => a.status), [200, 404, 200, 200, 200]);
    assert.deepEqual(answers[4]!.records.map((r) => r.rfc).sort(), [1, 2]);
    assert.deepEqual([...client.registrations.keys()], [1, 2]);
  } finally {
    await client.close();
    await srv.close();
  }
});
