import { connect, type Socket } from 'node:net';
import { escapeBytes } from './escape.js';

/** The most bytes one connection keeps; a target that sends more is cut off (the run stays small). */
export const MAX_RECEIVED_BYTES = 8 * 1024 * 1024;

export type WaitEnd = 'match' | 'closed' | 'timeout';

/**
 * A raw TCP exchange with the target. The checker judges bytes, so nothing here parses:
 * everything sent and received is kept as is, for the case to read and the report to show.
 */
export class RawConn {
  readonly sent: Buffer[] = [];
  /** Received bytes, in a buffer that doubles as it fills (joining chunks anew would be quadratic). */
  private buf = Buffer.alloc(4096);
  private size = 0;
  /** The target closed its side (FIN or reset), or we destroyed the socket. */
  closed = false;
  /** The target reset the connection. */
  reset = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.size + chunk.length > MAX_RECEIVED_BYTES) {
        socket.destroy();
        return;
      }
      if (this.size + chunk.length > this.buf.length) {
        const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.size + chunk.length));
        this.buf.copy(bigger, 0, 0, this.size);
        this.buf = bigger;
      }
      chunk.copy(this.buf, this.size);
      this.size += chunk.length;
      this.wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.reset = true;
    });
    socket.on('end', () => this.markClosed());
    socket.on('close', () => this.markClosed());
  }

  /** Connects, or rejects with the socket's error (ECONNREFUSED…) or a timeout at `deadline`. */
  static open(host: string, port: number, deadline: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${host}:${port} timed out`));
      }, Math.max(1, deadline - Date.now()));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RawConn(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Every byte received so far. */
  get received(): Buffer {
    return this.buf.subarray(0, this.size);
  }

  get receivedLength(): number {
    return this.size;
  }

  /** Writes and waits until the bytes have left (so byte-by-byte sends really go one at a time). */
  send(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.sent.push(bytes);
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /**
   * Resolves when `done(received, closed)` holds, else when the target closes, or at `deadline`.
   */
  waitFor(done: (received: Buffer, closed: boolean) => boolean, deadline: number): Promise<WaitEnd> {
    return new Promise((resolve) => {
      const finish = (end: WaitEnd) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(end);
      };
      const check = () => {
        if (done(this.received, this.closed)) finish('match');
        else if (this.closed) finish('closed');
      };
      const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - Date.now()));
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until the target has sent nothing for `ms` (or closed, or the deadline passed). */
  async quiet(ms: number, deadline: number): Promise<void> {
    for (;;) {
      const before = this.size;
      const until = Math.min(deadline, Date.now() + ms);
      const end = await this.waitFor(() => this.size !== before, until);
      if (end !== 'match' || Date.now() >= deadline) return;
    }
  }

  /** Closes our side cleanly (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Closes by reset (RST), as a peer process that dies does. */
  resetNow(): void {
    this.socket.resetAndDestroy();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Escaped transcript for a report: everything sent, everything received. */
  transcript(max = 240): { sent: string; received: string } {
    return { sent: escapeBytes(Buffer.concat(this.sent), max), received: escapeBytes(this.received, max) };
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
