import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { encodeLookup } from '../../src/protocol/index.js';
import { startDashboard, MAX_URL_BYTES, MAX_HTTP_CONNECTIONS, type Dashboard } from '../../src/observe/http-dashboard.js';
import type { StatsSnapshot } from '../../src/observe/stats-types.js';
import { connect, readUntil, containsText, endsWithText, exchange, nextEvent, registeredPeer, startIndexServer, waitForClose, withTimeout, type RunningIndexServer } from '../helpers/net.js';

const open: Array<{ close(): Promise<void> }> = [];
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const o of open.reverse()) await o.close();
});

async function setup(): Promise<{ index: RunningIndexServer; dash: Dashboard }> {
  const index = await startIndexServer();
  open.push(index);
  const dash = await startDashboard(index.server, { port: 0 });
  open.push(dash);
  return { index, dash };
}

async function peer(port: number, host: string, uploadPort: number, adds: Array<[number, string]>): Promise<Socket> {
  const s = await registeredPeer(port, host, uploadPort, adds);
  sockets.push(s);
  return s;
}

/** Fetches /stats.json until `ok` holds (the snapshot is cached ~0.5 s), bounded in time. */
async function statsWhen(url: string, ok: (s: StatsSnapshot) => boolean, what: string): Promise<StatsSnapshot> {
  return withTimeout((async () => {
    for (;;) {
      const s = (await (await fetch(`${url}stats.json`)).json()) as StatsSnapshot;
      if (ok(s)) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  })(), 5000, what);
}

/** Sends raw bytes to the dashboard and returns the whole answer (it closes after refusing). */
async function rawHttp(port: number, bytes: string): Promise<string> {
  return exchange(port, bytes, (b) => /\r\n\r\n[\s\S]*\n$/.test(b.toString('latin1')) || b.includes('Content-Length: 0'));
}

test('/stats.json and /metrics count real traffic; a peer that leaves is gone', { timeout: 20_000 }, async () => {
  const { index, dash } = await setup();
  const a = await peer(index.port, 'alpha.example', 5001, [[791, 'Internet Protocol'], [2616, 'HTTP/1.1']]);
  await peer(index.port, 'beta.example', 5002, [[791, 'Internet Protocol']]);
  a.write(encodeLookup(791, 'Internet Protocol', { host: 'alpha.example', port: 5001 }));
  await readUntil(a, endsWithText('\r\n\r\n'));
  a.write('LOOKUP RFC 791 P2P-CI/2.0\r\nHost: alpha.example\r\nPort: 5001\r\nTitle: x\r\n\r\n');
  await readUntil(a, containsText('505'));

  const s = await statsWhen(dash.url, (x) => x.totals.requests === 5, 'five requests counted');
  assert.equal(s.peers.count, 2);
  assert.equal(s.totals.records, 3);
  assert.deepEqual(s.requests.byMethod, { ADD: 3, LOOKUP: 1, INVALID: 1 }, 'a refused request has no method');
  assert.deepEqual(s.errors, [{ code: 'VERSION_NOT_SUPPORTED', count: 1 }]);
  const alpha = s.peers.list.find((p) => p.host === 'alpha.example')!;
  assert.equal(alpha.port, 5001);
  assert.equal(alpha.records, 2);
  assert.equal(alpha.requests, 4);
  assert.equal(s.peers.list.find((p) => p.host === 'beta.example')!.records, 1);
  assert.deepEqual(s.topShared[0], { rfc: 791, title: 'Internet Protocol', holders: 2 });
  assert.deepEqual(s.topLookedUp, [{ rfc: 791, lookups: 1 }]);
  assert.ok(s.totals.bytesIn > 200 && s.totals.bytesOut > 100, `bytes in ${s.totals.bytesIn} out ${s.totals.bytesOut}`);

  const metrics = await fetch(`${dash.url}metrics`);
  assert.match(metrics.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const text = await metrics.text();
  for (const line of [
    'p2pci_connections 2',
    'p2pci_records 3',
    'p2pci_peers 2',
    'p2pci_requests_total{method="ADD",status="200"} 3',
    'p2pci_requests_total{method="INVALID",status="505"} 1',
    'p2pci_request_errors_total{code="VERSION_NOT_SUPPORTED"} 1',
    'p2pci_request_duration_seconds_count 5',
    'p2pci_request_duration_seconds_bucket{le="+Inf"} 5',
  ]) {
    assert.ok(text.split('\n').includes(line), `metrics has "${line}"`);
  }
  assert.match(text, /^p2pci_bytes_received_total [1-9]\d*$/m);
  assert.match(text, /^process_cpu_user_seconds_total /m, 'default Node process metrics');
  assert.match(text, /^nodejs_heap_size_used_bytes /m);

  const gone = nextEvent(index.server, 'disconnect');
  a.destroy();
  await gone;
  const after1 = await statsWhen(dash.url, (x) => x.peers.count === 1, 'one peer left');
  assert.deepEqual(after1.peers.list.map((p) => p.host), ['beta.example']);
  assert.equal(after1.totals.records, 1);
  assert.ok(after1.totals.bytesIn >= s.totals.bytesIn, 'the closed connection keeps its bytes in the total');
});

test('/lookup answers who has an RFC, as data (a <script> title stays a string)', { timeout: 20_000 }, async () => {
  const { index, dash } = await setup();
  await peer(index.port, 'gamma.example', 6001, [[1234, '<script>alert(1)</script>']]);
  const found = await (await fetch(`${dash.url}lookup?rfc=1234`)).json();
  assert.deepEqual(found, { rfc: 1234, total: 1, records: [{ rfc: 1234, title: '<script>alert(1)</script>', host: 'gamma.example', port: 6001 }] });
  assert.deepEqual(await (await fetch(`${dash.url}lookup?rfc=%20042`)).json(), { rfc: 42, total: 0, records: [] });
  for (const bad of ['abc', '', '1234567890', '-1', '1e3']) {
    const res = await fetch(`${dash.url}lookup?rfc=${encodeURIComponent(bad)}`);
    assert.equal(res.status, 400, `rfc=${bad}`);
    assert.match((await res.json()).error, /1 to 9 digits/);
  }
});

test('bad HTTP input: 404, 405, 414, 431, 400 — and the index keeps answering', { timeout: 20_000 }, async () => {
  const { index, dash } = await setup();
  assert.equal((await fetch(`${dash.url}nope`)).status, 404);
  assert.equal((await fetch(`${dash.url}stats.json/`)).status, 404);
  assert.equal((await fetch(`${dash.url}__proto__`)).status, 404, 'no prototype lookups as routes');
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
    const res = await fetch(`${dash.url}stats.json`, { method, ...(method === 'POST' ? { body: 'x'.repeat(100_000) } : {}) });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'GET');
  }
  const q = 'a'.repeat(MAX_URL_BYTES);
  assert.equal((await fetch(`${dash.url}stats.json?q=${q}`)).status, 414);
  assert.equal((await fetch(`${dash.url}lookup?rfc=1&pad=${'b'.repeat(8000)}`)).status, 414);
  // Past Node's header limit (16 KiB) the request never reaches the handler; still 414 for the URL…
  assert.match(await rawHttp(dash.port, `GET /?q=${'c'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 414 /);
  // …and 431 when it is the headers that are too big.
  assert.match(await rawHttp(dash.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  assert.match(await rawHttp(dash.port, 'BLAH\r\n\r\n'), /^HTTP\/1\.1 400 /);

  const started = performance.now();
  const answer = await exchange(index.port, encodeLookup(1, 'x', { host: 'h', port: 1 }), endsWithText('\r\n\r\n'));
  assert.match(answer, /^P2P-CI\/1\.0 404 Not Found/);
  assert.ok(performance.now() - started < 1000, 'the index answers promptly after the HTTP abuse');
  assert.equal((await fetch(`${dash.url}stats.json`)).status, 200, 'and the dashboard still serves');
});

test('a slowloris on the dashboard is capped and never delays the index', { timeout: 30_000 }, async () => {
  const { index, dash } = await setup();
  const held: Socket[] = [];
  try {
    const closedByServer: Array<Promise<void>> = [];
    for (let i = 0; i < MAX_HTTP_CONNECTIONS + 40; i++) {
      const s = await connect(dash.port);
      held.push(s);
      s.on('error', () => {});
      s.write('GET /stats.json HTTP/1.1\r\nHost: x\r\n'); // never finished
      if (i >= MAX_HTTP_CONNECTIONS) closedByServer.push(waitForClose(s));
    }
    await withTimeout(Promise.all(closedByServer), 5000, 'connections over the cap to be closed');
    const started = performance.now();
    const answer = await exchange(index.port, encodeLookup(7, 'x', { host: 'h', port: 1 }), endsWithText('\r\n\r\n'));
    assert.match(answer, /^P2P-CI\/1\.0 404 /);
    assert.ok(performance.now() - started < 1000, 'the index answers at once');
  } finally {
    for (const s of held) s.destroy();
  }
});

test('the page and its assets are self-contained and locked down', { timeout: 20_000 }, async () => {
  const { dash } = await setup();
  const page = await fetch(dash.url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  assert.match(html, /<script src="\/dashboard\.js" defer><\/script>/);
  assert.match(html, /name="viewport"/);
  const js = await (await fetch(`${dash.url}dashboard.js`)).text();
  const css = await (await fetch(`${dash.url}dashboard.css`)).text();
  for (const [name, body] of [['html', html], ['js', js], ['css', css]] as const) {
    assert.doesNotMatch(body, /https?:\/\//, `${name} loads nothing from elsewhere`);
  }
  assert.doesNotMatch(js, /innerHTML|insertAdjacentHTML|document\.write/, 'the script never parses strings as HTML');
  assert.doesNotThrow(() => new Function(js), 'the served script is valid JavaScript');
});

test('startDashboard on a busy port rejects and leaves nothing attached; close() frees the port', { timeout: 20_000 }, async () => {
  const { index, dash } = await setup();
  const listeners = index.server.listenerCount('request');
  await assert.rejects(startDashboard(index.server, { port: dash.port }), { code: 'EADDRINUSE' });
  assert.equal(index.server.listenerCount('request'), listeners);
  const keepAlive = await connect(dash.port);
  sockets.push(keepAlive);
  await withTimeout(dash.close(), 3000, 'close with an open HTTP connection');
  assert.equal(index.server.listenerCount('request'), listeners - 1, 'the collector is detached');
  await assert.rejects(fetch(`${dash.url}stats.json`));
});
