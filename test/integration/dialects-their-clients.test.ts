/**
 * Their clients → our server (DIALECTS.md, first row of the last table): every dialect whose
 * client can be answered in a shape it reads gets ADD, LOOKUP, LIST and an absent LOOKUP,
 * byte for byte, and its own reader (a scripted copy of the real one) reads the records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { connect, dribble, readUntil, startIndexServer, withTimeout, writeAll } from '../helpers/net.js';
import { attachConsoleLog } from '../../src/observe/console-log.js';
import { startDashboard } from '../../src/observe/http-dashboard.js';
import type { StatsSnapshot } from '../../src/observe/stats-types.js';
import { THEIR_CLIENTS, type TheirClient } from '../helpers/dialects/their-clients.js';
import type { RequestEvent } from '../../src/server/events.js';

const me = { host: '127.0.0.1', port: 5000 };
const TITLE = 'Internet Protocol';

/** The layouts each dialect's client reads (the expectations, written out, not computed). */
const LAYOUT: Record<string, { start: (status: string) => string; rec: string; end: string; after?: string }> = {
  spec: { start: (s) => `P2P-CI/1.0 ${s}\r\n\r\n`, rec: `RFC 791 ${TITLE} 127.0.0.1 5000\r\n`, end: '\r\n' },
  F: { start: (s) => `P2P-CI/1.0 ${s}\r\n`, rec: `791 ${TITLE} 127.0.0.1 5000\r\n`, end: '\r\n' },
  G: { start: (s) => `P2P-CI/1.0 ${s}\r\n\r\n`, rec: `RFC 791 ${TITLE} 127.0.0.1 5000\r\n`, end: '\r\n', after: 'END\n' },
  H: { start: (s) => `P2P-CI/1.0 ${s}\r\n`, rec: `RFC 791 ${TITLE} 127.0.0.1 5000\r\n`, end: '\r\n' },
  I: { start: (s) => `P2P-CI-v1.0.0 ${s}\n\n`, rec: `RFC 791 ${TITLE} 127.0.0.1 5000\n`, end: '\n' },
};

async function ask(s: Socket, client: TheirClient, bytes: string): Promise<string> {
  // G writes a few bytes per TCP segment.
  if (client.id === 'G') await dribble(s, bytes + client.after!, 1, 5);
  else await writeAll(s, bytes + (client.after ?? ''));
  return (await readUntil(s, (b) => client.complete(b.toString('latin1')), 4000)).toString('latin1');
}

for (const id of ['A', 'B', 'C', 'E', 'F', 'G', 'H', 'I']) {
  test(`their client ${id} → our server: ADD, LOOKUP, LIST, absent LOOKUP in the shape it reads`, { timeout: 20_000 }, async () => {
    const client = THEIR_CLIENTS[id]!;
    const layout = LAYOUT[id] ?? LAYOUT.spec!;
    const answer = (status: string, records: number) => layout.start(status) + layout.rec.repeat(records) + layout.end + (layout.after ?? '');
    const srv = await startIndexServer();
    const events: RequestEvent[] = [];
    srv.server.on('request', (e) => events.push(e));
    const s = await connect(srv.port);
    try {
      if (client.hello) await writeAll(s, client.hello(me));
      const add = await ask(s, client, client.add(791, TITLE, me));
      assert.equal(add, answer('200 OK', 1), 'ADD answer');
      assert.deepEqual(client.read(add).records.map((r) => r.rfc), [791]);
      const found = await ask(s, client, client.lookup(791, TITLE, me));
      assert.equal(found, answer('200 OK', 1), 'LOOKUP answer');
      assert.equal(client.read(found).records.length, 1);
      const all = await ask(s, client, client.list(me));
      assert.equal(all, answer('200 OK', 1), 'LIST answer');
      assert.deepEqual(client.read(all).records.map((r) => r.rest), [`${TITLE} 127.0.0.1 5000`]);
      const absent = await ask(s, client, client.lookup(9999, 'None', me));
      assert.equal(absent, answer('404 Not Found', 0), 'absent LOOKUP answer');
      assert.equal(client.read(absent).status, 404);
      // G's first request looks like D's until its END line arrives, after the answer went out
      // (in a layout both read; the END follows it).
      const first = id === 'G' ? 'D' : id;
      assert.deepEqual(events.map((e) => e.dialect), [first, id, id, id], 'the request log names the dialect');
    } finally {
      s.destroy();
      await srv.close();
    }
  });
}

