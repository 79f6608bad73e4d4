import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  END_LINE, ProtocolError, ResponseParser, encodeAddIn, encodeConnectLine, encodeListIn, encodeLookupIn,
  type ClientStyle, type IndexMethod, type IndexResponse, type PeerAddress, type ServerEvidence,
} from '../protocol/index.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { RefusedAdds, REFUSED_ADD_BACKOFF } from './refused-adds.js';
import { connectWithin, describeNetError } from './net-errors.js';
import { DeadlineTimer } from '../clock/deadline-timer.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { ServerDialect, type Verdict } from './server-dialect.js';

export interface IndexClientOptions {
  server: PeerAddress;
  /** An answer must arrive this long after its request, or the connection is deemed dead. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Delays between new tries of ADDs answered 400 (src/peer/refused-adds.ts). */
  refusedAddBackoff?: Partial<BackoffOptions>;
  /** Reconnect after the connection drops (the one-shot commands don't). */
  reconnect?: boolean;
  random?: () => number;
  /** Silence that completes an answer left without its final empty line (§6). */
  idleCompletionMs?: number;
  /**
   * A connection counts as healthy (and the reconnect backoff starts over) once a request
   * was answered on it, or after it stayed up this long. Not on connect: a server that
   * accepts and then drops us must not be re-dialled at full speed.
   */
  healthyAfterMs?: number;
  /** Time and timers of idle completion; tests inject their own. */
  clock?: Clock;
  /** Adapt to the server dialects of DIALECTS.md (false = `--strict`: spec bytes only). */
  dialects?: boolean;
  /** A fresh connection silent this long after our first request gets a line `END` (G). */
  silenceProbeMs?: number;
}

export const DEFAULT_SILENCE_PROBE_MS = 400;
/** Titles learnt from LIST answers, for LOOKUPs (C matches the exact title). */
const MAX_KNOWN_TITLES = 10_000;

/** The index server can't be reached right now; the client is retrying in the background. */
export class IndexUnreachableError extends Error {
  override readonly name = 'IndexUnreachableError';
}

/**
 * The server stopped reading this connection (DIALECTS.md E, F): its requests go again on a
 * fresh one. Escapes only when the tries are used up, as the unreachable error it then is.
 */
class RedialNeeded extends IndexUnreachableError {}

