import type { Socket } from 'node:net';
import {
  END_LINE, INDEX_METHODS, ProtocolError, RequestParser, SilentLine, SPEC_DIALECT, recogniseShape,
  type AnswerStyle, type Dialect, type Request,
} from '../protocol/index.js';
import { isPromise, type MaybePromise, type Store } from '../index/store.js';
import { handleAdd, handleList, handleLookup, writeError, type Outcome, type ResponseSink } from './handlers.js';
import { RateLimiter } from './rate-limiter.js';
import type { BulkLane, BulkWork } from './bulk-lane.js';
import type { ServerLimits } from './options.js';
import { RequestTimers } from './request-timers.js';
import { resumeReading, stopReading } from './socket-reading.js';
import type { Clock } from '../clock/clock.js';
import { toRequestEvent } from './request-event.js';
import { dropOwnerRecords } from './owner-drop.js';
import type { DisconnectEvent, RequestEvent, LimitEvent } from './events.js';

/** Where a socket keeps its connection, for the listener functions all connections share. */
const CONNECTION = Symbol('p2pci.connection');
type OwnedSocket = Socket & { [CONNECTION]: PeerConnection };

/** Binary request lines in a row that close a connection (see dispatch). */
const BINARY_LINES_TO_CLOSE = 2;

export interface ConnectionHooks {
  store: Store;
  limits: ServerLimits;
  now: () => number;
  /** The same clock as `now`, with its timers (idle completion, header timeout). */
  clock: Clock;
  onRequest(event: RequestEvent): void;
  onLimit(event: LimitEvent): void;
  onClosed(conn: PeerConnection, event: DisconnectEvent): void;
  onError(error: Error): void;
  bulkLane: BulkLane;
}

/**
 * One peer's long-lived connection: bytes in → parser → one handler per method → bytes out.
 * Requests are answered strictly in order; while an answer is pending or the peer's output
 * is backed up, the socket is paused, so a peer that doesn't read can't grow our memory.
 */
export class PeerConnection implements ResponseSink, BulkWork {
  readonly connectedAt = Date.now();
  /** The Host/Port this connection last announced. */
  host: string | undefined;
  port: number | undefined;
  requests = 0;
  /** The dialect this connection is answered in (DIALECTS.md): the spec until its bytes show another. */
  dialect: Dialect = SPEC_DIALECT;
  /** Shape bits of the first request, with what the connection showed besides (CONNECT, END). */
  private evidence = 0;
  private sawRequest = false;
  private readonly parser: RequestParser;
  private readonly rate: RateLimiter | null;
  private busy = false;
  private ended = false;
  private dropped = false;
  private closeReason: DisconnectEvent['reason'] = 'end';
  /** Only while a request is unfinished: most of a connection's life has no timer at all. */
  private timers: RequestTimers | null = null;
  private consecutiveErrors = 0;
  /** Request lines in a row that were binary (BINARY_INPUT). */
  private binaryLines = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  private lastThrottleReport = 0;
  private yielded = false;
  /** Had more pipelined requests than one turn allows; served from the bulk lane until caught up. */
  private bulk = false;
  /** Set while we have stopped reading the socket; the idle clock waits meanwhile (onIdle). */
  private notReading = false;
  /** Whoever waits for this peer's output to drain (a LIST); created by the first. */
  private drainWaiters: Array<() => void> | null = null;

  /**
   * The socket events of every connection go to these five functions, shared by all (the
   * socket knows its connection): five closures per connection were ~0.3 KB of each idle peer.
   */
  private static readonly onSocketData = function (this: OwnedSocket, chunk: Buffer): void {
    this[CONNECTION].onData(chunk);
  };

  private static readonly onSocketEnd = function (this: OwnedSocket): void {
    this[CONNECTION].onEnd();
  };

  private static readonly onSocketDrain = function (this: OwnedSocket): void {
    this[CONNECTION].onDrain();
  };

  private static readonly onSocketError = function (this: OwnedSocket, err: NodeJS.ErrnoException): void {
    this[CONNECTION].closeReason = err.code === 'ECONNRESET' ? 'reset' : 'error';
  };

  private static readonly onSocketClose = function (this: OwnedSocket): void {
    this[CONNECTION].onClose();
  };

