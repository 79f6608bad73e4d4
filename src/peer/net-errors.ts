import { connect, type Socket } from 'node:net';
import type { PeerAddress } from '../protocol/index.js';

/** Network errors in the words a user reads in a one-line message. */
export function describeNetError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ECONNRESET': return 'connection reset';
    case 'ETIMEDOUT': return 'timed out';
    case 'ENOTFOUND': case 'EAI_AGAIN': return `host not found`;
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable';
    default: return err.message;
  }
}

/**
 * Opens a TCP connection, or rejects within `timeoutMs` with the error in words a user reads
 * (see describeNetError). Shared by the downloader and the index client.
 */
export function connectWithin(address: PeerAddress, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(describeNetError(err)));
    });
  });
}
