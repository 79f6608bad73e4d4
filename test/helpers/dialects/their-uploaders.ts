/**
 * Scripted uploaders of the dialects of DIALECTS.md, built from its bytes: how each reads a
 * GET and what it writes back (text-mode bodies, heads without empty lines, connections that
 * never close, `END` framing, a marker before the body). Delays are scaled down from the
 * real ones (E: 1 s then 1 KiB every 0.2 s) to keep tests short; their order is kept.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURE_RFCS } from '../peer-folders.js';

export interface TheirUploader {
  port: number;
  /** Every GET request it received, as bytes. */
  requests: string[];
  /** Connections accepted so far (a GET it never takes as complete, e.g. G's without END, shows only here). */
  readonly connections: number;
  close(): Promise<void>;
}

type Answer = (s: Socket, request: string, file: Buffer) => void | Promise<void>;

const textMode = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DATE = 'Wed, 25 Nov 2026 10:00:00 GMT';
const lfHead = (len: number) => `P2P-CI/1.0 200 OK\nData: ${DATE}\nOS: Linux\nLast-Modified: ${DATE}\nContent-Length: ${len}\nContent-Type: text/plain\n`;
const isLf = (req: string) => !req.includes('\r');

/** When its reader considers the GET complete. */
const COMPLETE: Record<string, (req: string) => boolean> = {
  F: (r) => /\r?\n\r?\n$/.test(r),
  G: (r) => /(^|\n)END\r?\n$/.test(r),
};

const ANSWERS: Record<string, Answer> = {
  A: (s, _r, f) => s.end(Buffer.concat([Buffer.from(lfHead(f.length)), textMode(f)])),
  B: (s, _r, f) => {
    // Never closes; `Last Modified:` with a space, dates in UTC, no empty line.
    s.write(`P2P-CI/1.0 200 OK\r\nDate: Wed Nov 25 10:00:00 UTC 2026\r\nOS: Windows\r\nLast Modified: Wed Nov 25 10:00:00 UTC 2026\r\nContent-Length: ${f.toString('utf8').length}\r\nContent-Type: text/plain\r\n`);
    s.write(Buffer.from(f.toString('utf8'), 'utf8'));
  },
  C: (s, _r, f) => s.end(Buffer.concat([Buffer.from(lfHead(f.length).replace(/\n/g, '\r\n')), textMode(f)])),
  D: (s, r, f) => {
    if (!isLf(r)) return void s.end('P2P-CI/1.0 505 P2P-CI Version Not Supported\nContent-Length:\nLast-Modified:\n\n');
    s.end(Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\nDate: ${DATE}\nOS: Linux\nLast-Modified: ${DATE}\nContent-Length:${f.length}\nContent-Type: text/plain\n`), textMode(f)]));
  },
  E: async (s, r, f) => {
    if (!isLf(r)) return void s.end('P2P-CI/1.0 505 P2P-CI Version Not Supported\n');
    s.write(lfHead(f.length));
    await wait(100);
    for (let i = 0; i < f.length && !s.destroyed; i += 1024) {
      s.write(f.subarray(i, i + 1024));
      await wait(5);
    }
    s.end();
  },
  F: (s, _r, f) =>
    s.end(Buffer.concat([Buffer.from(`P2PCI/1.0 200 OK\r\nDate: 11/24/2026 22:25:20\r\nOS: Linux\r\nLast-Modified: 11/24/2026 22:25:20\r\nContent-Length: ${f.length}\r\nContent-Type: text/plain\r\n\r\n`), f])),
  G: (s, _r, f) => {
    s.write(`${lfHead(f.length)}END\n`);
    // Through a buffer flushed only at 8 KiB: a file under 8 KiB is never sent. Never closes.
    if (f.length >= 8192) s.write(f);
  },
  H: (s, _r, f) =>
    s.end(Buffer.concat([Buffer.from(`P2P-CI/1.0 200 OK\r\nDate: ${DATE}\r\nOS: Linux\r\nLast-Modified: ${DATE}\r\nContent-Length: ${f.length}\r\nContent-Type: text/text\r\n RFC Data: `), f, Buffer.from('\r\n\r\n')])),
  I: (s, r, f) => {
    if (!r.split('\n')[0]!.includes('P2P-CI-v1.0.0')) return void s.end(`${r.split(' ')[3]!.split('\n')[0]} 505 P2P-CI Version Not Supported\n`);
    s.end(Buffer.concat([Buffer.from(lfHead(f.length).replace('P2P-CI/1.0', 'P2P-CI-v1.0.0')), textMode(f)]));
  },
};

/** Starts dialect `id`'s uploader on 127.0.0.1 (port from the OS), sharing test/fixtures/rfcs. */
export async function startTheirUploader(id: string): Promise<TheirUploader> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  let connections = 0;
  const complete = COMPLETE[id] ?? (() => true); // the others take one recv() as the request
  const server: Server = createServer((s) => {
    sockets.add(s);
    connections++;
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let req = '';
    let answered = false;
    s.on('data', async (c: Buffer) => {
      if (answered) return;
      req += c.toString('latin1');
      if (!complete(req)) return;
      answered = true;
      requests.push(req);
      const rfc = /RFC (\d+)/.exec(req)?.[1];
      const file = await readFile(join(FIXTURE_RFCS, `rfc${rfc}.txt`)).catch(() => null);
      if (file === null) return void s.end('P2P-CI/1.0 404 Not Found\r\n\r\n');
      await ANSWERS[id]!(s, req, file);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
