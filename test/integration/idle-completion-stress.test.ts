/**
 * Issue 11, defects 1 and 2 under load, with real timers: thousands of answers and GETs that
 * end only by silence (§6), each counted. Before the fix about one LIST answer in ten was lost
 * to a timer that woke early; now none may be. The idle time is cut to 5 ms so that thousands
 * fit in a few seconds (the race is the same at any idle time: it is a sub-millisecond one).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { IndexClient } from '../../src/peer/index-client.js';
import { UploadServer } from '../../src/peer/upload-server.js';
import { ShareFolder } from '../../src/peer/share-folder.js';
import { peerFolder } from '../helpers/peer-folders.js';

const IDLE_MS = 5;

test('3,000 LIST answers without empty lines (dialect A server) on 6 connections: 0 lost', { timeout: 60_000 }, async () => {
  const server = createServer((s: Socket) => {
    s.on('error', () => {});
    s.on('data', () => s.write('P2P-CI/1.0 200 OK\nRFC 2 t vm 59507\nRFC 3 u vm 59507\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const clients = Array.from({ length: 6 }, () => new IndexClient({ server: { host: '127.0.0.1', port }, reconnect: false, idleCompletionMs: IDLE_MS, requestTimeoutMs: 2000 }));
  let answered = 0;
  const lost: string[] = [];
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 500; i++) {
        try {
          const r = await c.list();
          if (r.status === 200 && r.records.length === 2) answered++;
          else lost.push(`answer ${JSON.stringify(r)}`);
        } catch (err) {
          lost.push(String(err));
          return; // the connection is gone; its remaining requests would all fail the same way
        }
      }
    }));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    server.close();
  }
  assert.deepEqual(lost, []);
  assert.equal(answered, 3000);
});

test('1,500 GETs without a final line end (dialect C downloader), 15 at a time: every one answered', { timeout: 60_000 }, async () => {
  const dir = await peerFolder('stress-get', [1]);
  const uploads = new UploadServer({ folder: new ShareFolder(dir), idleCompletionMs: IDLE_MS, maxConnectionsPerAddress: 0 });
  const { port } = await uploads.listen(0, '127.0.0.1');
  const unanswered: string[] = [];
  let answered = 0;
  const getOnce = () => new Promise<void>((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let got = '';
    const timer = setTimeout(() => {
      unanswered.push(`no answer within 2 s (got ${JSON.stringify(got.slice(0, 40))})`);
      s.destroy();
      resolve();
    }, 2000);
    s.on('connect', () => s.write('GET RFC 1 P2P-CI/1.0\r\nHost: 127.0.0.1\r\nOS: Linux'));
    s.on('data', (c: Buffer) => {
      got += c.toString('latin1', 0, Math.min(c.length, 64));
      if (got.startsWith('P2P-CI/1.0 200 OK\r\n')) {
        clearTimeout(timer);
        answered++;
        s.destroy();
        resolve();
      }
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      unanswered.push(err.message);
      resolve();
    });
  });
  try {
    for (let round = 0; round < 100; round++) await Promise.all(Array.from({ length: 15 }, getOnce));
  } finally {
    await uploads.close();
  }
  assert.deepEqual(unanswered, []);
  assert.equal(answered, 1500);
});
