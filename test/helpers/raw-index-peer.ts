/**
 * A peer's connection to an index server, by hand: exact request bytes out (the protocol
 * encoders), exact response text back. For tests that check what a server answered to the
 * byte, across several servers, without the peer CLI in between.
 */
import type { Socket } from 'node:net';
import { encodeAdd, encodeList, encodeLookup, type PeerAddress } from '../../src/protocol/index.js';
import { connect, readUntil } from './net.js';

/** One whole P2S response: status line, empty line, record lines, empty line. */
const WHOLE_RESPONSE = /^P2P-CI\/1\.0 \d{3} [^\r\n]*\r\n\r\n(?:RFC [^\r\n]*\r\n)*\r\n$/;

export class RawIndexPeer {
  private constructor(
    readonly socket: Socket,
    readonly me: PeerAddress,
  ) {}

  static async connect(serverPort: number, me: PeerAddress): Promise<RawIndexPeer> {
    return new RawIndexPeer(await connect(serverPort), me);
  }

  add(rfc: number, title: string, timeoutMs?: number): Promise<string> {
    return this.ask(encodeAdd(rfc, title, this.me), timeoutMs);
  }

  lookup(rfc: number, timeoutMs?: number): Promise<string> {
    return this.ask(encodeLookup(rfc, '', this.me), timeoutMs);
  }

  list(timeoutMs?: number): Promise<string> {
    return this.ask(encodeList(this.me), timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }

  private async ask(request: string, timeoutMs = 5000): Promise<string> {
    this.socket.write(request);
    const answer = await readUntil(this.socket, (b) => WHOLE_RESPONSE.test(b.toString('latin1')), timeoutMs);
    return answer.toString('latin1');
  }
}

/** The response text a server sends for these records (the bytes §2 shows). */
export function okWith(lines: readonly string[]): string {
  return `P2P-CI/1.0 200 OK\r\n\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

export const NOT_FOUND = 'P2P-CI/1.0 404 Not Found\r\n\r\n\r\n';
export const BAD_REQUEST = 'P2P-CI/1.0 400 Bad Request\r\n\r\n\r\n';
