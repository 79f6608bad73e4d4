import { isPromise, type MaybePromise } from '../index/store.js';
import type { RfcRecord } from '../protocol/index.js';
import { seriesLabels, type StatsCollector } from './stats.js';
import type { PeerRow, RecentRequest, StatsSnapshot } from './stats-types.js';

export interface SnapshotOptions {
  /** Peers listed in full (the count is always exact). */
  maxPeers?: number;
  topN?: number;
  /** A snapshot is reused this long, so many open pages cost the server one build. */
  cacheMs?: number;
  /** "Most shared" asks the store about candidates at most this often (it may be Redis). */
  topSharedEveryMs?: number;
}

/**
 * Builds `/stats.json` from the collector's counters and the server's live state. Costs
 * O(listed peers + open connections + candidates), never a scan of the index.
 */
export class StatsSnapshotter {
  private readonly maxPeers: number;
  private readonly topN: number;
  private readonly cacheMs: number;
  private readonly topSharedEveryMs: number;
  private cached: { at: number; value: Promise<StatsSnapshot> } | null = null;
  private shared: { at: number; value: Promise<StatsSnapshot['topShared']> } | null = null;

  constructor(
    private readonly stats: StatsCollector,
    options: SnapshotOptions = {},
  ) {
    this.maxPeers = options.maxPeers ?? 200;
    this.topN = options.topN ?? 10;
    this.cacheMs = options.cacheMs ?? 500;
    this.topSharedEveryMs = options.topSharedEveryMs ?? 3000;
  }

  snapshot(): Promise<StatsSnapshot> {
    const now = this.stats.now();
    if (this.cached === null || now - this.cached.at >= this.cacheMs || now < this.cached.at) {
      const value = this.build(now);
      this.cached = { at: now, value };
      value.catch(() => {
        if (this.cached?.value === value) this.cached = null;
      });
    }
    return this.cached.value;
  }

  private async build(now: number): Promise<StatsSnapshot> {
    const { stats } = this;
    const { server } = stats;
    const [counts, peers, topShared] = await Promise.all([
      server.store.counts(),
      this.peerRows(),
      this.topShared(now),
    ]);
    const mem = process.memoryUsage();
    const byMethod: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const byMethodStatus: StatsSnapshot['requests']['byMethodStatus'] = [];
    let errors = 0;
    stats.requestsBySeries.forEach((count, slot) => {
      if (count === 0) return;
      const { method, status } = seriesLabels(slot);
      byMethod[method] = (byMethod[method] ?? 0) + count;
      byStatus[status] = (byStatus[status] ?? 0) + count;
      byMethodStatus.push({ method, status, count });
      if (status === 400 || status === 505) errors += count;
    });
    const window = stats.rate.window(now);
    let limitsHit = 0;
    for (const n of stats.limitsByReason.values()) limitsHit += n;
    let rejected = 0;
    for (const n of stats.rejectsByReason.values()) rejected += n;
    const ms = (q: number) => {
      const s = stats.latency.quantile(q);
      return s === null || !Number.isFinite(s) ? null : s * 1000;
    };
    return {
      version: 1,
      generatedAt: new Date(now).toISOString(),
      server: {
        startedAt: new Date(server.startedAt).toISOString(),
        uptimeSeconds: Math.max(0, Math.round((now - server.startedAt) / 1000)),
        address: server.address,
        pid: process.pid,
        memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal },
      },
      totals: {
        connections: server.connectionCount,
        connectionsAccepted: stats.connectionsAccepted,
        connectionsRejected: rejected,
        peers: counts.peers,
        records: counts.records,
        requests: stats.requestsTotal,
        errors,
        limitsHit,
        ...stats.bytes(),
      },
      requests: { byMethod, byStatus, byMethodStatus, latencyMs: { p50: ms(0.5), p90: ms(0.9), p99: ms(0.99) } },
      errors: [...stats.errorsByCode].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count),
      rate: {
        windowSeconds: stats.rate.seconds,
        endsAt: new Date(window.endSecond * 1000).toISOString(),
        series: [...window.perSlot].map(([slot, perSecond]) => ({ ...seriesLabels(slot), perSecond })),
      },
      peers: { count: server.connectionCount, shownLimit: this.maxPeers, list: peers },
      topShared,
      topLookedUp: stats.lookedUp.top(this.topN).map(({ key, count }) => ({ rfc: key, lookups: count })),
      recent: stats.recentRequests().map(({ at, event: e }): RecentRequest => ({
        at: new Date(at).toISOString(),
        method: e.method ?? 'INVALID',
        rfc: e.rfc,
        host: e.host ?? null,
        port: e.port ?? null,
        remote: e.remote,
        status: e.status,
        records: e.records,
        durationMs: e.durationMs,
        errorCode: e.errorCode ?? null,
      })),
    };
  }

  /** The oldest `maxPeers` connections with their record counts (the store may answer later). */
  private async peerRows(): Promise<PeerRow[]> {
    const rows: PeerRow[] = [];
    const pending: Array<MaybePromise<number>> = [];
    for (const conn of this.stats.server.peers()) {
      if (rows.length >= this.maxPeers) break;
      rows.push({
        id: conn.id,
        remote: conn.remote,
        host: conn.host ?? null,
        port: conn.port ?? null,
        records: 0,
        requests: conn.requests,
        connectedAt: new Date(conn.connectedAt).toISOString(),
        dialect: conn.dialect.id,
      });
      pending.push(this.stats.server.store.ownerRecordCount(conn.id));
    }
    const counts = pending.some(isPromise) ? await Promise.all(pending) : (pending as number[]);
    counts.forEach((n, i) => (rows[i]!.records = n));
    return rows;
  }

  /**
   * Most shared RFCs: the most-ADDed numbers are the candidates (cheap, bounded), and each
   * candidate's holders are counted exactly by a LOOKUP in the store, so RFCs whose peers
   * have left fall out. Recomputed at most every `topSharedEveryMs`.
   */
  private topShared(now: number): Promise<StatsSnapshot['topShared']> {
    if (this.shared !== null && now - this.shared.at < this.topSharedEveryMs && now >= this.shared.at) return this.shared.value;
    const candidates = this.stats.added.top(this.topN * 4);
    const lookups = candidates.map(({ key }) => this.stats.server.store.lookup(key));
    const rank = (answers: RfcRecord[][]) =>
      answers
        .map((records, i) => ({ rfc: candidates[i]!.key, title: records[0]?.title ?? '', holders: records.length }))
        .filter((r) => r.holders > 0)
        .sort((a, b) => b.holders - a.holders || a.rfc - b.rfc)
        .slice(0, this.topN);
    const value = lookups.some(isPromise) ? Promise.all(lookups).then(rank) : Promise.resolve(rank(lookups as RfcRecord[][]));
    this.shared = { at: now, value };
    value.catch(() => (this.shared = null));
    return value;
  }
}
