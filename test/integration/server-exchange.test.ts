/**
 * The index server over real sockets (127.0.0.1, port 0): ADD / LOOKUP / LIST exchanges in
 * the spec's CRLF form and in the LF-only dialect without empty lines, pipelined requests,
 * dribbled requests, 404 and empty LIST. Answers are checked byte for byte (§2).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAdd, encodeList, encodeLookup } from '../../src/protocol/index.js';
import { connect, dribble, readUntil, responsesTo, startIndexServer, waitForClose, withTimeout, type RunningIndexServer } from '../helpers/net.js';

const me = { host: 'thishost.example.org', port: 5678 };
const other = { host: 'otherhost.example.org', port: 6001 };
const REC_ME = 'RFC 123 A Proferred Official ICP thishost.example.org 5678\r\n';
const REC_OTHER = 'RFC 123 A Proferred Official ICP otherhost.example.org 6001\r\n';
const OK = 'P2P-CI/1.0 200 OK\r\n\r\n';
const NOT_FOUND = 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n';
const EMPTY_LIST = 'P2P-CI/1.0 200 OK\r\n\r\n\r\n';

async function withServer(body: (srv: RunningIndexServer) => Promise<void>): Promise<void> {
  const srv = await startIndexServer();
  try {
    await body(srv);
  } finally {
    await srv.close();
  }
}

test('CRLF: ADD echoes its record, LOOKUP lists every holder, LIST the whole index', { timeout: 15_000 }, async () => {
  await withServer(async ({ port }) => {
    const a = await connect(port);
    const b = await connect(port);
    try {
      a.write(encodeAdd(123, 'A Proferred Official ICP', me));
      assert.equal((await readUntil(a, responsesTo('ADD'))).toString(), OK + REC_ME + '\r\n');
      b.write(encodeAdd(123, 'A Proferred Official ICP', other));
      assert.equal((await readUntil(b, responsesTo('ADD'))).toString(), OK + REC_OTHER + '\r\n');
      a.write(encodeAdd(2, 'Host software', me));
      assert.equal((await readUntil(a, responsesTo('ADD'))).toString(), OK + 'RFC 2 Host software thishost.example.org 5678\r\n\r\n');
      // Adding the same (RFC, peer) again: one record kept, 200 again.
      a.write(encodeAdd(123, 'A Proferred Official ICP', me));
      assert.equal((await readUntil(a, responsesTo('ADD'))).toString(), OK + REC_ME + '\r\n');

      b.write(encodeLookup(123, 'A Proferred Official ICP', other));
      assert.equal((await readUntil(b, responsesTo('LOOKUP'))).toString(), OK + REC_ME + REC_OTHER + '\r\n');
      b.write(encodeList(other));
      assert.equal((await readUntil(b, responsesTo('LIST'))).toString(), OK + REC_ME + REC_OTHER + 'RFC 2 Host software thishost.example.org 5678\r\n\r\n');
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});

test('404 on a LOOKUP nobody can answer; 200 with no records on an empty LIST', { timeout: 15_000 }, async () => {
  await withServer(async ({ port }) => {
    const s = await connect(port);
    try {
      s.write(encodeList(me));
      assert.equal((await readUntil(s, responsesTo('LIST'))).toString(), EMPTY_LIST);
      s.write(encodeLookup(3457, 'Requirements for IPsec Remote Access Scenarios', me));
      assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), NOT_FOUND);
    } finally {
      s.destroy();
    }
  });
});

test('LF-only dialect with no empty lines at all: every request answered at once', { timeout: 15_000 }, async () => {
  await withServer(async ({ port, server }) => {
    const s = await connect(port);
    const completions: Array<string | undefined> = [];
    server.on('request', (e) => completions.push(e.completion));
    try {
      s.write('ADD RFC 123 P2P-CI/1.0\nHost: thishost.example.org\nPort: 5678\nTitle: A Proferred Official ICP\n');
      assert.equal((await readUntil(s, responsesTo('ADD'))).toString(), OK + REC_ME + '\r\n');
      s.write('LOOKUP RFC 123 P2P-CI/1.0\nHost: thishost.example.org\nPort: 5678\nTitle: whatever\n');
      assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), OK + REC_ME + '\r\n');
      s.write('LIST ALL P2P-CI/1.0\nHost: thishost.example.org\nPost: 5678\n');
      assert.equal((await readUntil(s, responsesTo('LIST'))).toString(), OK + REC_ME + '\r\n');
      // Answered because every header had arrived, not because the server waited for idleness.
      assert.deepEqual(completions, ['all-headers', 'all-headers', 'all-headers']);
    } finally {
      s.destroy();
    }
  });
});

test('a LOOKUP without Title and without empty line is answered after the idle gap', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer({ limits: { idleCompletionMs: 100 } });
  const s = await connect(srv.port);
  try {
    s.write('LOOKUP RFC 9 P2P-CI/1.0\nHost: h\nPort: 1\n');
    const started = performance.now();
    assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), NOT_FOUND);
    assert.ok(performance.now() - started >= 90, 'not before the idle time');
  } finally {
    s.destroy();
    await srv.close();
  }
});

test('a client that never ends its last line: each request answered after the idle gap, none swallowed', { timeout: 15_000 }, async () => {
  const srv = await startIndexServer({ limits: { idleCompletionMs: 100 } });
  const s = await connect(srv.port);
  try {
    // Lines joined with CRLF, nothing after the last header (a common client shape).
    s.write('ADD RFC 123 P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678\r\nTitle: A Proferred Official ICP');
    assert.equal((await readUntil(s, responsesTo('ADD'))).toString(), OK + REC_ME + '\r\n', 'the title on the unterminated line is kept');
    s.write('LOOKUP RFC 123 P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678\r\nTitle: A Proferred Official ICP');
    assert.equal((await readUntil(s, responsesTo('LOOKUP'))).toString(), OK + REC_ME + '\r\n');
    s.write('LIST ALL P2P-CI/1.0\r\nHost: thishost.example.org\r\nPort: 5678');
    assert.equal((await readUntil(s, responsesTo('LIST'))).toString(), OK + REC_ME + '\r\n');
  } finally {
    s.destroy();
    await srv.close();
  }
});

test('pipelined: two requests in one write are answered in order', { timeout: 15_000 }, async () => {
  await withServer(async ({ port }) => {
    const s = await connect(port);
    try {
      s.write(encodeAdd(123, 'A Proferred Official ICP', me) + encodeLookup(123, '', me));
      assert.equal((await readUntil(s, responsesTo('ADD', 'LOOKUP'))).toString(), OK + REC_ME + '\r\n' + OK + REC_ME + '\r\n');
      s.write(encodeLookup(1, '', me) + encodeList(me) + encodeLookup(123, '', me));
      assert.equal((await readUntil(s, responsesTo('LOOKUP', 'LIST', 'LOOKUP'))).toString(), NOT_FOUND + OK + REC_ME + '\r\n' + OK + REC_ME + '\r\n');
    } finally {
      s.destroy();
    }
  });
});

test('a request dribbled 1–4 bytes at a time is answered once, correctly', { timeout: 30_000 }, async () => {
  await withServer(async ({ port, server }) => {
    const s = await connect(port);
    let requests = 0;
    server.on('request', () => requests++);
    try {
      const pieces = await dribble(s, encodeAdd(123, 'A Proferred Official ICP', me) + encodeList(me), 1, 4, 7);
      assert.ok(pieces > 30, `sent in ${pieces} pieces`);
      assert.equal((await readUntil(s, responsesTo('ADD', 'LIST'))).toString(), OK + REC_ME + '\r\n' + OK + REC_ME + '\r\n');
      assert.equal(requests, 2);
    } finally {
      s.destroy();
    }
  });
});

test('many pipelined requests then a half-close: every one answered in order, then the server closes', { timeout: 30_000 }, async () => {
  await withServer(async ({ port, server }) => {
    const s = await connect(port);
    try {
      // More than one fairness turn (maxRequestsPerTurn) of requests, all in one write, then FIN;
      // the last one without its line end.
      const n = 300;
      let bytes = '';
      let expected = '';
      for (let rfc = 1; rfc <= n; rfc++) {
        bytes += encodeAdd(rfc, `T${rfc}`, me);
        expected += `${OK}RFC ${rfc} T${rfc} thishost.example.org 5678\r\n\r\n`;
      }
      bytes += 'LOOKUP RFC 300 P2P-CI/1.0\r\nHost: h\r\nPort: 1\r\nTitle: x';
      expected += `${OK}RFC 300 T300 thishost.example.org 5678\r\n\r\n`;
      s.end(bytes);
      const got = await readUntil(s, responsesTo(...Array<'ADD'>(n).fill('ADD'), 'LOOKUP'));
      assert.equal(got.toString(), expected);
      await waitForClose(s);
      // The peer has left: its records went with it.
      await withTimeout(new Promise<void>((resolve) => (server.connectionCount === 0 ? resolve() : server.once('disconnect', () => resolve()))), 5000, 'disconnect');
      assert.deepEqual(await server.store.counts(), { peers: 0, records: 0 });
    } finally {
      s.destroy();
    }
  });
});

test('requests with unknown headers, tabs and odd case are answered like clean ones', { timeout: 15_000 }, async () => {
  await withServer(async ({ port }) => {
    const s = await connect(port);
    try {
      s.write('add\trfc  123   p2p-ci/1.0\r\nX-Client: mine\r\nhost:   thishost.example.org \r\nPORT:5678\r\ntitle:\tA Proferred Official ICP\t\r\n\r\n');
      assert.equal((await readUntil(s, responsesTo('ADD'))).toString(), OK + REC_ME + '\r\n');
    } finally {
      s.destroy();
    }
  });
});
