import type { IndexServer } from '../server/index-server.js';
import type { ConnectionEvent, DisconnectEvent, LimitEvent, RejectEvent, RequestEvent } from '../server/events.js';
import { LatencyHistogram } from './latency-histogram.js';
import { RollingRate } from './rolling-rate.js';
import { TopCounter } from './top-counter.js';

/** Request series: method × status, numbered so a count is an array increment. */
export const METHOD_LABELS = ['ADD', 'LOOKUP', 'LIST', 'GET', 'INVALID'] as const;
export const STATUS_LABELS = [200, 400, 404, 505] as const;
const STATUSES = STATUS_LABELS.length;
export const SERIES = METHOD_LABELS.length * STATUSES;

/** A switch, not a keyed table lookup: this runs once per request. */
export function seriesSlot(method: string | null, status: number): number {
  let m: number;
  switch (method) {
    case 'ADD': m = 0; break;
    case 'LOOKUP': m = 1; break;
    case 'LIST': m = 2; break;
    case 'GET': m = 3; break;
    default: m = 4;
  }
  switch (status) {
    case 200: return m * STATUSES;
    case 404: return m * STATUSES + 2;
    case 505: return m * STATUSES + 3;
    default: return m * STATUSES + 1;
  }
}

export function seriesLabels(slot: number): { method: string; status: number } {
  return { method: METHOD_LABELS[Math.floor(slot / STATUSES)]!, status: STATUS_LABELS[slot % STATUSES]! };
}

/** How often the collector's clock is read; per-second buckets need no finer time. */
const CLOCK_TICK_MS = 100;

export interface StatsCollectorOptions {
  /**
   * Wall-clock milliseconds, read at every event: injected so tests control the window.
   * Without it the collector reads Date.now() every 100 ms instead of per request — on a VM
   * reading the clock costs more (~0.1 µs) than all the counting together.
   */
  now?: () => number;
  rateWindowSeconds?: number;
  recentRequests?: number;
  /** Distinct RFC numbers kept by the most-added / most-looked-up counters. */
  topCapacity?: number;
}

/**
 * Counts what the index server does, from its events, where it happens. Every per-request
 * update is a few array increments (no allocation except the recent-requests ring keeping a
 * reference to the event the server already built). Readers (metrics, dashboard) only read.
 */
export class StatsCollector {
  readonly now: () => number;
  /** Requests per series since start. */
  readonly requestsBySeries = new Float64Array(SERIES);
  readonly rate: RollingRate;
  readonly latency = new LatencyHistogram();
  readonly errorsByCode = new Map<string, number>();
  readonly limitsByReason = new Map<string, number>();
  readonly rejectsByReason = new Map<string, number>();
  /** RFC numbers by successful ADDs: the candidates for "most shared". */
  readonly added: TopCounter;
  readonly lookedUp: TopCounter;
  connectionsAccepted = 0;
  /** Byte totals of connections that have closed; open ones are read live from the server. */
  closedBytesIn = 0;
  closedBytesOut = 0;
  internalErrors = 0;
  private readonly recent: Array<RequestEvent | undefined>;
  private readonly recentAt: Float64Array;
  private recentNext = 0;
  /** Stops listening to the server; the numbers stay readable. */
  readonly detach: () => void;

  /** The time stamped on events: `now` itself when injected, else a clock refreshed by a timer. */
  private readonly eventNow: () => number;
  private clockMs = Date.now();

  constructor(
    readonly server: IndexServer,
    options: StatsCollectorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    let ticker: NodeJS.Timeout | null = null;
    if (options.now !== undefined) {
      this.eventNow = options.now;
    } else {
      this.eventNow = () => this.clockMs;
      ticker = setInterval(() => (this.clockMs = Date.now()), CLOCK_TICK_MS);
      ticker.unref();
    }
    this.rate = new RollingRate(SERIES, options.rateWindowSeconds ?? 300, this.now());
    const recent = options.recentRequests ?? 50;
    this.recent = new Array<RequestEvent | undefined>(recent);
    this.recentAt = new Float64Array(recent);
    this.added = new TopCounter(options.topCapacity ?? 1000);
    this.lookedUp = new TopCounter(options.topCapacity ?? 1000);
    const onRequest = (e: RequestEvent) => this.onRequest(e);
    const onConnect = (_e: ConnectionEvent) => void this.connectionsAccepted++;
    const onDisconnect = (e: DisconnectEvent) => {
      this.closedBytesIn += e.bytesIn;
      this.closedBytesOut += e.bytesOut;
    };
    const onReject = (e: RejectEvent) => bump(this.rejectsByReason, e.reason);
    const onLimit = (e: LimitEvent) => bump(this.limitsByReason, e.reason);
    const onError = () => void this.internalErrors++;
    server.on('request', onRequest).on('connect', onConnect).on('disconnect', onDisconnect);
    server.on('reject', onReject).on('limit', onLimit).on('error', onError);
    this.detach = () => {
      if (ticker !== null) clearInterval(ticker);
      server.off('request', onRequest).off('connect', onConnect).off('disconnect', onDisconnect);
      server.off('reject', onReject).off('limit', onLimit).off('error', onError);
    };
  }

  get requestsTotal(): number {
    let n = 0;
    for (const v of this.requestsBySeries) n += v;
    return n;
  }

  /** Bytes received and sent by every connection, open or closed: O(open connections). */
  bytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const conn of this.server.peers()) {
      bytesIn += conn.bytesReceived;
      bytesOut += conn.bytesSent;
    }
    return { bytesIn, bytesOut };
  }

  /** The latest requests with the time they were answered, newest first. */
  recentRequests(): Array<{ at: number; event: RequestEvent }> {
    const out: Array<{ at: number; event: RequestEvent }> = [];
    const n = this.recent.length;
    for (let i = 1; i <= n; i++) {
      const k = (this.recentNext - i + n) % n;
      const event = this.recent[k];
      if (event === undefined) break;
      out.push({ at: this.recentAt[k]!, event });
    }
    return out;
  }

  private onRequest(e: RequestEvent): void {
    const now = this.eventNow();
    const slot = seriesSlot(e.method, e.status);
    this.requestsBySeries[slot]!++;
    this.rate.add(slot, now);
    this.latency.observe(e.durationMs / 1000);
    if (e.errorCode !== undefined) bump(this.errorsByCode, e.errorCode);
    if (e.rfc !== null) {
      if (e.method === 'LOOKUP') this.lookedUp.add(e.rfc);
      else if (e.method === 'ADD' && e.status === 200) this.added.add(e.rfc);
    }
    this.recent[this.recentNext] = e;
    this.recentAt[this.recentNext] = now;
    this.recentNext = (this.recentNext + 1) % this.recent.length;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
