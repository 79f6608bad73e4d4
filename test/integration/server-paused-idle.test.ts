/**
 * A request cut by a read boundary is not "idle" while the server itself has stopped reading
 * the connection (bulk lane, backpressure, rate limit): the rest of it may be waiting in the
 * kernel. Found by the bench's join of 1,000 peers × 1,000 ADDs with distinct titles: under
 * load the idle clock ran out for a peer waiting its turn in the bulk lane, its partial Title
 * line was taken as complete (the title lost its last characters) and the rest became a 400.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { encodeAdd, encodeIndexResponse } from '../../src/protocol/index.js';
import { startIndexServer } from '../helpers/net.js';

const PEERS = 400;
const ADDS = 600;

function traffic(peer: number): { requests: Buffer; answers: Buffer } {
  const from = { host: `peer${peer}.example`, port: 10_000 + peer };
  let requests = '';
  let answers = '';
  for (let k = 0; k < ADDS; k++) {
    const rfc = 1_000_000 + peer * 1_000 + k;
    const title = `A title long enough to cross read boundaries, number ${rfc}`;
    requests += encodeAdd(rfc, title, from);
    answers += encodeIndexResponse(200, [{ rfc, title, ...from }]);
  }
  return { requests: Buffer.from(requests), answers: Buffer.from(answers) };
}

test('a burst of pipelined ADDs waiting in the bulk lane: every answer exact, though the idle clock is 1 ms', { timeout: 60_000 }, async () => {
  // 400 peers each pipelining 600 ADDs (~100 KB) all go to the bulk lane; with a 1 ms idle
  // completion a peer waiting its turn there, its chunk ending mid-line, is held far longer
  // than the idle time. Before the fix 38–56 of the 400 got a cut title and a 400.
  const srv = await startIndexServer({ limits: { idleCompletionMs: 1, maxConnectionsPerAddress: 0, maxRequestsPerSecond: 0 } });
  const sockets: ReturnType<typeof netConnect>[] = [];
  try {
    const peers = Array.from({ length: PEERS }, (_, i) => traffic(i));
    const results = await Promise.all(peers.map((p) => new Promise<string>((resolve) => {
      const s = netConnect({ port: srv.port, host: '127.0.0.1' });
      sockets.push(s);
      const got: Buffer[] = [];
      let n = 0;
      s.on('connect', () => s.write(p.requests));
      s.on('data', (c: Buffer) => {
        got.push(c);
        n += c.length;
        if (n >= p.answers.length) resolve(Buffer.concat(got).equals(p.answers) ? 'exact' : firstDifference(Buffer.concat(got), p.answers));
      });
      s.on('close', () => resolve(n >= p.answers.length ? 'exact' : `closed after ${n} of ${p.answers.length} bytes`));
      s.on('error', () => {});
    })));
    const wrong = results.filter((r) => r !== 'exact');
    assert.deepEqual(wrong, [], `${wrong.length} of ${PEERS} peers got other answers; first: ${wrong[0]}`);
    assert.equal((await srv.store.counts()).records, PEERS * ADDS);
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
});

function firstDifference(got: Buffer, want: Buffer): string {
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  return `differs at byte ${i}: got ${JSON.stringify(got.subarray(i, i + 80).toString())}`;
}
