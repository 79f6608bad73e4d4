import { connect, type Socket } from 'node:net';
import { ExactReader } from './clients.js';

export interface JoinPeer {
  /** Every request of this peer, written at once on connect (pipelined). */
  requests: Buffer;
  /** The exact bytes of every answer, in order. */
  answers: Buffer;
}

export interface JoinResult {
  seconds: number;
  /** Peers whose every answer arrived, byte-exact. */
  complete: number;
  refused: number;
  /** Peers whose connection closed before all answers, or whose answers were wrong. */
  unanswered: number;
  wrong: number;
  /** The connected peers; their records live as long as these sockets. */
  sockets: Socket[];
}

/**
 * A burst: every peer connects in the same tick (nothing paces the connects) and writes all
 * its ADDs as soon as it is connected. Done when every peer has its last answer or has failed.
 */
export function joinBurst(port: number, peers: readonly JoinPeer[]): Promise<JoinResult> {
  return new Promise((resolve) => {
    const sockets: Socket[] = [];
    let complete = 0;
    let refused = 0;
    let unanswered = 0;
    let wrong = 0;
    let settled = 0;
    const start = performance.now();
    const settle = () => {
      if (++settled < peers.length) return;
      resolve({ seconds: (performance.now() - start) / 1000, complete, refused, unanswered, wrong, sockets });
    };
    for (const peer of peers) {
      const reader = new ExactReader(peer.answers);
      let connected = false;
      let finished = false;
      const socket = connect({ port, host: '127.0.0.1', noDelay: true });
      sockets.push(socket);
      socket.on('connect', () => {
        connected = true;
        socket.write(peer.requests);
      });
      socket.on('data', (chunk: Buffer) => {
        reader.push(chunk);
        if (!finished && reader.done) {
          finished = true;
          if (reader.mismatchAt >= 0) wrong++;
          else complete++;
          settle();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (finished) return;
        finished = true;
        if (connected) unanswered++;
        else refused++;
        settle();
      });
    }
  });
}
