/**
 * Backpressure (issue 3, part 4): a peer that asks for LIST after LIST of a big index and
 * never reads its answers must not grow the server's memory. The server stops reading from
 * it while its output is backed up; everybody else keeps being answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { encodeAdd, encodeList, encodeLookup } from '../../src/protocol/index.js';
import type { PeerConnection } from '../../src/server/connection.js';
import { connect, containsText, nextEvent, readUntil, responsesTo, startIndexServer } from '../helpers/net.js';

const RECORDS = 20_000;
const TITLE = 'A title long enough that each record line is about one hundred bytes on the wire';
const loaderPeer = { host: 'loader.example', port: 5001 };

async function loadIndex(s: Socket): Promise<void> {
  const batch = 2000;
  for (let start = 0; start < RECORDS; start += batch) {
    let bytes = '';
    for (let rfc = start; rfc < start + batch; rfc++) bytes += encodeAdd(rfc, TITLE, loaderPeer);
    s.write(bytes);
    await readUntil(s, containsText('loader.example 5001\r\n\r\n', batch), 20_000);
  }
}

function serverSideOf(peers: Iterable<PeerConnection>, client: Socket): PeerConnection {
  for (const p of peers) if (p.remote === `127.0.0.1:${client.localPort}`) return p;
  throw new Error(`no server connection for client port ${client.localPort}`);
}

/** A full exchange of a well-behaved peer: a LOOKUP and the whole big LIST, read completely. */
async function wellBehavedExchange(s: Socket): Promise<void> {
  s.write(encodeLookup(7, '', { host: 'good', port: 2 }));
  assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), `P2P-CI/1.0 200 OK\r\n\r\nRFC 7 ${TITLE} loader.example 5001\r\n\r\n`);
  s.write(encodeList({ host: 'good', port: 2 }));
  const list = (await readUntil(s, containsText('\r\n\r\n', 2), 20_000)).toString();
  assert.equal(list.split('\r\n').filter((l) => l.startsWith('RFC ')).length, RECORDS);
}

test('a peer flooding LISTs without reading is throttled by backpressure; others are served', { timeout: 60_000 }, async () => {
  const srv = await startIndexServer();
  const maxPending = srv.server.limits.maxPendingOutputBytes;
  const loader = await connect(srv.port);
  const flooder = await connect(srv.port);
  const good = await connect(srv.port);
  try {
    await loadIndex(loader);
    const listBytes = RECORDS * (TITLE.length + 32);
    // The flooder never reads. It writes LISTs until its own socket backs up, which can only
    // happen once the server has stopped reading from it (and the kernel buffers are full).
    const chunk = encodeList({ host: 'flooder', port: 3 }).repeat(1000);
    let written = 0;
    let blocked = false;
    for (let i = 0; i < 4000 && !blocked; i++) {
      blocked = !flooder.write(chunk);
      written += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(blocked, `the flooder wrote ${written} bytes without ever being backed up`);

    const atServer = serverSideOf(srv.server.peers(), flooder);
    const bound = maxPending + 128 * 1024;
    // Serve the others while the kernel buffers towards the flooder fill up, until a whole
    // exchange passes with the server neither reading from it nor sending to it.
    let prev = { read: atServer.bytesReceived, sent: atServer.bytesSent };
    let settled = false;
    for (let round = 0; round < 20 && !settled; round++) {
      await wellBehavedExchange(good);
      // At every point, at most one backpressure window plus one batch of answers is held.
      assert.ok(atServer.pendingOutputBytes <= bound, `${atServer.pendingOutputBytes} answer bytes queued for the flooder`);
      const now = { read: atServer.bytesReceived, sent: atServer.bytesSent };
      settled = now.read === prev.read && now.sent === prev.sent;
      prev = now;
    }
    assert.ok(settled, `the server kept reading from / writing to a peer that does not read (read ${prev.read}, sent ${prev.sent})`);
    const readBefore = prev.read;
    const sentBefore = prev.sent;
    await wellBehavedExchange(good);
    assert.equal(atServer.bytesReceived, readBefore);
    assert.equal(atServer.bytesSent, sentBefore);
    assert.ok(readBefore < written, `server read ${readBefore} of ${written} bytes`);
    // Only a few LIST answers have gone out, not one per request read.
    const requestsRead = Math.floor(readBefore / (chunk.length / 1000));
    const answersOut = sentBefore / listBytes;
    assert.ok(answersOut < requestsRead, `${answersOut.toFixed(1)} answers sent for ${requestsRead} requests read`);
    console.log(`  flooder: wrote ${written} B, server read ${readBefore} B (${requestsRead} LISTs), sent ${sentBefore} B (~${answersOut.toFixed(1)} answers), ${atServer.pendingOutputBytes} B queued`);

    // The flooder goes away: its connection is cleaned up, the server still serves.
    const gone = nextEvent(srv.server, 'disconnect', 10_000);
    flooder.destroy();
    await gone;
    assert.equal(srv.server.connectionCount, 2);
    await wellBehavedExchange(good);
  } finally {
    for (const s of [loader, flooder, good]) s.destroy();
    await srv.close();
  }
});
