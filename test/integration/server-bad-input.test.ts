/**
 * Bad input (issue 3): each malformed request is answered 400 or 505 exactly as §4 shows,
 * the same connection goes on serving, and another connection notices nothing.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { encodeAdd, encodeList, encodeLookup } from '../../src/protocol/index.js';
import type { RequestEvent } from '../../src/server/events.js';
import { connect, nextEvent, readUntil, received, responsesTo, startIndexServer, waitForClose, writeAll, type RunningIndexServer } from '../helpers/net.js';

const BAD = 'P2P-CI/1.0 400 Bad Request\r\n\r\n\r\n';
const VERSION = 'P2P-CI/1.0 505 P2P-CI Version Not Supported\r\n\r\n\r\n';
const OK = 'P2P-CI/1.0 200 OK\r\n\r\n';
const bystanderPeer = { host: 'bystander.example', port: 5001 };
const BYSTANDER_REC = 'RFC 791 Internet Protocol bystander.example 5001\r\n';

let srv: RunningIndexServer;
let bystander: Socket;
const errors: RequestEvent[] = [];

before(async () => {
  srv = await startIndexServer();
  srv.server.on('request', (e) => {
    if (e.errorCode !== undefined) errors.push(e);
  });
  bystander = await connect(srv.port);
  bystander.write(encodeAdd(791, 'Internet Protocol', bystanderPeer));
  assert.equal((await readUntil(bystander, responsesTo('ADD'))).toString(), OK + BYSTANDER_REC + '\r\n');
}, { timeout: 10_000 });

after(async () => {
  bystander.destroy();
  await srv.close();
}, { timeout: 10_000 });

/** Sends `bad`, expects exactly `answers`, then checks this connection and the bystander still work. */
async function refuses(bad: string | Buffer, answers: string[], code?: string): Promise<void> {
  const s = await connect(srv.port);
  try {
    const before = errors.length;
    s.write(bad);
    const got = (await readUntil(s, responsesTo(...answers.map(() => 'LOOKUP' as const)))).toString();
    assert.equal(got, answers.join(''));
    if (code !== undefined) assert.equal(errors[before]?.errorCode, code);
    // The same connection goes on: a LOOKUP is answered correctly right after.
    s.write(encodeLookup(791, 'Internet Protocol', { host: 'me', port: 1 }));
    assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), OK + BYSTANDER_REC + '\r\n');
    // Another connection noticed nothing.
    bystander.write(encodeList(bystanderPeer));
    assert.equal((await readUntil(bystander, responsesTo('LIST'))).toString(), OK + BYSTANDER_REC + '\r\n');
  } finally {
    s.destroy();
  }
}

test('garbage lines: one 400 per line', { timeout: 10_000 }, async () => {
  await refuses('hello there\r\nthis is no protocol\nat all\r\n', [BAD, BAD, BAD], 'UNKNOWN_METHOD');
});

test('binary bytes: 400, and a request after them is answered', { timeout: 10_000 }, async () => {
  await refuses(Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x01, 0x7f, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a]), [BAD], 'BINARY_INPUT');
});

test('two binary lines in a row: two 400s, then the connection is closed and the rest it sent is not read', { timeout: 10_000 }, async () => {
  const s = await connect(srv.port);
  try {
    const before = errors.length;
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x01, 0x7f, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a]);
    // A valid LOOKUP after them: never answered, the connection is gone by then.
    s.write(Buffer.concat([binary, binary, Buffer.from(encodeLookup(791, '', { host: 'me', port: 1 }))]));
    await waitForClose(s);
    assert.equal(received(s).toString(), BAD + BAD);
    assert.deepEqual(errors.slice(before).map((e) => e.errorCode), ['BINARY_INPUT', 'BINARY_INPUT']);
  } finally {
    s.destroy();
  }
  bystander.write(encodeList(bystanderPeer));
  assert.equal((await readUntil(bystander, responsesTo('LIST'))).toString(), OK + BYSTANDER_REC + '\r\n');
});

test('a line of plain text that is no request: 400, and the connection goes on', { timeout: 10_000 }, async () => {
  await refuses('\u00e9t\u00e9 RFC 1 P2P-CI/1.0 \t\r\n', [BAD], 'UNKNOWN_METHOD');
});

test('unknown method: 400 (its header lines are not answered separately)', { timeout: 10_000 }, async () => {
  await refuses('REMOVE RFC 791 P2P-CI/1.0\r\nHost: me\r\nPort: 1\r\nTitle: x\r\n\r\n', [BAD], 'UNKNOWN_METHOD');
});

test('P2P-CI/2.0: 505', { timeout: 10_000 }, async () => {
  await refuses('LOOKUP RFC 791 P2P-CI/2.0\r\nHost: me\r\nPort: 1\r\nTitle: x\r\n\r\n', [VERSION], 'VERSION_NOT_SUPPORTED');
});

test('non-numeric RFC number: 400', { timeout: 10_000 }, async () => {
  await refuses('ADD RFC seven P2P-CI/1.0\r\nHost: me\r\nPort: 1\r\nTitle: x\r\n\r\n', [BAD], 'BAD_RFC_NUMBER');
});

