import { DEFAULT_LIMITS, DEFAULT_IDLE_COMPLETION_MS, type ParserLimits } from '../protocol/index.js';
import type { Store } from '../index/store.js';
import type { Clock } from '../clock/clock.js';

/** Everything an index server can be tuned with; each field is a CLI flag of `p2pci server`. */
export interface ServerLimits extends ParserLimits {
  /** Silence after which a partial request is processed as it is (§6). */
  idleCompletionMs: number;
  /** A request must be complete this long after its first byte (slowloris). 0 = off. */
  headerTimeoutMs: number;
  /** Records one connection may hold. 0 = unlimited. */
  maxRecordsPerPeer: number;
  /** Open connections in total; more are closed at once. 0 = unlimited. */
  maxConnections: number;
  /** Open connections from one remote address. 0 = unlimited. */
  maxConnectionsPerAddress: number;
  /**
   * Sustained requests per second per connection (token bucket, burst of one second). Over it,
   * the connection is not read until it is under again (throttled, never queued). 0 = unlimited.
   */
  maxRequestsPerSecond: number;
  /** Output bytes queued for one connection before the server stops reading from it. */
  maxPendingOutputBytes: number;
  /** TCP keepalive probe delay, so a peer that vanished without FIN/RST is detected. 0 = off. */
  keepAliveMs: number;
  /** Bad requests in a row after which a connection is closed (garbage senders). 0 = never. */
  maxConsecutiveErrors: number;
  /** Requests answered for one connection before it yields to the others (bulk lane). */
  maxRequestsPerTurn: number;
  /** Milliseconds of bulk work (see bulk-lane.ts) per turn of the event loop; 0 = one connection's turn. */
  bulkBudgetMs: number;
  /** Answer each client in the shape its dialect reads (DIALECTS.md); false = `--strict`, spec bytes only. */
  dialects: boolean;
}

export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = {
  ...DEFAULT_LIMITS,
  idleCompletionMs: DEFAULT_IDLE_COMPLETION_MS,
  headerTimeoutMs: 10_000,
  maxRecordsPerPeer: 100_000,
  maxConnections: 50_000,
  maxConnectionsPerAddress: 20_000,
  maxRequestsPerSecond: 2_000,
  maxPendingOutputBytes: 64 * 1024,
  keepAliveMs: 30_000,
  maxConsecutiveErrors: 16,
  maxRequestsPerTurn: 64,
  bulkBudgetMs: 0,
  dialects: true,
};

export interface IndexServerOptions {
  store: Store;
  limits?: Partial<ServerLimits>;
  /** Monotonic milliseconds; injected so tests and timing don't depend on a global clock. */
  now?: () => number;
  /** Time and timers together (wins over `now`): tests drive idle completion with it. */
  clock?: Clock;
  /** Prefix that makes owner ids unique across servers sharing one store. */
  instanceId?: string;
}
