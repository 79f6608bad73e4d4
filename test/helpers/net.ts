/**
 * Socket helpers for tests: real TCP on 127.0.0.1, every wait bounded by a timeout, no sleeps.
 *
 *   const s = await connect(port);
 *   s.write(encodeList(me));
 *   const bytes = await readUntil(s, endsWithText('\r\n\r\n'));
 *
 * `readUntil` keeps its own per-socket buffer (attached on first use), so bytes that arrive
 * between two calls are never lost: each call returns what arrived since the previous one.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { encodeAdd } from '../../src/protocol/index.js';
import { IndexServer } from '../../src/server/index-server.js';
import { MemoryStore } from '../../src/index/memory-store.js';
import type { ServerLimits } from '../../src/server/options.js';
import type { Store } from '../../src/index/store.js';
import { ResponseParser, type IndexMethod } from '../../src/protocol/index.js';

export const LOCALHOST = '127.0.0.1';
export const DEFAULT_WAIT_MS = 5000;

/** Rejects with a clear message if `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Opens a TCP connection to 127.0.0.1:port (or `host`); resolves once connected. */
export function connect(port: number, host = LOCALHOST, timeoutMs = DEFAULT_WAIT_MS): Promise<Socket> {
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ port, host, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
    }),
    timeoutMs,
    `connection to ${host}:${port}`,
  );
}

interface Inbox {
  data: Buffer;
  ended: boolean;
  error: Error | null;
  wake: (() => void) | null;
}
const inboxes = new WeakMap<Socket, Inbox>();

function inboxOf(socket: Socket): Inbox {
  let box = inboxes.get(socket);
  if (box !== undefined) return box;
  const created: Inbox = { data: Buffer.alloc(0), ended: false, error: null, wake: null };
  const poke = () => created.wake?.();
  socket.on('data', (chunk: Buffer) => {
    created.data = Buffer.concat([created.data, chunk]);
    poke();
  });
  socket.on('end', () => {
    created.ended = true;
    poke();
  });
  socket.on('close', () => {
    created.ended = true;
    poke();
  });
  socket.on('error', (err) => {
    created.error = err;
    poke();
  });
  inboxes.set(socket, created);
  box = created;
  return box;
}

/**
 * Waits until the bytes received since the last `readUntil` satisfy `predicate`, then returns
 * (and consumes) them. Rejects on timeout, or if the peer closes before the predicate holds
 * (the error message shows what did arrive, which is what you want to see when a test fails).
 */
