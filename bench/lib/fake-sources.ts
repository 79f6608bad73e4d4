/**
 * Sources for the swarm-download tests and the swarm bench that a real p2pci uploader can't
 * play: a 1.0 uploader (ignores Range, answers 200 with the whole file), a liar (a correct 206
 * head and digest, wrong bytes of the right length), a source that dies mid-range, one that stalls.
 * Each serves one file held in memory; every request it got is kept for assertions.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import {
  encodeContentRange, encodeGetResponseHead, encodeReprDigest, httpDate, parseRange,
} from '../../src/protocol/index.js';

export type FakeKind = 'v1' | 'liar' | 'dies' | 'stalls';

export interface FakeSource {
  port: number;
  requests: string[];
  close(): Promise<void>;
}

const DATE = httpDate(new Date(0));

export async function fakeSource(kind: FakeKind, file: Buffer): Promise<FakeSource> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const digest = createHash('sha256').update(file).digest();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      if (text.includes('\r\n\r\n')) return;
      text += chunk.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      requests.push(text);
      answer(kind, socket, text, file, digest);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function answer(kind: FakeKind, socket: Socket, request: string, file: Buffer, digest: Buffer): void {
  const base = { date: DATE, os: 'Fake 1.0', lastModified: DATE, contentType: 'text/plain' };
  if (kind === 'v1') {
    socket.write(encodeGetResponseHead({ status: 200, phrase: 'OK', ...base, contentLength: file.length }));
    socket.end(file);
    return;
  }
  const rangeValue = /\r\nRange: ([^\r]*)\r\n/i.exec(request)?.[1];
  const range = parseRange(rangeValue, file.length);
  if (range.kind !== 'range') throw new Error(`fake ${kind} source needs a Range, got ${JSON.stringify(request)}`);
  const body = Buffer.from(file.subarray(range.first, range.last + 1));
  socket.write(encodeGetResponseHead({
    status: 206, phrase: 'Partial Content', ...base, contentLength: body.length,
    contentRange: encodeContentRange(range.first, range.last, file.length), reprDigest: encodeReprDigest(digest),
  }));
  if (kind === 'liar') {
    for (let i = 0; i < body.length; i += 4096) body[i] ^= 0xff;
    socket.end(body);
  } else if (kind === 'dies') {
    socket.write(body.subarray(0, body.length >> 1), () => socket.destroy());
  }
  // 'stalls': the head, then silence, the connection left open.
}