test('spec-exact requests still get exactly the spec bytes, and the log says spec', { timeout: 10_000 }, async () => {
  const srv = await startIndexServer();
  const events: RequestEvent[] = [];
  srv.server.on('request', (e) => events.push(e));
  const s = await connect(srv.port);
  try {
    await writeAll(s, `ADD RFC 791 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 5000\r\nTitle: ${TITLE}\r\n\r\n`);
    const got = (await readUntil(s, (b) => b.toString('latin1').endsWith('5000\r\n\r\n'))).toString('latin1');
    assert.equal(got, `P2P-CI/1.0 200 OK\r\n\r\nRFC 791 ${TITLE} 127.0.0.1 5000\r\n\r\n`);
    assert.equal(events[0]!.dialect, 'spec');
  } finally {
    s.destroy();
    await srv.close();
  }
});

test('dialects off (--strict): H gets the spec layout, END and I are refused, CONNECT gets 400', { timeout: 10_000 }, async () => {
  const srv = await startIndexServer({ limits: { dialects: false, idleCompletionMs: 40 } });
  try {
    const h = await connect(srv.port);
    await writeAll(h, THEIR_CLIENTS.H!.add(791, TITLE, me));
    assert.equal((await readUntil(h, (b) => b.toString().endsWith('5000\r\n\r\n'))).toString(), `P2P-CI/1.0 200 OK\r\n\r\nRFC 791 ${TITLE} 127.0.0.1 5000\r\n\r\n`);
    h.destroy();
    for (const bytes of ['END\n', `CONNECT 5000 P2P-CI/1.0\n`, THEIR_CLIENTS.I!.add(791, TITLE, me)]) {
      const s = await connect(srv.port);
      await writeAll(s, bytes);
      const got = (await readUntil(s, (b) => b.toString().endsWith('\r\n\r\n\r\n'))).toString();
      assert.match(got, /^P2P-CI\/1\.0 (400 Bad Request|505 P2P-CI Version Not Supported)\r\n\r\n\r\n$/, JSON.stringify(bytes));
      s.destroy();
    }
  } finally {
    await srv.close();
  }
});

test('the request log (text and JSON) and the dashboard\'s peer table name the dialect a connection is served in', { timeout: 20_000 }, async () => {
  const srv = await startIndexServer();
  const text: string[] = [];
  const json: string[] = [];
  const detach = [
    attachConsoleLog(srv.server, { format: 'text', requests: true, statusIntervalMs: 0, write: (l) => text.push(l) }),
    attachConsoleLog(srv.server, { format: 'json', requests: true, statusIntervalMs: 0, write: (l) => json.push(l) }),
  ];
  const dash = await startDashboard(srv.server, { port: 0 });
  const h = await connect(srv.port);
  const spec = await connect(srv.port);
  try {
    await ask(h, THEIR_CLIENTS.H!, THEIR_CLIENTS.H!.add(791, TITLE, me));
    await writeAll(spec, `ADD RFC 2 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nPort: 5001\r\nTitle: t\r\n\r\n`);
    await readUntil(spec, (b) => b.toString('latin1').endsWith('5001\r\n\r\n'));
    assert.equal(text.filter((l) => l.includes('[dialect H]')).length, 1, text.join('\n'));
    assert.equal(text.filter((l) => l.includes('[dialect')).length, 1, 'a spec connection is not marked');
    assert.deepEqual(json.filter((l) => l.includes('"dialect":')).map((l) => (JSON.parse(l) as { dialect: string }).dialect).sort(), ['H', 'spec']);
    const rows = await withTimeout((async () => {
      for (;;) {
        const s = (await (await fetch(`${dash.url}stats.json`)).json()) as StatsSnapshot;
        if (s.peers.list.length === 2 && s.peers.list.every((p) => p.host !== null)) return s.peers.list;
        await new Promise((r) => setTimeout(r, 50));
      }
    })(), 5000, 'both peers in /stats.json');
    assert.deepEqual(rows.map((p) => [p.port, p.dialect]).sort(), [[5000, 'H'], [5001, 'spec']]);
    assert.match(await (await fetch(dash.url)).text(), /<th>dialect<\/th>/);
  } finally {
    h.destroy();
    spec.destroy();
    for (const d of detach) d();
    await dash.close();
    await srv.close();
  }
});