test('negative RFC number: 400, and nothing is stored', { timeout: 10_000 }, async () => {
  await refuses('ADD RFC -791 P2P-CI/1.0\r\nHost: me\r\nPort: 1\r\nTitle: x\r\n\r\n', [BAD], 'BAD_RFC_NUMBER');
  assert.equal((await srv.store.counts()).records, 1);
});

test('port out of range: 400 for 0, 65536 and 99999999', { timeout: 10_000 }, async () => {
  const add = (port: string) => `ADD RFC 1 P2P-CI/1.0\r\nHost: me\r\nPort: ${port}\r\nTitle: x\r\n\r\n`;
  await refuses(add('0') + add('65536') + add('99999999'), [BAD, BAD, BAD], 'BAD_PORT');
  assert.equal((await srv.store.counts()).records, 1);
});

test('missing Host on ADD: 400', { timeout: 10_000 }, async () => {
  await refuses('ADD RFC 1 P2P-CI/1.0\r\nPort: 1\r\nTitle: x\r\n\r\n', [BAD], 'MISSING_HEADER');
});

test('over-long line: 400, its bytes discarded', { timeout: 10_000 }, async () => {
  await refuses(`ADD RFC 1 P2P-CI/1.0\r\nHost: me\r\nPort: 1\r\nTitle: ${'x'.repeat(100_000)}\r\n\r\n`, [BAD], 'LINE_TOO_LONG');
  assert.equal((await srv.store.counts()).records, 1);
});

test('too many headers: 400', { timeout: 10_000 }, async () => {
  const headers = Array.from({ length: 40 }, (_, i) => `X-Header-${i}: ${i}\r\n`).join('');
  await refuses(`LIST ALL P2P-CI/1.0\r\n${headers}Host: me\r\nPort: 1\r\n\r\n`, [BAD], 'TOO_MANY_HEADERS');
});

test('malformed request lines and headers: 400 each', { timeout: 10_000 }, async () => {
  await refuses(
    'LIST P2P-CI/1.0\r\nHost: me\r\n\r\n' + // no ALL
      'LOOKUP RFC 1\r\nHost: me\r\n\r\n' + // no version
      'ADD RFC 1 P2P-CI/1.0\r\nHost: two words\r\nPort: 1\r\nTitle: x\r\n\r\n' + // Host is one word
      'ADD RFC 1 P2P-CI/1.0\r\nHost: me\r\nPort = 1\r\nTitle: x\r\n\r\n', // not a header line
    [BAD, BAD, BAD, BAD],
    'MALFORMED_REQUEST_LINE',
  );
});

test('a bad request in the middle of a pipeline costs only itself', { timeout: 10_000 }, async () => {
  const s = await connect(srv.port);
  try {
    s.write(encodeLookup(791, '', { host: 'me', port: 1 }) + 'LOOKUP RFC x P2P-CI/1.0\r\nHost: me\r\nPort: 1\r\nTitle: t\r\n\r\n' + encodeLookup(791, '', { host: 'me', port: 1 }));
    assert.equal((await readUntil(s, responsesTo('LOOKUP', 'LOOKUP', 'LOOKUP'))).toString(), OK + BYSTANDER_REC + '\r\n' + BAD + OK + BYSTANDER_REC + '\r\n');
  } finally {
    s.destroy();
  }
});

test('60 connections of random and mutated bytes, closed or reset: the server answers on, keeps only real records', { timeout: 30_000 }, async () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const valid = encodeAdd(5, 'Mutated', { host: 'mut', port: 7 }) + encodeList({ host: 'mut', port: 7 });
  const serverErrors: Error[] = [];
  srv.server.on('error', (e) => serverErrors.push(e));
  for (let i = 0; i < 60; i++) {
    let bytes: Buffer;
    if (i % 2 === 0) {
      bytes = Buffer.from(Array.from({ length: 1 + rand(3000) }, () => (rand(8) === 0 ? 10 : rand(256))));
    } else {
      const arr = [...Buffer.from(valid)];
      for (let m = 0; m < 1 + rand(5); m++) arr[rand(arr.length)] = rand(256);
      bytes = Buffer.from(arr);
    }
    const s = await connect(srv.port);
    const gone = nextEvent(srv.server, 'disconnect');
    for (let at = 0; at < bytes.length; ) {
      const n = 1 + rand(700);
      await writeAll(s, bytes.subarray(at, at + n));
      at += n;
    }
    if (i % 3 === 0) s.resetAndDestroy();
    else s.end();
    await gone;
    await waitForClose(s);
  }
  // Whatever got stored by a mutated-but-valid ADD went with its connection.
  assert.deepEqual(await srv.store.counts(), { peers: 1, records: 1 });
  assert.equal(srv.server.connectionCount, 1);
  assert.deepEqual(serverErrors, []);
  bystander.write(encodeList(bystanderPeer));
  assert.equal((await readUntil(bystander, responsesTo('LIST'))).toString(), OK + BYSTANDER_REC + '\r\n');
});
