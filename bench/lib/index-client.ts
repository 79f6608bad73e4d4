import type { Socket } from 'node:net';
import { ResponseParser, ProtocolError, encodeList, type IndexMethod, type IndexResponse } from '../../src/protocol/index.js';

/**
 * A one-request-at-a-time client of the index server for the bench's control traffic
 * (registering probe records, watching for a LOOKUP miss). Reads with the project's own
 * tolerant ResponseParser.
 */
export class IndexClient {
  private readonly parser = new ResponseParser();
  private waiting: Array<(r: IndexResponse | Error) => void> = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.parser.push(chunk);
      for (let r = this.parser.next(); r !== null; r = this.parser.next()) {
        const w = this.waiting.shift();
        w?.(r instanceof ProtocolError ? new Error(r.message) : r);
      }
    });
    socket.on('close', () => {
      for (const w of this.waiting.splice(0)) w(new Error('connection closed'));
    });
  }

  /** Sends `count` pipelined requests of one method and resolves with every answer. */
  send(method: IndexMethod, bytes: Buffer | string, count = 1): Promise<IndexResponse[]> {
    const answers: Array<Promise<IndexResponse>> = [];
    for (let k = 0; k < count; k++) {
      this.parser.expect(method);
      answers.push(new Promise((resolve, reject) => this.waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r)))));
    }
    this.socket.write(bytes);
    return Promise.all(answers);
  }
}

export interface ListResult {
  bytes: number;
  lines: number;
  seconds: number;
}

/**
 * Reads a LIST ALL answer without parsing it: counts bytes and line feeds until the
 * status line, the empty line, `records` lines and the final empty line have arrived.
 */
export function readList(socket: Socket, records: number): Promise<ListResult> {
  const want = records + 3;
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let lines = 0;
    const start = performance.now();
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines >= want) {
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve({ bytes, lines, seconds: (performance.now() - start) / 1000 });
      }
    };
    const onClose = () => reject(new Error(`LIST answer cut short after ${lines} of ${want} lines`));
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(encodeList({ host: 'client.bench.example', port: 7003 }));
  });
}

/** Reads a bare-Node blast until the sender closes: the same reading loop, no protocol. */
export function readBlast(socket: Socket): Promise<ListResult> {
  return new Promise((resolve) => {
    let bytes = 0;
    let lines = 0;
    const start = performance.now();
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    socket.on('close', () => resolve({ bytes, lines, seconds: (performance.now() - start) / 1000 }));
  });
}