export interface IndexClientEvents {
  connected: [{ localAddress: string; reconnect: boolean }];
  disconnected: [{ reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  reregistered: [{ count: number; failed: number }];
  /** ADDs answered 400 earlier were tried again: `registered` of them now are, `refused` still not. */
  retriedAdds: [{ registered: number[]; refused: number }];
}

interface Pending {
  method: IndexMethod;
  resolve(r: IndexResponse): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The peer's ONE long-lived connection to the index server (PROTOCOL.md §1). Requests are
 * pipelined in order and answered in order. When the connection drops, every RFC this peer
 * registered is ADDed again once a new connection is up: the server forgot them with the old one.
 */
export class IndexClient extends EventEmitter<IndexClientEvents> {
  /** Host and upload port this peer announces; set before the first request. */
  identity: PeerAddress = { host: 'localhost', port: 1 };
  private readonly server: PeerAddress;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly reconnect: boolean;
  private readonly random: () => number;
  private readonly registered = new Map<number, string>();
  private readonly refusedAdds: RefusedAdds;
  /** RFCs the server answered 200 to on the current connection. */
  private readonly acceptedHere = new Set<number>();
  private socket: Socket | null = null;
  private readonly clock: Clock;
  private readonly idleCompletionMs: number | undefined;
  private readonly healthyAfterMs: number;
  private parser: ResponseParser;
  private pending: Pending[] = [];
  private readonly idle: DeadlineTimer;
  private healthyTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private closed = false;
  private lastError = 'not connected yet';
  private readonly dialects: boolean;
  private readonly silenceProbeMs: number;
  /** How this connection's server is written to (DIALECTS.md). */
  private dialect: ServerDialect;
  /** The first exchange on a connection whose server's dialect is not known yet. */
  private probe: Promise<unknown> | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private readonly knownTitles = new Map<number, string>();
  /** The server no longer reads this connection: the next request goes on a fresh one. */
  private spent = false;
  private redialing: Promise<void> | null = null;
  /** The dialect's `CONNECT` line went out on this connection (E). */
  private connectSent = false;

  constructor(options: IndexClientOptions) {
    super();
    this.server = options.server;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.reconnect = options.reconnect ?? true;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? systemClock;
    this.idleCompletionMs = options.idleCompletionMs;
    this.healthyAfterMs = options.healthyAfterMs ?? 5_000;
    this.dialects = options.dialects ?? true;
    this.silenceProbeMs = options.silenceProbeMs ?? DEFAULT_SILENCE_PROBE_MS;
    this.dialect = new ServerDialect(this.serverLabel, this.dialects);
    this.parser = this.newParser();
    this.idle = new DeadlineTimer((now) => this.onIdle(now), this.clock);
    this.refusedAdds = new RefusedAdds((entries) => this.retryRefused(entries), { ...REFUSED_ADD_BACKOFF, ...options.refusedAddBackoff }, this.random);
  }

  private newParser(): ResponseParser {
    return new ResponseParser({ idleCompletionMs: this.idleCompletionMs, dialects: this.dialects });
  }

  get online(): boolean {
    return this.socket !== null;
  }

  /** The server's dialect as its reactions showed it (DIALECTS.md): `spec`, `C`, `D`, `E`, `F`, `G`. */
  get serverDialect(): string {
    return this.dialect.id;
  }

  get serverLabel(): string {
    return `${this.server.host}:${this.server.port}`;
  }

  /** RFC numbers and titles this peer has registered (re-ADDed after every reconnect). */
  get registrations(): ReadonlyMap<number, string> {
    return this.registered;
  }

  /** The first connection; rejects when the server can't be reached (no retry here). */
  async connect(): Promise<{ localAddress: string; localPort: number }> {
    const socket = await this.open();
    this.attach(socket, false);
    return { localAddress: socket.localAddress ?? '127.0.0.1', localPort: socket.localPort ?? 1 };
  }

  async add(rfc: number, title: string): Promise<IndexResponse> {
    if (this.socket === null && this.reconnect && !this.closed) {
      // Offline: the RFC is ours all the same; it goes to the server with the re-registration.
      this.registered.set(rfc, title);
      this.refusedAdds.forget(rfc); // goes with the re-registration
      throw new IndexUnreachableError(`index server ${this.serverLabel} unreachable (${this.lastError}); RFC ${rfc} will be registered when it is back`);
    }
    const res = await this.request('ADD', (style) => encodeAddIn(style, rfc, title, this.identity));
    if (res.status === 200) {
      this.registered.set(rfc, title);
      this.acceptedHere.add(rfc);
      this.refusedAdds.forget(rfc);
    } else if (res.status === 400 && this.reconnect && !this.closed && !this.acceptedHere.has(rfc)) {
      // (Accepted earlier on this connection: a server refusing the repeat loses nothing.)
      this.refusedAdds.refused(rfc, title);
    }
    return res;
  }

  /** ADDs answered 400 that are tried again in the background. */
  get refusedAddCount(): number {
    return this.refusedAdds.size;
  }

  private async retryRefused(entries: Array<[number, string]>): Promise<void> {
    if (this.closed) return;
    if (this.socket === null) {
      // Offline: they go with the re-registration once a new connection is up.
      for (const [rfc, title] of entries) {
        this.registered.set(rfc, title);
        this.refusedAdds.forget(rfc);
      }
      return;
    }
    const results = await Promise.allSettled(entries.map(([rfc, title]) => this.add(rfc, title)));
    const registered = entries.filter((_, i) => { const r = results[i]!; return r.status === 'fulfilled' && r.value.status === 200; }).map(([rfc]) => rfc);
    this.emit('retriedAdds', { registered, refused: this.refusedAdds.size });
  }

  /** LOOKUP carries the title when it is known (our own share, a previous LIST): C matches it exactly. */
  lookup(rfc: number, title = ''): Promise<IndexResponse> {
    const known = title !== '' ? title : (this.registered.get(rfc) ?? this.knownTitles.get(rfc) ?? '');
    return this.request('LOOKUP', (style) => encodeLookupIn(style, rfc, known, this.identity));
  }

  async list(): Promise<IndexResponse> {
    const res = await this.request('LIST', (style) => encodeListIn(style, this.identity));
    for (const r of res.records) if (this.knownTitles.size < MAX_KNOWN_TITLES) this.knownTitles.set(r.rfc, r.title);
    return res;
  }

  /** Leaves the index: closing the connection makes the server drop our records (§1). */
  close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.refusedAdds.stop();
    const socket = this.socket;
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /**
   * Until the server's dialect is known, the first request goes alone and the others wait for
   * its answer; from then on requests are pipelined (a known or spec server: no extra wait).
   */
  private request(method: IndexMethod, build: (style: ClientStyle) => string): Promise<IndexResponse> {
    if (this.dialect.settled || this.socket === null) return this.exchange(method, build, false);
    if (this.probe !== null) {
      const again = () => this.request(method, build);
      return this.probe.then(again, again);
    }
    const dialect = this.dialect;
    const probe = this.exchange(method, build, true).finally(() => {
      if (this.probe === probe) this.probe = null;
      dialect.settle(this.parser.endLines > 0);
    });
    this.probe = probe;
    return probe;
  }

  /** One request, sent again (at most 3 times) while the answers teach a better style. */
  private async exchange(method: IndexMethod, build: (style: ClientStyle) => string, probing: boolean, redialing = false): Promise<IndexResponse> {
    for (let tries = 0; ; tries++) {
      // (The re-ADDs of a redial go on the fresh connection it is opening.)
      if (!redialing && (this.spent || this.redialing !== null)) await this.redial();
      const dialect = this.dialect;
      let res: IndexResponse;
      try {
        res = await this.send(method, build(dialect.style), probing);
      } catch (err) {
        if (err instanceof RedialNeeded && tries < 3) continue;
        throw err;
      }
      if (dialect !== this.dialect) return res;
      const verdict = dialect.answered(method, res);
      if (verdict.redial) this.spent = true;
      if (tries >= 3 || verdict.then !== 'again') return res;
      this.parser.dropPartialLine();
    }
  }

  /** Evidence that is not an answer (`silence`, `closed`), weighed while the dialect is unknown. */
  private reactTo(on: ServerEvidence): Verdict | null {
    const first = this.pending[0];
    if (first === undefined || this.probe === null || this.closed) return null;
    const verdict = this.dialect.react(first.method, on);
    return verdict.then === 'take' && !verdict.redial ? null : verdict;
  }

  /** A fresh connection in the same dialect; what this peer registered goes again (§1: the server forgot it). */
  private redial(): Promise<void> {
    this.redialing ??= this.reopen().finally(() => {
      this.redialing = null;
    });
    return this.redialing;
  }

  private async reopen(): Promise<void> {
    const old = this.socket;
    this.spent = false;
    if (old !== null) {
      this.socket = null; // its close is ours: neither 'disconnected' nor a reconnect
      this.detach();
      this.rejectPending(new RedialNeeded(`index server ${this.serverLabel} stopped reading the connection`));
      old.destroy();
    }
    let socket: Socket;
    try {
      socket = await this.open();
    } catch (err) {
      if (this.reconnect && !this.closed) this.scheduleReconnect();
      throw err;
    }
    if (this.closed) {
      socket.destroy();
      throw new IndexUnreachableError(`index server ${this.serverLabel}: client closed`);
    }
    this.attach(socket, false, this.dialect);
    await Promise.allSettled([...this.registered].map(([rfc, title]) =>
      this.exchange('ADD', (style) => encodeAddIn(style, rfc, title, this.identity), false, true).then((res) => {
        if (res.status === 200) this.acceptedHere.add(rfc);
      })));
  }

  private send(method: IndexMethod, bytes: string, probing: boolean): Promise<IndexResponse> {
    const socket = this.socket;
    if (socket === null || this.closed) {
      return Promise.reject(new IndexUnreachableError(`index server ${this.serverLabel} unreachable (${this.lastError})${this.closed || !this.reconnect ? '' : '; reconnecting in the background'}`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Answers come in order: one that never comes leaves us out of step for good.
        socket.destroy(new Error(`no answer to ${method} within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.push({ method, resolve, reject, timer });
      this.parser.expect(method);
      if (this.dialect.style.connect && !this.connectSent) {
        // E: before any request, never answered.
        socket.write(encodeConnectLine(this.identity.port));
        this.connectSent = true;
      }
      socket.write(bytes);
      if (probing && this.dialects) {
        if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
        this.silenceTimer = setTimeout(() => {
          this.silenceTimer = null;
          if (this.socket !== socket) return;
          const verdict = this.reactTo('silence');
          if (verdict?.then === 'complete') socket.write(END_LINE); // G: what `end` adds to the request just sent
          if (verdict?.redial === true) this.redial().catch(() => {});
        }, this.silenceProbeMs);
      }
    });
  }

  private open(): Promise<Socket> {
    return connectWithin(this.server, this.connectTimeoutMs).catch((err: Error) => {
      this.lastError = err.message;
      throw new IndexUnreachableError(`index server ${this.serverLabel} unreachable (${this.lastError})`);
    });
  }


  /** `dialect`: kept from the connection this one replaces (a redial), else from what was remembered. */
  private attach(socket: Socket, reconnect: boolean, dialect?: ServerDialect): void {
    this.socket = socket;
    this.acceptedHere.clear();
    this.parser = this.newParser();
    this.connectSent = false;
    this.spent = false;
    if (dialect === undefined) {
      this.dialect = new ServerDialect(this.serverLabel, this.dialects);
      this.probe = null;
    }
    this.healthyTimer = setTimeout(() => this.markHealthy(), this.healthyAfterMs);
    this.healthyTimer.unref();
    socket.setKeepAlive(true, 15_000);
    socket.on('data', (chunk: Buffer) => {
      if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
      this.silenceTimer = null;
      this.parser.push(chunk, this.clock.now());
      this.drain();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = describeNetError(err);
    });
    socket.on('close', () => this.onClose(socket));
    if (dialect === undefined) this.emit('connected', { localAddress: socket.localAddress ?? '', reconnect });
  }

  private drain(): void {
    for (;;) {
      const out = this.parser.next();
      if (out === null) break;
      if (out instanceof ProtocolError) {
        this.socket?.destroy(new Error(`unreadable answer from the index server: ${out.message}`));
        return;
      }
      this.settle(out);
    }
    // §6: a LOOKUP/LIST answer without its final empty line ends with the server's silence.
    this.idle.arm(this.parser.idleDeadline());
  }

  private onIdle(now: number): void {
    const out = this.parser.expire(now);
    if (out !== null) this.settle(out);
    this.drain();
  }

  private markHealthy(): void {
    this.attempt = 0;
    if (this.healthyTimer !== null) clearTimeout(this.healthyTimer);
    this.healthyTimer = null;
  }

  private settle(res: IndexResponse): void {
    this.markHealthy();
    const p = this.pending.shift();
    if (p === undefined) return;
    clearTimeout(p.timer);
    p.resolve(res);
  }

  /** Timers of the connection that just went away. */
  private detach(): void {
    this.idle.clear();
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    if (this.healthyTimer !== null) clearTimeout(this.healthyTimer);
    this.healthyTimer = null;
  }

  private rejectPending(err: Error): void {
    for (const p of this.pending.splice(0)) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return;
    const verdict = this.reactTo('closed');
    this.socket = null;
    this.detach();
    const reason = socket.errored?.message ?? 'connection closed by the server';
    this.lastError = reason;
    if (verdict?.redial === true) {
      // E: an LF request before CONNECT killed the server's thread. Its request goes again.
      this.spent = true;
      this.rejectPending(new RedialNeeded(`index server ${this.serverLabel} closed the connection unanswered`));
      return;
    }
    this.rejectPending(new IndexUnreachableError(`index server ${this.serverLabel} unreachable (${reason})`));
    if (this.closed) return;
    this.emit('disconnected', { reason });
    if (this.reconnect) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delayMs = backoffDelay(this.attempt, this.backoff, this.random);
    this.emit('reconnecting', { attempt: ++this.attempt, delayMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open().then(
        (socket) => {
          if (this.closed) {
            socket.destroy();
            return;
          }
          this.attach(socket, true);
          void this.reregister();
        },
        () => {
          if (!this.closed) this.scheduleReconnect();
        },
      );
    }, delayMs);
  }

  /** The new server knows nothing of us: ADD every registered RFC again (pipelined). */
  private async reregister(): Promise<void> {
    const entries = [...this.registered];
    const results = await Promise.allSettled(entries.map(([rfc, title]) => this.add(rfc, title)));
    const failed = results.filter((r) => r.status === 'rejected' || r.value.status !== 200).length;
    this.emit('reregistered', { count: entries.length - failed, failed });
  }
}
