import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { LogWriter, type LogSink } from '../../src/observe/log-writer.js';
import { attachConsoleLog } from '../../src/observe/console-log.js';
import type { IndexServer } from '../../src/server/index-server.js';
import type { RequestEvent } from '../../src/server/events.js';

/** A destination that takes at most `room` bytes until given more; what it took, as text. */
function fakeSink(room: number) {
  const sink = {
    room,
    taken: '',
    writes: 0,
    closed: false,
    write(data: Buffer) {
      const n = Math.min(sink.room, data.length);
      sink.room -= n;
      if (n > 0) sink.writes++;
      sink.taken += data.subarray(0, n).toString('utf8');
      return n;
    },
    close() {
      sink.closed = true;
    },
  };
  return sink satisfies LogSink;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

test('LogWriter: lines wait in memory and go out together in one write per flush', { timeout: 5000 }, () => {
  const sink = fakeSink(Infinity);
  const w = new LogWriter(sink, { flushIntervalMs: 60_000 });
  for (let i = 0; i < 100; i++) w.line(`line ${i}`);
  assert.equal(sink.writes, 0, 'nothing written before the flush');
  w.flush();
  assert.equal(sink.writes, 1);
  assert.deepEqual(lines(sink.taken), Array.from({ length: 100 }, (_, i) => `line ${i}`));
  w.close();
  assert.equal(sink.closed, true);
});

test('LogWriter: a flush timer writes pending lines without being asked', { timeout: 5000 }, async () => {
  const sink = fakeSink(Infinity);
  const w = new LogWriter(sink, { flushIntervalMs: 10 });
  w.line('by the timer');
  const started = Date.now();
  while (sink.taken === '' && Date.now() - started < 4000) await new Promise((r) => setImmediate(r));
  assert.equal(sink.taken, 'by the timer\n');
  w.close();
});

test('LogWriter: a destination that takes nothing makes it drop and count lines beyond the bound, then say so once it flows', { timeout: 5000 }, () => {
  const sink = fakeSink(0);
  const w = new LogWriter(sink, { flushIntervalMs: 60_000, maxPendingBytes: 1000, dropNotice: (n) => `DROPPED ${n}` });
  for (let i = 0; i < 1000; i++) {
    w.line(`request ${String(i).padStart(4, '0')}`); // 12 characters + newline
    if (i % 50 === 0) w.flush(); // the destination is asked again and again, and takes nothing
  }
  assert.equal(sink.taken, '');
  const kept = Math.ceil(1000 / 13);
  assert.equal(w.dropped, 1000 - kept, 'lines beyond 1000 pending bytes are dropped, not queued');
  sink.room = Infinity; // the reader is back
  w.flush();
  w.flush(); // the notice comes once what was pending is out
  const got = lines(sink.taken);
  assert.equal(got.length, kept + 1);
  assert.equal(got[0], 'request 0000');
  assert.equal(got.at(-1), `DROPPED ${1000 - kept}`);
  w.close();
});

test('LogWriter: full says when a line would be dropped, and drop() counts one unbuilt line in the notice', { timeout: 5000 }, () => {
  const sink = fakeSink(0);
  const w = new LogWriter(sink, { flushIntervalMs: 60_000, maxPendingBytes: 26, dropNotice: (n) => `DROPPED ${n}` });
  assert.equal(w.full, false);
  w.line('request 0001'); // 13 bytes pending
  assert.equal(w.full, false);
  w.line('request 0002'); // 26: the bound
  assert.equal(w.full, true);
  w.drop();
  w.drop();
  assert.equal(w.dropped, 2);
  sink.room = Infinity;
  w.flush();
  assert.equal(w.full, false, 'room again once the pending lines are out');
  w.flush();
  assert.deepEqual(lines(sink.taken), ['request 0001', 'request 0002', 'DROPPED 2']);
  w.close();
  assert.equal(w.full, true, 'a closed writer takes nothing');
});

test('LogWriter: a partial write keeps the rest for the next flush, byte for byte', { timeout: 5000 }, () => {
  const sink = fakeSink(5);
  const w = new LogWriter(sink, { flushIntervalMs: 60_000 });
  w.line('héllo wörld');
  w.flush();
  sink.room = Infinity;
  w.line('second');
  w.flush();
  assert.equal(sink.taken, 'héllo wörld\nsecond\n');
  w.close();
});

test('LogWriter: close writes what it can and counts the rest as dropped', { timeout: 5000 }, () => {
  const sink = fakeSink(6);
  const w = new LogWriter(sink, { flushIntervalMs: 60_000 });
  w.line('first');
  w.line('second');
  w.line('third');
  w.close();
  assert.equal(sink.taken, 'first\n');
  assert.equal(w.dropped, 2);
  w.line('after close');
  assert.equal(w.dropped, 2, 'nothing is taken after close');
});

function fakeServer() {
  const server = new EventEmitter() as EventEmitter & { store: unknown; connectionCount: number };
  server.store = { counts: async () => ({ peers: 0, records: 0 }) };
  server.connectionCount = 0;
  return server;
}

const event: RequestEvent = {
  connectionId: 'c7', remote: '127.0.0.1:40000', method: 'LOOKUP', rfc: 123, host: 'peer.example', port: 5678,
  status: 200, records: 1, completion: 'blank-line', durationMs: 0.125, bytesIn: 80, dialect: 'spec',
};

test('JSON request lines: the same fields pino writes, valid JSON even when the Host header holds quotes and backslashes', { timeout: 5000 }, () => {
  const out: string[] = [];
  const server = fakeServer();
  const detach = attachConsoleLog(server as unknown as IndexServer, { format: 'json', requests: true, statusIntervalMs: 0, write: (l) => out.push(l) });
  server.emit('request', event);
  server.emit('request', { ...event, host: 'evil"host\\\n', errorCode: 'BAD_RFC_NUMBER', status: 400, method: null, rfc: null });
  detach();
  const [a, b] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(a!), ['level', 'time', 'event', 'connectionId', 'remote', 'method', 'rfc', 'host', 'port', 'status', 'records', 'completion', 'durationMs', 'bytesIn', 'dialect', 'msg']);
  assert.equal(a!.level, 30);
  assert.ok(!Number.isNaN(Date.parse(a!.time as string)));
  assert.equal(a!.msg, 'LOOKUP RFC 123 from peer.example:5678 -> 200 OK (1 records, 0.13 ms)');
  assert.equal(b!.host, 'evil"host\\\n');
  assert.equal(b!.method, null);
  assert.equal(b!.errorCode, 'BAD_RFC_NUMBER');
  assert.match(b!.msg as string, /^\(unparsable request\) from evil"host\\\n:5678 -> 400 /);
});
