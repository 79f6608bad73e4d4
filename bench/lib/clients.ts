import { connect, type Socket } from 'node:net';

/** Opens a TCP connection to 127.0.0.1:port; rejects on refusal. */
export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Opens `n` connections, at most `batch` at a time in flight so the accept queue never overflows. */
export async function connectMany(port: number, n: number, batch = 1000): Promise<Socket[]> {
  const out: Socket[] = [];
  while (out.length < n) {
    const k = Math.min(batch, n - out.length);
    out.push(...(await Promise.all(Array.from({ length: k }, () => connectTo(port)))));
  }
  for (const s of out) s.on('error', () => {});
  return out;
}

/** Destroys the sockets and resolves when every one of them is closed. */
export async function closeAll(sockets: readonly Socket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.closed) return resolve();
          s.once('close', () => resolve());
          s.destroy();
        }),
    ),
  );
}

/**
 * Checks a stream of answers against the exact bytes expected, chunk by chunk (a memcmp per
 * read, so verifying costs the client almost nothing).
 */
export class ExactReader {
  received = 0;
  mismatchAt = -1;

  constructor(private readonly expected: Buffer) {}

  get done(): boolean {
    return this.received >= this.expected.length;
  }

  push(chunk: Buffer): void {
    const end = this.received + chunk.length;
    if (this.mismatchAt < 0 && (end > this.expected.length || this.expected.compare(chunk, 0, chunk.length, this.received, end) !== 0)) {
      this.mismatchAt = this.received;
    }
    this.received = end;
  }
}
