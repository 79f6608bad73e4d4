/**
 * Issue 11, defects 1 and 2: an answer or a GET that ends by silence (§6) must be completed
 * even when the timer waiting for that silence wakes a little before the clock reaches the
 * deadline (libuv counts timers from a cached loop time). Before the fix, the index client and
 * the upload server asked the parser on the first wake-up, got "not yet", and never asked
 * again: the LIST answer waited for the 10 s request timeout, the GET got no answer at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { IndexClient } from '../../src/peer/index-client.js';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { StaleLoopClock } from '../helpers/stale-loop-clock.js';
import { connect, readUntil } from '../helpers/net.js';
import { peerFolder } from '../helpers/peer-folders.js';

const IDLE_MS = 250;
const aboutIdle = (ms: number) => ms >= IDLE_MS - 5 && ms <= IDLE_MS + 5;

/** A dialect-A index server: LF only, no empty lines, so every LIST answer ends by silence. */
async function dialectAServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((s: Socket) => {
    s.on('data', () => s.write('P2P-CI/1.0 200 OK\nRFC 2 t vm 59507\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

test('index client: a LIST answer ending by silence is delivered although the idle timer wakes early', { timeout: 15_000 }, async () => {
  const { server, port } = await dialectAServer();
  const client = new IndexClient({ server: { host: '127.0.0.1', port }, reconnect: false });
  await client.connect();
  let clock: StaleLoopClock | null = null;
  try {
    clock = StaleLoopClock.install({ now: 1000, loopTime: 998.5 });
    const armed = clock.timerSet(aboutIdle);
    let answer: Awaited<ReturnType<IndexClient['list']>> | null = null;
    void client.list().then((a) => (answer = a));
    await withRealTimeout(armed, 'the idle timer to be armed');
    clock.advance(IDLE_MS + 50);
    clock.uninstall();
    clock = null;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(answer, { status: 200, phrase: 'OK', records: [{ rfc: 2, title: 't', host: 'vm', port: 59507 }] });
  } finally {
    clock?.uninstall();
    await client.close();
    server.close();
  }
});

test('upload server: a GET without its final line end is answered although the idle timer wakes early', { timeout: 15_000 }, async () => {
  const dir = await peerFolder('early-wake', [1]);
  const uploads = new UploadServer({ folder: new ShareFolder(dir) });
  const { port } = await uploads.listen(0, '127.0.0.1');
  const s = await connect(port);
  let clock: StaleLoopClock | null = null;
  try {
    clock = StaleLoopClock.install({ now: 1000, loopTime: 998.5 });
    const armed = clock.timerSet(aboutIdle);
    s.write('GET RFC 1 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nOS: Linux'); // dialect C: no final line end
    await withRealTimeout(armed, 'the idle timer to be armed');
    clock.advance(IDLE_MS + 50);
    clock.uninstall();
    clock = null;
    const head = await readUntil(s, (b) => b.includes('Content-Type: text/plain\r\n\r\n'), 2000);
    assert.match(head.toString('latin1'), /^P2P-CI\/1\.0 200 OK\r\n/);
  } finally {
    clock?.uninstall();
    s.destroy();
    await uploads.close();
  }
});

const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

/** Waits with a real timer, whatever is installed in the global one right now. */
function withRealTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 3000);
  });
  return Promise.race([p, timeout]).finally(() => realClearTimeout(timer));
}