export function readUntil(socket: Socket, predicate: (received: Buffer) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer> {
  const box = inboxOf(socket);
  const tail = () => JSON.stringify(box.data.toString('latin1').slice(-400));
  // One reader at a time: a second would take bytes meant for the first.
  if (box.wake !== null) return Promise.reject(new Error('readUntil is already waiting on this socket'));
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      box.wake = null;
      if (err !== null) return reject(err);
      const out = box.data;
      box.data = Buffer.alloc(0);
      resolve(out);
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for expected bytes; got ${tail()}`)), timeoutMs);
    const check = () => {
      if (predicate(box.data)) finish(null);
      else if (box.error !== null) finish(new Error(`connection failed (${box.error.message}) before the expected bytes; got ${tail()}`));
      else if (box.ended) finish(new Error(`connection closed before the expected bytes; got ${tail()}`));
    };
    box.wake = check;
    check();
  });
}

/** Bytes received and not yet consumed by `readUntil` (does not consume them). */
export function received(socket: Socket): Buffer {
  return inboxOf(socket).data;
}

/** Predicate: the received text ends with `suffix`. */
export function endsWithText(suffix: string): (b: Buffer) => boolean {
  return (b) => b.toString('latin1').endsWith(suffix);
}

/** Predicate: `text` occurs at least `times` times in the received bytes. */
export function containsText(text: string, times = 1): (b: Buffer) => boolean {
  return (b) => {
    const s = b.toString('latin1');
    let n = 0;
    for (let i = s.indexOf(text); i !== -1; i = s.indexOf(text, i + text.length)) if (++n >= times) return true;
    return false;
  };
}

/** Predicate: at least `n` complete lines (LF-terminated) have arrived. */
export function linesAtLeast(n: number): (b: Buffer) => boolean {
  return (b) => {
    let count = 0;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) if (++count >= n) return true;
    return false;
  };
}

/**
 * Predicate: the bytes hold complete P2S responses to `methods`, in order (read tolerantly
 * with the protocol's ResponseParser), and end where a response ends. Use it to wait for
 * the answers to pipelined requests: `readUntil(s, responsesTo('ADD', 'LIST'))`.
 */
export function responsesTo(...methods: IndexMethod[]): (b: Buffer) => boolean {
  return (b) => {
    if (!b.toString('latin1').endsWith('\r\n\r\n') && !b.toString('latin1').endsWith('\n\n')) return false;
    const parser = new ResponseParser({ maxLineBytes: 1 << 20 });
    for (const m of methods) parser.expect(m);
    parser.push(b, 0);
    let n = 0;
    while (parser.next() !== null) n++;
    return n >= methods.length;
  };
}

/** Resolves when the socket is fully closed (after FIN from the peer, a reset, or destroy). */
export function waitForClose(socket: Socket, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  inboxOf(socket); // keep the socket flowing so 'end' and 'close' can happen
  if (socket.closed) return Promise.resolve();
  return withTimeout(new Promise<void>((resolve) => socket.once('close', () => resolve())), timeoutMs, 'the connection to close');
}

/** Writes and resolves once the bytes are handed to the kernel. */
export function writeAll(socket: Socket, data: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

/**
 * Sends `data` in pieces of `minBytes`..`maxBytes` (pseudo-random, seeded, reproducible),
 * each piece its own write and its own TCP segment (Nagle is off), flushing between pieces.
 */
export async function dribble(socket: Socket, data: string | Buffer, minBytes = 1, maxBytes = 4, seed = 1): Promise<number> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  let state = seed >>> 0 || 1;
  let pieces = 0;
  for (let i = 0; i < bytes.length; ) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const size = minBytes + (state % (maxBytes - minBytes + 1));
    await writeAll(socket, bytes.subarray(i, i + size));
    await new Promise((r) => setImmediate(r)); // let the write leave before the next one
    i += size;
    pieces++;
  }
  return pieces;
}

/** Connects, writes `data`, and reads until `predicate` holds; destroys the socket afterwards. */
export async function exchange(port: number, data: string | Buffer, predicate: (b: Buffer) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<string> {
  const socket = await connect(port);
  try {
    socket.write(data);
    return (await readUntil(socket, predicate, timeoutMs)).toString('latin1');
  } finally {
    socket.destroy();
  }
}

/** Resolves with the first emission of `event` on `emitter` (as an array of its arguments). */
export function nextEvent<T extends unknown[] = unknown[]>(
  emitter: { once(event: string, listener: (...args: never[]) => void): unknown },
  event: string,
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<T> {
  return withTimeout(new Promise<T>((resolve) => emitter.once(event, ((...args: T) => resolve(args)) as never)), timeoutMs, `event '${event}'`);
}

export interface RunningIndexServer {
  server: IndexServer;
  port: number;
  store: Store;
  close(): Promise<void>;
}

/**
 * An in-process index server on 127.0.0.1, port chosen by the OS. `close()` shuts it down
 * (and is safe to call twice) — call it in `after`/`finally`.
 */
export async function startIndexServer(options: { store?: Store; limits?: Partial<ServerLimits>; now?: () => number } = {}): Promise<RunningIndexServer> {
  const store = options.store ?? new MemoryStore();
  const server = new IndexServer({ store, ...(options.limits ? { limits: options.limits } : {}), ...(options.now ? { now: options.now } : {}) });
  server.on('error', () => {}); // tests assert on answers; a store error must not crash the runner
  const { port } = await server.listen(0, LOCALHOST);
  return { server, port, store, close: () => server.close() };
}

/** A raw-socket peer that ADDs `adds` one by one (waiting for each answer) and stays connected. */
export async function registeredPeer(indexPort: number, host: string, uploadPort: number, adds: Array<[number, string]>): Promise<Socket> {
  const s = await connect(indexPort);
  for (const [rfc, title] of adds) {
    s.write(encodeAdd(rfc, title, { host, port: uploadPort }));
    await readUntil(s, endsWithText('\r\n\r\n'));
  }
  return s;
}
