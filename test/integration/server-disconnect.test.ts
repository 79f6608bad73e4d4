/**
 * §1 Leaving: when a peer's connection closes — FIN, RST, or the process dying — the server
 * removes that peer and every record it added, at once, as another connection's LIST shows.
 * §5: a record belongs to the connection that added it, even if two give the same Host/Port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server, Socket } from 'node:net';
import { encodeAdd, encodeList, encodeLookup, type RfcRecord } from '../../src/protocol/index.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { OwnerId, Store } from '../../src/index/store.js';
import type { DisconnectEvent } from '../../src/server/events.js';
import type { IndexServer } from '../../src/server/index-server.js';
import { connect, nextEvent, readUntil, responsesTo, startIndexServer, waitForClose } from '../helpers/net.js';

const OK = 'P2P-CI/1.0 200 OK\r\n\r\n';
const EMPTY_LIST = 'P2P-CI/1.0 200 OK\r\n\r\n\r\n';
const NOT_FOUND = 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n';

async function addAll(s: Socket, peer: { host: string; port: number }, rfcs: number[]): Promise<void> {
  s.write(rfcs.map((r) => encodeAdd(r, `Title ${r}`, peer)).join(''));
  await readUntil(s, responsesTo(...rfcs.map(() => 'ADD' as const)));
}

async function list(s: Socket): Promise<string> {
  s.write(encodeList({ host: 'observer', port: 1 }));
  return (await readUntil(s, responsesTo('LIST'))).toString();
}

function disconnected(server: IndexServer): Promise<DisconnectEvent> {
  return nextEvent<[DisconnectEvent]>(server, 'disconnect').then(([e]) => e);
}

test('FIN: a peer that closes cleanly takes its records with it; others keep theirs', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer();
  const leaver = await connect(srv.port);
  const stayer = await connect(srv.port);
  const observer = await connect(srv.port);
  try {
    await addAll(leaver, { host: 'leaver', port: 1111 }, [1, 2, 3]);
    await addAll(stayer, { host: 'stayer', port: 2222 }, [2]);
    assert.equal(await list(observer), OK + 'RFC 1 Title 1 leaver 1111\r\nRFC 2 Title 2 leaver 1111\r\nRFC 2 Title 2 stayer 2222\r\nRFC 3 Title 3 leaver 1111\r\n\r\n');
    const gone = disconnected(srv.server);
    leaver.end();
    const e = await gone;
    assert.equal(e.reason, 'end');
    assert.equal(e.recordsDropped, 3);
    assert.equal(e.host, 'leaver');
    assert.equal(e.port, 1111);
    assert.equal(await list(observer), OK + 'RFC 2 Title 2 stayer 2222\r\n\r\n');
    await waitForClose(leaver);
    assert.deepEqual(await srv.store.counts(), { peers: 1, records: 1 });
  } finally {
    for (const s of [leaver, stayer, observer]) s.destroy();
    await srv.close();
  }
});

test('RST: a peer whose connection is reset takes its records with it', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer();
  const crasher = await connect(srv.port);
  const observer = await connect(srv.port);
  try {
    await addAll(crasher, { host: 'crasher', port: 3333 }, [10, 11]);
    assert.equal(await list(observer), OK + 'RFC 10 Title 10 crasher 3333\r\nRFC 11 Title 11 crasher 3333\r\n\r\n');
    const gone = disconnected(srv.server);
    crasher.resetAndDestroy();
    const e = await gone;
    assert.equal(e.reason, 'reset');
    assert.equal(e.recordsDropped, 2);
    assert.equal(await list(observer), EMPTY_LIST);
    observer.write(encodeLookup(10, '', { host: 'observer', port: 1 }));
    assert.equal((await readUntil(observer, responsesTo('LOOKUP'))).toString(), NOT_FOUND);
  } finally {
    crasher.destroy();
    observer.destroy();
    await srv.close();
  }
});

test('a peer that closes right after its ADD (before reading the answer) leaves nothing behind', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer();
  const observer = await connect(srv.port);
  try {
    for (let i = 0; i < 20; i++) {
      const s = await connect(srv.port);
      const gone = disconnected(srv.server);
      s.end(encodeAdd(500 + i, 'quick', { host: 'quick', port: 4000 + i }));
      await gone;
      s.destroy();
    }
    assert.equal(await list(observer), EMPTY_LIST);
    assert.deepEqual(await srv.store.counts(), { peers: 0, records: 0 });
  } finally {
    observer.destroy();
    await srv.close();
  }
});

test('two connections registering the same Host/Port: each owns its records; both close; the server answers on', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer();
  const same = { host: 'twin.example', port: 7000 };
  const first = await connect(srv.port);
  const second = await connect(srv.port);
  const observer = await connect(srv.port);
  const lookup = async (rfc: number) => {
    observer.write(encodeLookup(rfc, '', { host: 'observer', port: 1 }));
    return (await readUntil(observer, responsesTo('LOOKUP'))).toString();
  };
  try {
    await addAll(first, same, [42, 43]);
    await addAll(second, same, [42]);
    assert.equal(await lookup(42), OK + 'RFC 42 Title 42 twin.example 7000\r\n'.repeat(2) + '\r\n');
    assert.deepEqual(await srv.store.counts(), { peers: 2, records: 3 });

    let gone = disconnected(srv.server);
    first.end();
    assert.equal((await gone).recordsDropped, 2);
    assert.equal(await lookup(42), OK + 'RFC 42 Title 42 twin.example 7000\r\n\r\n', 'the second connection keeps its own 42');
    assert.equal(await lookup(43), NOT_FOUND);

    gone = disconnected(srv.server);
    second.resetAndDestroy();
    assert.equal((await gone).recordsDropped, 1);
    assert.equal(await lookup(42), NOT_FOUND);
    assert.equal(await list(observer), EMPTY_LIST);

    // The server still answers, old and new connections alike.
    const fresh = await connect(srv.port);
    await addAll(fresh, same, [44]);
    assert.equal(await list(observer), OK + 'RFC 44 Title 44 twin.example 7000\r\n\r\n');
    fresh.destroy();
  } finally {
    for (const s of [first, second, observer]) s.destroy();
    await srv.close();
  }
});

test('the server shutting down closes every connection and exits its listen', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer();
  const a = await connect(srv.port);
  const b = await connect(srv.port);
  await addAll(a, { host: 'a', port: 1 }, [1]);
  await srv.close();
  await Promise.all([waitForClose(a), waitForClose(b)]);
  assert.equal(srv.server.connectionCount, 0);
  await assert.rejects(connect(srv.port, '127.0.0.1', 2000));
});

/** A memory store whose ADDs wait for `open()`: an asynchronous store (e.g. Redis) caught mid-write. */
class GatedStore implements Store {
  private readonly inner = new MemoryStore();
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  private addCalled!: () => void;
  readonly adding = new Promise<void>((resolve) => (this.addCalled = resolve));
  lastAdd: Promise<RfcRecord> | null = null;
  open(): void {
    this.release();
  }
  add(owner: OwnerId, record: RfcRecord): Promise<RfcRecord> {
    this.addCalled();
    this.lastAdd = this.gate.then(() => this.inner.add(owner, record));
    return this.lastAdd;
  }
  lookup(rfc: number) {
    return this.inner.lookup(rfc);
  }
  list(batchSize?: number) {
    return this.inner.list(batchSize);
  }
  dropOwner(owner: OwnerId) {
    return this.inner.dropOwner(owner);
  }
  ownerRecordCount(owner: OwnerId) {
    return this.inner.ownerRecordCount(owner);
  }
  counts() {
    return this.inner.counts();
  }
  close() {
    return this.inner.close();
  }
}

test('a peer that vanishes while an asynchronous store is still writing its ADD leaves no record behind', { timeout: 15_000 }, async () => {
  const store = new GatedStore();
  const srv = await startIndexServer({ store });
  // The server side of the connection, to know when the server has seen the reset.
  const listener = (srv.server as unknown as { server: Server }).server;
  const serverSide = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const peer = await connect(srv.port);
  try {
    const socketAtServer = await serverSide;
    const closedAtServer = new Promise<void>((resolve) => socketAtServer.once('close', () => resolve()));
    const gone = disconnected(srv.server);
    peer.write(encodeAdd(77, 'In flight', { host: 'vanisher', port: 9 }));
    await store.adding;
    peer.resetAndDestroy();
    await closedAtServer;
    store.open();
    await store.lastAdd;
    const e = await gone;
    assert.equal(e.recordsDropped, 1, 'the record that landed after the close was dropped with its peer');
    assert.deepEqual(await srv.store.counts(), { peers: 0, records: 0 });
  } finally {
    store.open();
    peer.destroy();
    await srv.close();
  }
});
