/**
 * LIST ALL streamed over a real socket (issue 14, part 2): a big LIST, byte-identical to the
 * spec encoder's answer, is in flight while another peer's LOOKUP is answered, and the server
 * holds back (backpressure) rather than queueing the whole answer for a reader that paused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { encodeList, encodeLookup, encodeRecord, encodeResponseStart, RESPONSE_END } from '../../src/protocol/index.js';
import type { PeerConnection } from '../../src/server/connection.js';
import { connect, readUntil, responsesTo, startIndexServer, withTimeout } from '../helpers/net.js';

/** 300k records (~30 MB of answer): far more than the kernel's socket buffers hold. */
const PEERS = 300;
const RFCS = 1000;
const titleOf = (rfc: number) => (rfc % 3 === 0 ? `Überlegungen zum Protokoll ${rfc} — 日本語` : `Request for Comments number ${rfc}`);

/** Reads `length` bytes into one buffer (no concat per chunk: 30 MB would cost gigabytes of copying). */
function readBytes(socket: Socket, length: number, timeoutMs: number): Promise<Buffer> {
  return withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      const out = Buffer.alloc(length);
      let got = 0;
      socket.on('data', (chunk: Buffer) => {
        if (got + chunk.length > length) return reject(new Error(`more than ${length} bytes: ${JSON.stringify(chunk.toString('latin1').slice(-200))}`));
        chunk.copy(out, got);
        got += chunk.length;
        if (got === length) resolve(out);
      });
      socket.on('close', () => reject(new Error(`closed after ${got} of ${length} bytes`)));
      socket.resume();
    }),
    timeoutMs,
    `${length} LIST bytes`,
  );
}

function serverSideOf(peers: Iterable<PeerConnection>, client: Socket): PeerConnection {
  for (const p of peers) if (p.remote === `127.0.0.1:${client.localPort}`) return p;
  throw new Error(`no server connection for client port ${client.localPort}`);
}

test('a LIST of 300k records streams byte-identical to the spec encoder while another peer is answered', { timeout: 60_000 }, async () => {
  const srv = await startIndexServer();
  const lister = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect({ port: srv.port, host: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const other = await connect(srv.port);
  try {
    // Owners that are no connection of this server: their records stay for the whole test.
    for (let p = 0; p < PEERS; p++) {
      for (let k = 0; k < RFCS; k++) {
        const rfc = (p * 7 + k) % (RFCS * 3);
        srv.store.add(`loader-${p}`, { rfc, title: titleOf(rfc), host: `peer${p}.example`, port: 5000 + p });
      }
    }
    const records = [...(srv.store.list(1000) as Iterable<import('../../src/protocol/index.js').RfcRecord[]>)].flat();
    assert.equal(records.length, PEERS * RFCS);
    const expected = Buffer.from(encodeResponseStart(200) + records.map(encodeRecord).join('') + RESPONSE_END, 'utf8');

    // The lister asks and does not read yet.
    lister.pause();
    lister.write(encodeList({ host: 'lister.example', port: 1 }));
    const atServer = await withTimeout(
      (async () => {
        for (;;) {
          const conn = [...srv.server.peers()].find((p) => p.remote === `127.0.0.1:${lister.localPort}`);
          if (conn !== undefined && conn.bytesSent > 0) return conn;
          await new Promise((r) => setImmediate(r));
        }
      })(),
      10_000,
      'the LIST to start',
    );
    // Another peer's LOOKUP is answered while the LIST is in flight.
    other.write(encodeLookup(3, '', { host: 'other.example', port: 2 }));
    const lookup = (await readUntil(other, responsesTo('LOOKUP'), 10_000)).toString('utf8');
    assert.ok(lookup.startsWith('P2P-CI/1.0 200 OK\r\n\r\nRFC 3 Überlegungen zum Protokoll 3 — 日本語 peer0.example 5000\r\n'), lookup.slice(0, 200));
    assert.equal(serverSideOf(srv.server.peers(), lister), atServer);
    assert.ok(atServer.bytesSent < expected.length, `the whole LIST (${atServer.bytesSent} bytes) left before the LOOKUP was answered`);
    // Backpressure: once the kernel's buffers are full the LIST waits, with little queued here.
    // Each LOOKUP round trip is a turn of the server's loop; settled = two without a LIST byte.
    let sent = -1;
    let still = 0;
    for (let round = 0; round < 500 && still < 2; round++) {
      other.write(encodeLookup(2, '', { host: 'other.example', port: 2 }));
      await readUntil(other, responsesTo('LOOKUP'), 10_000);
      still = atServer.bytesSent === sent ? still + 1 : 0;
      sent = atServer.bytesSent;
    }
    assert.equal(still, 2, `the LIST kept going to a reader that doesn't read (${atServer.bytesSent} bytes)`);
    assert.ok(atServer.bytesSent < expected.length, `the whole LIST (${atServer.bytesSent} bytes) was queued for a reader that doesn't read`);
    assert.ok(atServer.pendingOutputBytes <= srv.server.limits.maxPendingOutputBytes + 64 * 1024, `${atServer.pendingOutputBytes} bytes queued`);

    const got = await readBytes(lister, expected.length, 30_000);
    assert.ok(got.equals(expected), 'LIST bytes differ from encodeRecord');
    // The same connection is served again afterwards: the answer ended where it should.
    lister.removeAllListeners('data');
    lister.write(encodeLookup(1, '', { host: 'lister.example', port: 1 }));
    assert.match((await readUntil(lister, responsesTo('LOOKUP'), 10_000)).toString('utf8'), /^P2P-CI\/1\.0 200 OK\r\n\r\nRFC 1 /);
  } finally {
    lister.destroy();
    other.destroy();
    await srv.close();
  }
});
