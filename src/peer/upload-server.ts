import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import {
  PEER_METHODS, ProtocolError, RequestParser, encodeGetResponseHead, httpDate,
  STATUS_PHRASES, type ParserLimits, type Request, type StatusCode,
} from '../protocol/index.js';
import { ShareFolder } from './share-folder.js';
import { AddressTally } from '../net/address-tally.js';
import { osDescription } from './os-info.js';
import { DeadlineTimer } from '../clock/deadline-timer.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { DigestCache } from './swarm/digest-cache.js';
import { planUpload } from './swarm/ranged-answer.js';
import { UploadRateLimit, throttled } from './upload-rate-limit.js';

export interface UploadServerOptions {
  folder: ShareFolder;
  /** The OS header of our answers. */
  os?: string;
  /** A downloader that neither sends nor reads for this long is closed (its file handle with it). */
  idleTimeoutMs?: number;
  /** No single GET may take longer than this, however steadily it reads. */
  totalTimeoutMs?: number;
  /** Open downloads at once; more connections are closed at once. */
  maxConnections?: number;
  /** Open downloads from one IP address; more are closed at once. 0 = unlimited. */
  maxConnectionsPerAddress?: number;
  limits?: Partial<ParserLimits>;
  idleCompletionMs?: number;
  /** Time and timers of idle completion; tests inject their own. */
  clock?: Clock;
  /** Total upload rate across all transfers, bytes per second (`--upload-limit`); none if unset. */
  uploadLimit?: number;
}

export interface TransferEvent {
  rfc: number | null;
  remote: string;
  status: StatusCode | null;
  bytes: number;
  ms: number;
  /** Why the transfer did not complete, if it didn't. */
  error?: string;
}

export interface UploadServerEvents {
  transfer: [TransferEvent];
}

export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_UPLOAD_TOTAL_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_UPLOADS = 1024;
export const DEFAULT_MAX_UPLOADS_PER_ADDRESS = 64;
/** A GET is three short lines: these bounds are generous and still tiny. */
export const DEFAULT_UPLOAD_LIMITS: Readonly<ParserLimits> = { maxLineBytes: 1024, maxHeaders: 16, maxRequestBytes: 4096, maxTitleLength: 1024 };

/**
 * A peer's upload server (PROTOCOL.md §3): one GET per connection, answered with the file's
 * bytes streamed from disk unchanged, then close. Errors get a head (status, Date, OS) and no body.
 */
export class UploadServer extends EventEmitter<UploadServerEvents> {
  readonly folder: ShareFolder;
  private readonly os: string;
  private readonly idleMs: number;
  private readonly totalMs: number;
  private readonly maxConnections: number;
  private readonly maxPerAddress: number;
  private readonly limits: ParserLimits;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new AddressTally();
  private readonly digests = new DigestCache();
  private readonly rateLimit: UploadRateLimit | null;

