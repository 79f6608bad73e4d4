/**
 * Our client → their servers (DIALECTS.md): against scripted servers of B C D E F G H, our
 * index client completes ADD, LOOKUP, LIST and an absent LOOKUP, switching its bytes only on
 * the server's reactions (505, a garbled echo, mixed line ends, silence, a close), and the
 * next connection to the same server starts in what worked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexClient } from '../../src/peer/index-client.js';
import { startTheirServer } from '../helpers/dialects/their-servers.js';

const me = { host: '127.0.0.1', port: 5000 };
const T = 'Internet Protocol';
const spec = {
  add: `ADD RFC 791 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 5000\r\nTitle: ${T}\r\n\r\n`,
  lookup: (n: number, t: string) => `LOOKUP RFC ${n} P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 5000\r\nTitle: ${t}\r\n\r\n`,
  list: 'LIST ALL P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 5000\r\n\r\n',
};
const lf = (s: string) => s.replace(/\r\n/g, '\n');
const c = (s: string) => s.replace(/\r\n\r\n$/, '');
/** Without the empty line after the headers. */
const noBlank = (s: string) => s.replace(/\r\n\r\n$/, '\r\n');
const CONNECT = 'CONNECT 5000 P2P-CI/1.0\n';

/**
 * The bytes our client must have sent, per dialect: per connection of the first client (E and
 * F need a second one), then the first request of the next client.
 */
const SENT: Record<string, { first: string[]; again: string }> = {
  B: { first: [spec.add + spec.lookup(791, T) + spec.list + spec.lookup(9999, '')], again: spec.list },
  C: { first: [spec.add + c(spec.add) + c(spec.lookup(791, T)) + c(spec.list) + c(spec.lookup(9999, ''))], again: c(spec.list) },
  D: {
    first: [spec.add + lf(spec.add) + lf(spec.lookup(791, T)) + lf(spec.list) + 'LIST P2P-CI/1.0\nHost: 127.0.0.1\nPort: 5000\n\n' + lf(spec.lookup(9999, ''))],
    again: 'LIST P2P-CI/1.0\nHost: 127.0.0.1\nPort: 5000\n\n',
  },
  // 505 to CRLF, then the LF ADD closes the connection unanswered: CONNECT first on a new one.
  E: {
    first: [spec.add + lf(spec.add), CONNECT + lf(spec.add) + lf(spec.lookup(791, T)) + lf(spec.list) + lf(spec.lookup(9999, ''))],
    again: CONNECT + lf(spec.list),
  },
  // The ADD answer `…\r\n\n` shows F; our empty line already killed that connection's reader:
  // a new one without empty lines, where the ADD goes again.
  F: {
    first: [spec.add, noBlank(spec.add) + noBlank(spec.lookup(791, T)) + noBlank(spec.list) + noBlank(spec.lookup(9999, ''))],
    again: noBlank(spec.list),
  },
  G: { first: [`${spec.add}END\n${spec.lookup(791, T)}END\n${spec.list}END\n${spec.lookup(9999, '')}END\n`], again: `${spec.list}END\n` },
  H: { first: [spec.add + spec.lookup(791, T) + spec.list + spec.lookup(9999, '')], again: spec.list },
};
/** The title the server keeps (E cuts it to its first word). */
const KEPT: Record<string, string> = { E: 'Internet' };
/** The dialect our client names for the server (B and H take the spec's bytes as they are). */
const NAMED: Record<string, string> = { B: 'spec', H: 'spec' };

for (const id of ['B', 'C', 'D', 'E', 'F', 'G', 'H']) {
  test(`our client → their server ${id}: ADD, LOOKUP, LIST, absent LOOKUP; the next connection starts in what worked`, { timeout: 30_000 }, async () => {
    const srv = await startTheirServer(id);
    const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port }, reconnect: false });
    try {
      await client.connect();
      client.identity = me;
      assert.equal((await client.add(791, T)).status, 200);
      const found = await client.lookup(791);
      assert.equal(found.status, 200);
      const title = KEPT[id] ?? T;
      // (E keeps the record of the connection whose thread died: no cleanup on close.)
      assert.ok(found.records.length >= 1, JSON.stringify(found.records));
      for (const r of found.records) assert.deepEqual([r.rfc, r.title, r.host, r.port], [791, title, '127.0.0.1', 5000]);
      const all = await client.list();
      assert.equal(all.status, 200);
      assert.ok(all.records.some((r) => r.rfc === 791 && r.title === title && r.port === 5000), JSON.stringify(all.records));
      const absent = await client.lookup(9999);
      assert.equal(absent.records.length, 0);
      assert.equal(absent.status, id === 'B' ? 200 : 404, 'B never says 404');
      const first = SENT[id]!.first;
      assert.deepEqual(srv.received.slice(0, first.length).map((chunks) => chunks.join('')), first);
      assert.equal(client.serverDialect, NAMED[id] ?? id);
      await client.close();

      const next = new IndexClient({ server: { host: '127.0.0.1', port: srv.port }, reconnect: false });
      await next.connect();
      next.identity = me;
      assert.equal((await next.list()).status, 200);
      await next.close();
      assert.equal(next.serverDialect, NAMED[id] ?? id);
      assert.equal(srv.received[first.length]!.join(''), SENT[id]!.again);
      assert.equal(srv.received.length, first.length + 1, 'the next client needs no second connection');
    } finally {
      await client.close();
      await srv.close();
    }
  });
}

test('dialects off (--strict): D\'s 505 is the answer, no LF retry', { timeout: 10_000 }, async () => {
  const srv = await startTheirServer('D');
  const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port }, reconnect: false, dialects: false });
  try {
    await client.connect();
    client.identity = me;
    assert.equal((await client.add(791, T)).status, 505);
    assert.equal(srv.received[0]!.join(''), spec.add);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('dialects off (--strict): E gets the spec ADD only, its 505 is the answer; no CONNECT, no second connection', { timeout: 10_000 }, async () => {
  const srv = await startTheirServer('E');
  const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port }, reconnect: false, dialects: false });
  try {
    await client.connect();
    client.identity = me;
    assert.equal((await client.add(791, T)).status, 505);
    assert.deepEqual(srv.received.map((chunks) => chunks.join('')), [spec.add]);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('dialects off (--strict): F\'s answer is taken, the empty line stays and nothing is re-dialled', { timeout: 20_000 }, async () => {
  const srv = await startTheirServer('F');
  const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port }, reconnect: false, dialects: false, requestTimeoutMs: 1000 });
  try {
    await client.connect();
    client.identity = me;
    assert.equal((await client.add(791, T)).status, 200);
    // F's reader died on our empty line: the spec client gets no second answer.
    await assert.rejects(client.lookup(791), /unreachable/);
    assert.deepEqual(srv.received.map((chunks) => chunks.join('')), [spec.add + spec.lookup(791, T)]);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('a peer\'s long-lived client (reconnect on) learns E without a reconnect cycle: no disconnected event, ADD answered', { timeout: 10_000 }, async () => {
  const srv = await startTheirServer('E');
  const client = new IndexClient({ server: { host: '127.0.0.1', port: srv.port } });
  const events: string[] = [];
  client.on('disconnected', () => events.push('disconnected'));
  client.on('reconnecting', () => events.push('reconnecting'));
  try {
    await client.connect();
    client.identity = me;
    assert.equal((await client.add(791, T)).status, 200);
    assert.equal((await client.lookup(791)).status, 200);
    assert.deepEqual(events, []);
    assert.equal(srv.received.length, 2);
    assert.equal(client.serverDialect, 'E');
  } finally {
    await client.close();
    await srv.close();
  }
});
