/**
 * Issue 5: every server limit, crossed by one connection, costs that connection only — it
 * gets a 400 or a clean close — while a well-behaved peer keeps being answered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { encodeAdd, encodeList, encodeLookup } from '../../src/protocol/index.js';
import type { ServerLimits } from '../../src/server/options.js';
import { connect, containsText, endsWithText, readUntil, received, startIndexServer, waitForClose, type RunningIndexServer } from '../helpers/net.js';

const me = { host: 'good.example', port: 5001 };
const BAD_400 = 'P2P-CI/1.0 400 Bad Request\r\n\r\n\r\n';

async function withServer(limits: Partial<ServerLimits>, body: (srv: RunningIndexServer, good: Socket) => Promise<void>): Promise<void> {
  const srv = await startIndexServer({ limits });
  const good = await connect(srv.port);
  try {
    good.write(encodeAdd(791, 'Internet Protocol', me));
    await readUntil(good, endsWithText('good.example 5001\r\n\r\n'));
    await body(srv, good);
    await assertStillServed(good);
  } finally {
    good.destroy();
    await srv.close();
  }
}

function limitEvent(srv: RunningIndexServer, reason: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (e: { reason: string }) => {
      if (e.reason !== reason) return;
      srv.server.off('limit', on);
      resolve();
    };
    srv.server.on('limit', on);
  });
}

/** The well-behaved peer's LOOKUP still answers, promptly, with its record intact. */
async function assertStillServed(good: Socket): Promise<void> {
  const started = performance.now();
  good.write(encodeLookup(791, '', me));
  const answer = (await readUntil(good, endsWithText('5001\r\n\r\n'), 2000)).toString();
  assert.equal(answer, 'P2P-CI/1.0 200 OK\r\n\r\nRFC 791 Internet Protocol good.example 5001\r\n\r\n');
  const ms = performance.now() - started;
  console.log(`  well-behaved peer's LOOKUP after the abuse: ${ms.toFixed(2)} ms`);
}

test('over-long line: 400, then the same connection goes on', { timeout: 15_000 }, async () => {
  await withServer({ maxLineBytes: 256 }, async (srv) => {
    const bad = await connect(srv.port);
    bad.write(`LOOKUP RFC 1 P2P-CI/1.0\r\nTitle: ${'x'.repeat(1000)}\r\n\r\n`);
    assert.equal((await readUntil(bad, endsWithText('\r\n\r\n\r\n'))).toString(), BAD_400);
    bad.write(encodeList(me));
    assert.match((await readUntil(bad, containsText('5001\r\n\r\n'))).toString(), /^P2P-CI\/1.0 200 OK\r\n/);
    bad.destroy();
  });
});

test('too many headers, too large a request, too long a title: 400 each', { timeout: 15_000 }, async () => {
  await withServer({ maxHeaders: 4, maxRequestBytes: 600, maxTitleLength: 20 }, async (srv) => {
    const bad = await connect(srv.port);
    const extra = Array.from({ length: 6 }, (_, i) => `X-${i}: y\r\n`).join('');
    bad.write(`LIST ALL P2P-CI/1.0\r\n${extra}\r\n`);
    assert.equal((await readUntil(bad, endsWithText('\r\n\r\n\r\n'))).toString(), BAD_400);
    const big = Array.from({ length: 3 }, (_, i) => `X-${i}: ${'z'.repeat(250)}\r\n`).join('');
    bad.write(`LOOKUP RFC 1 P2P-CI/1.0\r\n${big}\r\n`);
    assert.equal((await readUntil(bad, endsWithText('\r\n\r\n\r\n'))).toString(), BAD_400);
    bad.write(encodeAdd(1, 'a title longer than twenty characters', { host: 'b', port: 9 }));
    assert.equal((await readUntil(bad, endsWithText('\r\n\r\n\r\n'))).toString(), BAD_400);
    bad.destroy();
  });
});

test('records per peer: the ADD over the limit is refused, the ones before it stay', { timeout: 15_000 }, async () => {
  await withServer({ maxRecordsPerPeer: 3 }, async (srv) => {
    const bad = await connect(srv.port);
    for (let rfc = 1; rfc <= 4; rfc++) bad.write(encodeAdd(rfc, 't', { host: 'hoarder', port: 9 }));
    const answers = (await readUntil(bad, containsText('P2P-CI/1.0', 4))).toString();
    assert.equal((answers.match(/200 OK/g) ?? []).length, 3);
    assert.ok(answers.endsWith(BAD_400), answers);
    assert.equal((await srv.server.store.counts()).records, 4); // 3 of the hoarder + the good peer's one
    bad.destroy();
  });
});

