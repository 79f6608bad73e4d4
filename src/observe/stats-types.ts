/**
 * The shape of `/stats.json` (and of what the dashboard page draws). Field names are part of
 * the public interface, documented in the README: add fields, never rename or remove them.
 */
export interface StatsSnapshot {
  /** Bumped only if a field ever has to change meaning. */
  version: 1;
  generatedAt: string;
  server: {
    startedAt: string;
    uptimeSeconds: number;
    /** Where the index server listens (null before it listens). */
    address: { host: string; port: number } | null;
    pid: number;
    memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number };
  };
  totals: {
    /** Open index-server connections now. */
    connections: number;
    connectionsAccepted: number;
    connectionsRejected: number;
    /** Distinct (connection, Host, Port) peers holding at least one record. */
    peers: number;
    records: number;
    requests: number;
    /** Requests answered with 400 or 505. */
    errors: number;
    /** Connections closed for a limit (rate, header timeout, too many errors). */
    limitsHit: number;
    bytesIn: number;
    bytesOut: number;
  };
  requests: {
    /** Count per method; `INVALID` = the request could not be parsed. */
    byMethod: Record<string, number>;
    byStatus: Record<string, number>;
    byMethodStatus: Array<{ method: string; status: number; count: number }>;
    /** Upper bounds of the latency bucket holding that quantile, in ms (null: no requests yet). */
    latencyMs: { p50: number | null; p90: number | null; p99: number | null };
  };
  errors: Array<{ code: string; count: number }>;
  rate: {
    windowSeconds: number;
    /** The second (ISO time) the last element of every `perSecond` array stands for. */
    endsAt: string;
    /** Requests per second, oldest first; only series with a request in the window. */
    series: Array<{ method: string; status: number; perSecond: number[] }>;
  };
  peers: {
    /** Connected peers in total; `list` holds at most `shownLimit` of them, oldest first. */
    count: number;
    shownLimit: number;
    list: PeerRow[];
  };
  /** RFCs held by the most peers (candidates from the ADD stream, counts exact from the store). */
  topShared: Array<{ rfc: number; title: string; holders: number }>;
  /** RFCs asked for by LOOKUP most often since start (approximate beyond the top entries). */
  topLookedUp: Array<{ rfc: number; lookups: number }>;
  /** The latest requests, newest first. */
  recent: RecentRequest[];
}

export interface PeerRow {
  id: string;
  /** Address:port the connection comes from. */
  remote: string;
  /** Host and upload Port the peer last announced; null until its first request. */
  host: string | null;
  port: number | null;
  records: number;
  requests: number;
  connectedAt: string;
  /** The dialect (DIALECTS.md) the connection is answered in: `spec`, or `A`…`I`. */
  dialect: string;
}

export interface RecentRequest {
  at: string;
  method: string;
  rfc: number | null;
  host: string | null;
  port: number | null;
  remote: string;
  status: number;
  records: number;
  durationMs: number;
  errorCode: string | null;
}