  constructor(private readonly options: UploadServerOptions) {
    super();
    this.folder = options.folder;
    this.os = options.os ?? osDescription();
    this.idleMs = options.idleTimeoutMs ?? DEFAULT_UPLOAD_IDLE_TIMEOUT_MS;
    this.totalMs = options.totalTimeoutMs ?? DEFAULT_UPLOAD_TOTAL_TIMEOUT_MS;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_UPLOADS;
    this.maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_MAX_UPLOADS_PER_ADDRESS;
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...options.limits };
    this.rateLimit = options.uploadLimit === undefined ? null : new UploadRateLimit(options.uploadLimit);
    // allowHalfOpen: a downloader may send its GET and shut down its side before reading.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
  }

  listen(port = 0, host?: string): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host }, () => {
        this.server.off('error', reject);
        const a = this.server.address() as AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  get activeConnections(): number {
    return this.sockets.size;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.rateLimit?.close();
      for (const s of this.sockets) s.destroy();
    });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {}); // a downloader vanishing is its own business; 'close' follows
    const address = socket.remoteAddress ?? '?';
    if (this.sockets.size >= this.maxConnections || (this.maxPerAddress > 0 && this.perAddress.count(address) >= this.maxPerAddress)) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.perAddress.add(address);
    const started = performance.now();
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const parser = new RequestParser({ methods: PEER_METHODS, limits: this.limits, idleCompletionMs: this.options.idleCompletionMs });
    let handled = false;
    const clock = this.options.clock ?? systemClock;
    // §6: a GET without its empty line is processed once the downloader falls silent.
    const idle = new DeadlineTimer((now) => take(parser.expire(now)), clock);
    const total = setTimeout(() => socket.destroy(new Error('total time limit')), this.totalMs);
    socket.setTimeout(this.idleMs, () => socket.destroy(new Error(`idle for ${this.idleMs} ms`)));
    socket.on('close', () => {
      clearTimeout(total);
      idle.clear();
      this.sockets.delete(socket);
      this.perAddress.remove(address);
    });

    const take = (result: ReturnType<RequestParser['next']>) => {
      if (result === null || handled) return;
      handled = true;
      idle.clear();
      socket.pause();
      socket.removeAllListeners('data');
      socket.on('data', () => {}); // bytes after the request are not ours to interpret
      const done = (e: Omit<TransferEvent, 'remote' | 'ms'>) => this.emit('transfer', { ...e, remote, ms: performance.now() - started });
      if (result instanceof ProtocolError) {
        this.sendError(socket, result.status);
        done({ rfc: null, status: result.status, bytes: 0, error: result.message });
      } else {
        this.serve(socket, result).then(done, (err: Error) => done({ rfc: result.rfc, status: 200, bytes: 0, error: err.message }));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      parser.push(chunk, clock.now());
      take(parser.next());
      if (!handled) idle.arm(parser.idleDeadline());
    });
    socket.on('end', () => {
      if (handled) return;
      take(parser.expire(clock.now(), true) ?? new ProtocolError('MALFORMED_REQUEST_LINE', 'connection closed before a complete GET'));
    });
  }

  private sendError(socket: Socket, status: StatusCode): void {
    socket.end(encodeGetResponseHead({ status, phrase: STATUS_PHRASES[status], date: httpDate(new Date()), os: this.os }));
  }

  /** Streams the file named by the number alone; resolves with what was sent. */
  private async serve(socket: Socket, request: Request): Promise<Omit<TransferEvent, 'remote' | 'ms'>> {
    const rfc = request.rfc!;
    // Opened only if the folder shares it as a regular file; gone in between is a 404 too.
    const shared = await this.folder.openShared(rfc);
    if (shared === null) {
      this.sendError(socket, 404);
      return { rfc, status: 404, bytes: 0 };
    }
    const { file, stats: st } = shared;
    try {
      // Size and mtime from the open handle: the head describes exactly the bytes we stream.
      // A GET without p2pci's extension headers gets exactly §3's answer (swarm/ranged-answer.ts).
      const { head, start, end } = await planUpload(request, this.folder.pathOf(rfc), st, this.os, this.digests);
      // Corked until the first body bytes, so head and body leave in one segment, not two.
      socket.cork();
      socket.write(encodeGetResponseHead(head));
      socket.resume();
      if (end > start) {
        // `end` bounds the stream to Content-Length even if the file grows meanwhile.
        const body = file.createReadStream({ start, end: end - 1, autoClose: false, highWaterMark: 64 * 1024 });
        body.once('data', () => process.nextTick(() => socket.uncork()));
        if (this.rateLimit === null) await pipeline(body, socket);
        else await pipeline(body, (src: AsyncIterable<Buffer>) => throttled(src, this.rateLimit!), socket);
      } else {
        await new Promise<void>((resolve) => socket.end(resolve)); // end() uncorks
      }
      return { rfc, status: head.status, bytes: end - start };
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      await file.close();
    }
  }
}