test('connections in total and per address: the extra one is closed at once, the others stay', { timeout: 15_000 }, async () => {
  await withServer({ maxConnections: 3 }, async (srv) => {
    const second = await connect(srv.port);
    const third = await connect(srv.port);
    const fourth = await connect(srv.port);
    await waitForClose(fourth);
    for (const s of [second, third]) {
      s.write(encodeList(me));
      await readUntil(s, endsWithText('5001\r\n\r\n'));
      s.destroy();
    }
  });
  await withServer({ maxConnectionsPerAddress: 2 }, async (srv) => {
    const second = await connect(srv.port);
    const third = await connect(srv.port);
    await waitForClose(third);
    second.write(encodeList(me));
    await readUntil(second, endsWithText('5001\r\n\r\n'));
    second.destroy();
  });
});

test('a request flood over the per-connection rate is throttled: answered at the rate, never queued', { timeout: 15_000 }, async () => {
  await withServer({ maxRequestsPerSecond: 200 }, async (srv) => {
    const flood = await connect(srv.port);
    const throttled = limitEvent(srv, 'rate-limit');
    const started = performance.now();
    flood.write(encodeLookup(791, '', me).repeat(2000));
    await throttled;
    // The burst (one second's worth) is answered at once; then about 200 a second.
    await readUntil(flood, containsText('200 OK', 300), 5000);
    const seconds = (performance.now() - started) / 1000;
    console.log(`  flood of 2000 pipelined LOOKUPs: 300 answered after ${seconds.toFixed(2)} s`);
    assert.ok(seconds >= 0.4, `answered faster than the rate allows (${seconds} s)`);
    assert.equal(flood.destroyed, false);
    assert.equal(srv.server.connectionCount, 2);
    flood.destroy();
  });
});

test('a connection sending nothing but garbage is closed after the consecutive-error limit', { timeout: 15_000 }, async () => {
  await withServer({ maxConsecutiveErrors: 5 }, async (srv) => {
    const junk = await connect(srv.port);
    const cut = limitEvent(srv, 'too-many-errors');
    junk.write('garbage\r\n'.repeat(50));
    await cut;
    await waitForClose(junk);
    assert.equal((received(junk).toString().match(/400 Bad Request/g) ?? []).length, 5);
    assert.equal(srv.server.connectionCount, 1);
  });
});

test('slowloris: a request dribbled one byte at a time is cut at the header timeout', { timeout: 15_000 }, async () => {
  await withServer({ headerTimeoutMs: 600 }, async (srv) => {
    const slow = await connect(srv.port);
    const text = encodeLookup(791, 'x'.repeat(200), me);
    let i = 0;
    // Pacing the attacker (one byte every 20 ms) is the point of this test, not a synchronization.
    const drip = setInterval(() => {
      if (!slow.destroyed && i < text.length) slow.write(text[i++]!);
    }, 20);
    const started = performance.now();
    try {
      await waitForClose(slow, 5000);
    } finally {
      clearInterval(drip);
    }
    const ms = performance.now() - started;
    console.log(`  slowloris connection closed after ${ms.toFixed(0)} ms, having sent ${i} of ${text.length} bytes`);
    assert.ok(i < text.length, 'the request must not have completed');
    assert.ok(ms >= 550, `closed too early (${ms} ms)`);
  });
});

test('identity: no connection can drop records in another connection\'s name', { timeout: 15_000 }, async () => {
  await withServer({}, async (srv) => {
    const impostor = await connect(srv.port);
    // Same Host/Port as the good peer, same RFC: a second, independent owner.
    impostor.write(encodeAdd(791, 'Internet Protocol', me));
    await readUntil(impostor, endsWithText('5001\r\n\r\n'));
    assert.equal((await srv.server.store.counts()).records, 2);
    impostor.resetAndDestroy();
    await waitForClose(impostor);
    const watcher = await connect(srv.port);
    for (let tries = 0; ; tries++) {
      watcher.write(encodeLookup(791, '', me));
      const answer = (await readUntil(watcher, endsWithText('\r\n\r\n'))).toString();
      const holders = (answer.match(/^RFC 791 /gm) ?? []).length;
      if (holders === 1) break;
      assert.ok(tries < 50, `impostor's record never went: ${answer}`);
      await new Promise((r) => setImmediate(r));
    }
    watcher.destroy();
  });
});