  constructor(
    readonly id: string,
    /** The peer's IP address (what the per-address limit counts). */
    readonly address: string,
    private readonly remotePort: number,
    private readonly socket: Socket,
    private readonly hooks: ConnectionHooks,
  ) {
    const { limits } = hooks;
    this.parser = new RequestParser({ methods: INDEX_METHODS, limits, idleCompletionMs: limits.idleCompletionMs, dialects: limits.dialects });
    this.rate = limits.maxRequestsPerSecond > 0 ? new RateLimiter(limits.maxRequestsPerSecond, hooks.now()) : null;
    // The server is created with noDelay; keepalive is the kernel's, no timer of ours.
    if (limits.keepAliveMs > 0) socket.setKeepAlive(true, limits.keepAliveMs);
    (socket as OwnedSocket)[CONNECTION] = this;
    socket.on('data', PeerConnection.onSocketData);
    socket.on('end', PeerConnection.onSocketEnd);
    socket.on('drain', PeerConnection.onSocketDrain);
    socket.on('error', PeerConnection.onSocketError);
    socket.on('close', PeerConnection.onSocketClose);
  }

  /**
   * `address:port` of the peer's end, as events and logs show it: built when asked (an event,
   * a log line), not kept as two more strings in each of tens of thousands of idle peers.
   */
  get remote(): string {
    return `${this.address}:${this.remotePort}`;
  }

  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** Bytes received / sent so far: read by metrics when scraped, never counted per request. */
  get bytesReceived(): number {
    return this.socket.bytesRead;
  }

  get bytesSent(): number {
    return this.socket.bytesWritten;
  }

  /** Answer bytes queued in this process for a peer that isn't reading: bounded by backpressure. */
  get pendingOutputBytes(): number {
    return this.socket.writableLength;
  }

  get style(): AnswerStyle {
    return this.dialect.answer;
  }

  write(text: string): boolean {
    if (this.closed) return false;
    this.socket.write(text);
    return !this.outputBackedUp;
  }

  writeBytes(bytes: Uint8Array, written: () => void): boolean {
    if (this.closed) {
      written();
      return false;
    }
    this.socket.write(bytes, written);
    return !this.outputBackedUp;
  }

  /** The peer isn't reading: its answers queued here reached the limit (and 'drain' will come). */
  private get outputBackedUp(): boolean {
    return this.socket.writableNeedDrain && this.socket.writableLength >= this.hooks.limits.maxPendingOutputBytes;
  }

  drained(): Promise<void> {
    if (this.socket.destroyed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => (this.drainWaiters ??= []).push(resolve));
  }

  nextTurn(): Promise<void> {
    return new Promise((resolve) => this.hooks.bulkLane.enqueue({ runTurn: resolve }));
  }

  /** Server shutdown: close now; the records go with the connection. */
  shutdown(): void {
    this.closeReason = 'shutdown';
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.parser.push(chunk, this.hooks.now());
    // A connection with pipelined bulk work is served from the bulk lane only, so its next
    // chunk doesn't get a turn ahead of interactive peers.
    if (this.bulk) this.yieldTurn();
    else this.pump();
  }

  /**
   * The peer half-closed. Its last request (maybe without its line end) is taken by `pump`
   * once every complete request before it has been answered: lines still unread here
   * (paused for backpressure or fairness) are whole requests, not one final partial line.
   */
  private onEnd(): void {
    this.ended = true;
    this.pump();
  }

  /** A request completed by idleness, answered after whatever is queued before it. */
  private pendingTail: Request | ProtocolError | SilentLine | null = null;

  private onDrain(): void {
    this.wakeDrainWaiters();
    if (!this.busy) {
      this.continueReading();
      this.pump();
    }
  }

  private pump(): void {
    // While in the bulk lane, only the lane runs this connection.
    if (this.busy || this.yielded || this.socket.destroyed) return;
    this.socket.cork();
    let answered = 0;
    try {
      while (!this.busy && !this.socket.destroyed) {
        // Fairness: a peer with thousands of pipelined requests yields to the others.
        if (answered++ >= this.hooks.limits.maxRequestsPerTurn) {
          this.yieldTurn();
          return;
        }
        if (this.outputBackedUp) {
          this.pauseReading();
          return;
        }
        if (this.rate !== null) {
          const wait = this.rate.waitMs(this.hooks.now());
          if (wait > 0) {
            this.throttle(wait);
            return;
          }
        }
        let next = this.parser.next();
        if (next === null && this.pendingTail !== null) {
          next = this.pendingTail;
          this.pendingTail = null;
        }
        if (next === null && this.ended) next = this.parser.expire(this.hooks.now(), true);
        if (next === null) break;
        this.dispatch(next);
      }
    } finally {
      this.socket.uncork();
    }
    // Caught up: a peer that had bulk work and now sends little becomes interactive again.
    if (answered <= 2) this.bulk = false;
    if (this.busy || this.socket.destroyed) return;
    if (this.ended) {
      this.finishAfterEnd();
      return;
    }
    this.armTimers();
  }

