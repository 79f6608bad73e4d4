import { createServer, type Socket } from 'node:net';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { serveParent } from './child-main.js';
import { wallNow, type EmptyReport } from './ipc.js';

/**
 * The bare-Node reference servers, measured in the same run and on the same clients as
 * p2pci, so figures are ratios to what this machine's Node can do at all:
 *  - `reqresp <answer>`: answers the fixed answer to every request (a request ends at an
 *    empty line, CRLF CRLF) — the least a line protocol server must do;
 *  - `idle`: accepts connections and holds them (memory per socket);
 *  - `blast <bytes>`: writes that many bytes to each connection from one buffer, honouring
 *    backpressure, then closes (bulk bytes through a socket);
 *  - `file <path>`: pipes the file to each connection, then closes (a GET without the protocol).
 */
const [mode = 'idle', arg = ''] = process.argv.slice(2);
const connections = new Set<Socket>();
/** Waiting for every connection to be gone (the mass-disconnect reference). */
let onEmpty: (() => void) | null = null;
let firstCloseAt = 0;

const END = Buffer.from('\r\n\r\n');

function reqresp(socket: Socket, answer: Buffer): void {
  // Bytes of a possible terminator split across reads.
  let carry = 0;
  socket.on('data', (chunk: Buffer) => {
    let n = 0;
    // A terminator straddling the previous chunk: match its remaining bytes at the start.
    if (carry > 0 && chunk.length >= 4 - carry && chunk.subarray(0, 4 - carry).equals(END.subarray(carry))) n++;
    for (let i = chunk.indexOf(END); i !== -1; i = chunk.indexOf(END, i + 4)) n++;
    carry = 0;
    for (let k = 3; k > 0; k--) {
      if (chunk.length >= k && chunk.subarray(chunk.length - k).equals(END.subarray(0, k))) {
        carry = k;
        break;
      }
    }
    if (n === 1) socket.write(answer);
    else if (n > 1) socket.write(Buffer.concat(Array.from({ length: n }, () => answer)));
  });
}

function blast(socket: Socket, total: number): void {
  // Record-line-shaped bytes, so a client that counts lines does the same work as for LIST.
  const block = Buffer.alloc(64 * 1024, 'RFC 1234 Synthetic Benchmark Title for Request for Comments 1234 peer1.bench.example 10001\r\n');
  let left = total;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!socket.write(n === block.length ? block : block.subarray(0, n))) return;
    }
    socket.end();
  };
  socket.on('drain', pump);
  pump();
}

const server = createServer({ noDelay: true }, (socket) => {
  connections.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => {
    connections.delete(socket);
    if (onEmpty === null) return;
    if (firstCloseAt === 0) firstCloseAt = wallNow();
    if (connections.size === 0) onEmpty();
  });
  if (mode === 'reqresp') reqresp(socket, Buffer.from(arg, 'latin1'));
  else if (mode === 'blast') blast(socket, Number(arg));
  else if (mode === 'file') pipeline(createReadStream(arg), socket).catch(() => socket.destroy());
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  // The bare reference holds nothing else: it waits for no connection at all.
  const whenEmpty = () =>
    new Promise<EmptyReport>((resolve) => {
      firstCloseAt = 0;
      onEmpty = () => {
        onEmpty = null;
        const at = wallNow();
        resolve({ firstDisconnectAt: firstCloseAt, emptyAt: at, socketsClosedAt: at });
      };
    });
  serveParent(addr.port, () => ({ connections: connections.size, records: 0 }), whenEmpty);
});
