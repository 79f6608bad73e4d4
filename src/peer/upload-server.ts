import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  END_LINE, PEER_METHODS, ProtocolError, RequestParser, SilentLine, SPEC_DIALECT, encodeGetResponseHead, httpDate,
  recogniseShape, STATUS_PHRASES, type Dialect, type DialectId, type ParserLimits, type Request, type StatusCode,
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
  /** Answer a downloader's GET in the shape its dialect reads (DIALECTS.md); false = `--strict`. */
  dialects?: boolean;
  /**
   * For a GET that deviates from the spec's bytes: the pause between the head (written alone)
   * and the body, so a downloader that takes its first recv() as the head gets the head alone.
   */
  headPauseMs?: number;
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
  /** The dialect (DIALECTS.md) the GET was answered in. */
  dialect: DialectId;
}

/** How one GET is answered: in the spec's bytes, or for a dialect (head alone, then a pause). */
interface AnswerPlan {
  dialect: Dialect;
  /** The downloader ended its GET with a line `END` (G): it reads the head up to an `END` line. */
  endFramed(): boolean;
}

export interface UploadServerEvents {
  transfer: [TransferEvent];
}

export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_UPLOAD_TOTAL_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_MAX_UPLOADS = 1024;
export const DEFAULT_MAX_UPLOADS_PER_ADDRESS = 64;
/** Measured with bench/dialect-head-pause.ts: see the README's dialect section. */
export const DEFAULT_HEAD_PAUSE_MS = 40;
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
  private readonly dialects: boolean;
  private readonly headPauseMs: number;
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
    this.dialects = options.dialects ?? true;
    this.headPauseMs = options.headPauseMs ?? DEFAULT_HEAD_PAUSE_MS;
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
    const parser = new RequestParser({ methods: PEER_METHODS, limits: this.limits, idleCompletionMs: this.options.idleCompletionMs, dialects: this.dialects });
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
      if (result === null || result instanceof SilentLine || handled) return;
      handled = true;
      idle.clear();
      socket.pause();
      socket.removeAllListeners('data');
      const dialect = this.dialects && !(result instanceof ProtocolError) ? recogniseShape(result.shape) : SPEC_DIALECT;
      // After the GET only a dialect's `END` line is looked for (bounded by the parser's limits);
      // other bytes are not ours to interpret.
      let endSeen = false;
      const watchEnd = () => {
        for (let r = parser.next(); r !== null; r = parser.next()) if (r instanceof SilentLine && r.word === 'END') endSeen = true;
      };
      if (dialect !== SPEC_DIALECT) watchEnd();
      socket.on('data', (chunk: Buffer) => {
        if (dialect === SPEC_DIALECT || endSeen) return;
        parser.push(chunk, performance.now());
        watchEnd();
      });
      const plan: AnswerPlan = { dialect, endFramed: () => endSeen };
      const done = (e: Omit<TransferEvent, 'remote' | 'ms' | 'dialect'>) => this.emit('transfer', { ...e, remote, ms: performance.now() - started, dialect: dialect.id });
      if (result instanceof ProtocolError) {
        this.sendError(socket, result.status);
        done({ rfc: null, status: result.status, bytes: 0, error: result.message });
      } else {
        this.serve(socket, result, plan).then(done, (err: Error) => done({ rfc: result.rfc, status: 200, bytes: 0, error: err.message }));
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

  private errorHead(status: StatusCode): string {
    return encodeGetResponseHead({ status, phrase: STATUS_PHRASES[status], date: httpDate(new Date()), os: this.os });
  }

  private sendError(socket: Socket, status: StatusCode): void {
    socket.end(this.errorHead(status));
  }

  /**
   * DIALECTS.md A C D E: a downloader that takes its first read as the head loses any body
   * byte in it. For a GET that isn't spec-exact the head goes alone, then a pause, then an
   * `END` line if the GET ended with one (G). A spec-exact GET never waits.
   */
  private async writeHeadFor(socket: Socket, head: string, plan: AnswerPlan): Promise<void> {
    if (plan.dialect === SPEC_DIALECT) {
      // Corked until the first body bytes, so head and body leave in one segment, not two.
      socket.cork();
      socket.write(head);
      return;
    }
    socket.write(head);
    socket.resume(); // the downloader's `END` line may still be on its way
    await sleep(this.headPauseMs);
    if (plan.endFramed()) socket.write(END_LINE);
    socket.cork();
  }

  /** Streams the file named by the number alone; resolves with what was sent. */
  private async serve(socket: Socket, request: Request, plan: AnswerPlan): Promise<Omit<TransferEvent, 'remote' | 'ms' | 'dialect'>> {
    const rfc = request.rfc!;
    // Opened only if the folder shares it as a regular file; gone in between is a 404 too.
    const shared = await this.folder.openShared(rfc);
    if (shared === null) {
      await this.writeHeadFor(socket, this.errorHead(404), plan);
      socket.end();
      return { rfc, status: 404, bytes: 0 };
    }
    const { file, stats: st } = shared;
    try {
      // Size and mtime from the open handle: the head describes exactly the bytes we stream.
      // A GET without p2pci's extension headers gets exactly §3's answer (swarm/ranged-answer.ts).
      const { head, start, end } = await planUpload(request, this.folder.pathOf(rfc), st, this.os, this.digests);
      // Spec GET: corked until the first body bytes (one segment); a dialect's: head alone, pause.
      await this.writeHeadFor(socket, encodeGetResponseHead(head), plan);
      if (socket.destroyed) throw new Error('downloader left before the body');
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