  /** Stops reading the socket (any reason: backpressure, fairness, a rate limit, async work). */
  private pauseReading(): void {
    this.notReading = true;
    stopReading(this.socket);
  }

  private continueReading(): void {
    if (this.notReading) this.parser.restartIdleClock(this.hooks.now());
    this.notReading = false;
    resumeReading(this.socket);
  }

  /** The idle and header clocks of an unfinished request; none (and no object) between requests. */
  private armTimers(): void {
    if (this.parser.inRequest) {
      this.timers ??= new RequestTimers(this.hooks.limits.headerTimeoutMs, this.hooks.clock, (now) => this.onIdle(now), () => this.onHeaderTimeout());
      this.timers.arm(this.parser);
    } else if (this.timers !== null) {
      this.timers.clear();
      this.timers = null;
    }
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters === null) return;
    this.drainWaiters = null;
    for (const w of waiters) w();
  }

  /**
   * Over its request rate, a peer is simply not read for a while: TCP pushes back on it, its
   * requests queue nowhere here, and it costs nothing. A peer registering a huge folder is
   * slowed to the rate rather than cut off with its records.
   */
  private throttle(waitMs: number): void {
    if (this.throttleTimer !== null) return;
    this.pauseReading();
    const now = Date.now();
    if (now - this.lastThrottleReport >= 1000) {
      this.lastThrottleReport = now;
      this.hooks.onLimit({ connectionId: this.id, remote: this.remote, reason: 'rate-limit' });
    }
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      if (this.socket.destroyed) return;
      if (!this.busy) this.continueReading();
      this.pump();
    }, waitMs);
  }

  /** Too much work for one turn: the rest waits in the bulk lane, behind nobody interactive. */
  private yieldTurn(): void {
    this.bulk = true;
    if (this.yielded) return;
    this.yielded = true;
    this.pauseReading();
    this.hooks.bulkLane.enqueue(this);
  }

  runTurn(): void {
    this.yielded = false;
    if (this.socket.destroyed) return;
    if (!this.busy && this.throttleTimer === null) this.continueReading();
    this.pump();
  }

  /**
   * What the connection proved about its dialect: the first request's shape decides it, a
   * line like `END` or `CONNECT` may add to it later (kept for the connection's life).
   */
  private learn(bits: number): void {
    this.evidence |= bits;
    this.dialect = recogniseShape(this.evidence);
  }

  /** `END`, `CONNECT 5000 P2P-CI/1.0`, `QUIT`: never answered, but an END-framed client gets its `END`. */
  private onSilentLine(line: SilentLine): void {
    if (line.evidence !== 0) this.learn(line.evidence);
    if (line.word === 'END' && this.dialect.endFramed === true) this.write(END_LINE);
  }

  private dispatch(item: Request | ProtocolError | SilentLine): void {
    if (item instanceof SilentLine) {
      this.onSilentLine(item);
      return;
    }
    if (!this.sawRequest && !(item instanceof ProtocolError) && this.hooks.limits.dialects) {
      this.sawRequest = true;
      this.learn(item.shape);
    }
    const started = this.hooks.now();
    this.requests++;
    this.rate?.consume();
    let outcome: MaybePromise<Outcome>;
    if (item instanceof ProtocolError) {
      outcome = writeError(this, item);
      // A peer sending bad requests is served after the well-behaved ones until it behaves.
      this.bulk = true;
      const { maxConsecutiveErrors } = this.hooks.limits;
      // Binary bytes where a request line belongs, twice in a row: no client of any dialect does
      // that (once may be line noise before a request: `p2pci check` 6.9), random bytes do it at
      // every line. The second 400 is the last thing read; the rest is not parsed.
      this.binaryLines = item.code === 'BINARY_INPUT' ? this.binaryLines + 1 : 0;
      const binary = this.binaryLines >= BINARY_LINES_TO_CLOSE && maxConsecutiveErrors > 0;
      if (binary || (maxConsecutiveErrors > 0 && ++this.consecutiveErrors >= maxConsecutiveErrors)) {
        // Nothing but garbage: answering forever would only spend our time on it.
        this.report(item, outcome, started);
        this.hooks.onLimit({ connectionId: this.id, remote: this.remote, reason: binary ? 'binary-input' : 'too-many-errors' });
        this.closeForLimit();
        return;
      }
    } else {
      this.consecutiveErrors = 0;
      this.binaryLines = 0;
      // The same Host again keeps the string already held (a new one would keep its header line alive).
      if (item.host !== undefined && item.host !== this.host) this.host = item.host;
      if (item.port !== undefined) this.port = item.port;
      outcome = this.handle(item);
    }
    if (!isPromise(outcome)) {
      this.report(item, outcome, started);
      return;
    }
    this.busy = true;
    this.pauseReading();
    const settled = outcome
      .catch((err: unknown): Outcome => {
        this.hooks.onError(err instanceof Error ? err : new Error(String(err)));
        return writeError(this, new ProtocolError('INDEX_UNAVAILABLE', 'index unavailable'));
      })
      .then((o) => {
        this.report(item, o, started);
        this.busy = false;
        if (!this.socket.destroyed) this.continueReading();
        this.pump();
      });
    this.inflight = settled;
    void settled.finally(() => {
      if (this.inflight === settled) this.inflight = null;
    });
  }

  /** An answer an asynchronous store is still working on; a drop waits for it (see drop). */
  private inflight: Promise<void> | null = null;

  private handle(req: Request): MaybePromise<Outcome> {
    const ctx = { store: this.hooks.store, owner: this.id, sink: this, maxRecordsPerPeer: this.hooks.limits.maxRecordsPerPeer };
    switch (req.method) {
      case 'ADD':
        // A peer that has left can't leave records behind (§1).
        if (this.dropped) return { status: 200, records: 0 };
        return handleAdd(ctx, req);
      case 'LOOKUP':
        return handleLookup(ctx, req);
      default:
        return handleList(ctx);
    }
  }

  private report(item: Request | ProtocolError, outcome: Outcome, started: number): void {
    this.hooks.onRequest(toRequestEvent(this.id, this.remote, item, outcome, this.hooks.now() - started, this.dialect.id));
  }

  /**
   * While we are not reading, the peer's silence can't be seen: its next bytes may be waiting
   * in the kernel. Taking the partial line as complete then cut a line at a read boundary
   * (a title lost its last characters and the rest became a 400) for peers in the bulk lane.
   * Reading again restarts the idle clock, and the timers are armed again by `pump`.
   */
  private onIdle(now: number): void {
    if (this.busy || this.socket.destroyed || this.notReading) return;
    const done = this.parser.expire(now);
    if (done !== null) this.pendingTail = done;
    this.pump();
  }

  /** Slowloris: a request still incomplete this long after its first byte closes the connection. */
  private onHeaderTimeout(): void {
    if (this.socket.destroyed || !this.parser.inRequest) return;
    if (this.busy || this.throttleTimer !== null) {
      this.armTimers();
      return;
    }
    this.hooks.onLimit({ connectionId: this.id, remote: this.remote, reason: 'header-timeout' });
    writeError(this, new ProtocolError('REQUEST_TOO_LARGE', 'request not complete in time'));
    this.closeForLimit();
  }

  /**
   * A connection over a limit: its last answer is flushed, then it is closed and its records
   * dropped, whether or not the peer ever closes its own side.
   */
  private closeForLimit(): void {
    this.closeReason = 'limit';
    this.busy = true; // nothing more is read from it
    this.pauseReading();
    this.socket.end(() => this.socket.destroy());
    this.drop();
  }

  /**
   * The peer has sent all it will and every answer is written. With nothing left in our own
   * buffer, closing the socket is the whole goodbye: the kernel still delivers what it holds,
   * then sends the FIN, so there is no shutdown() and no second round through the stream for
   * each of thousands of peers leaving at once (a crashed host, a restarted NAT).
   */
  private finishAfterEnd(): void {
    this.drop();
    if (this.socket.writableLength === 0) this.socket.destroy();
    else this.socket.end();
  }

  private drop(): void {
    if (this.dropped) return;
    this.dropped = true; // later ADDs see this and store nothing
    dropOwnerRecords(this.hooks.store, this.id, this.inflight, (n) => this.hooks.onClosed(this, this.disconnectEvent(n)), this.hooks.onError);
  }

  private disconnectEvent(recordsDropped: number): DisconnectEvent {
    return {
      connectionId: this.id,
      remote: this.remote,
      at: Date.now(),
      recordsDropped,
      reason: this.closeReason,
      bytesIn: this.socket.bytesRead,
      bytesOut: this.socket.bytesWritten,
      ...(this.host !== undefined ? { host: this.host } : {}),
      ...(this.port !== undefined ? { port: this.port } : {}),
    };
  }

  private onClose(): void {
    this.timers?.clear();
    this.timers = null;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.throttleTimer = null;
    this.wakeDrainWaiters();
    this.drop();
  }
}
