/** Sizes of one bench run: the full run of issue 6, or the few-second smoke run (--quick). */
export interface BenchConfig {
  quick: boolean;
  lookupClients: number[];
  /** The client count whose ratio to bare Node is judged (64 in the full run). */
  judgedClients: number;
  latencyClients: number;
  warmupMs: number;
  durationMs: number;
  /** Each LOOKUP figure is the best of this many runs, alternating p2pci and bare Node. */
  rounds: number;
  midPeers: number;
  joinPeers: number;
  addsPerPeer: number;
  leaverRecords: number;
  leaverRepeats: number;
  idlePeers: number;
  /** The `peers` suite (issue 14): peers connected at once, and the records each holds. */
  connectedPeers: number;
  recordsPerConnectedPeer: number;
  getSizes: number[];
  getConcurrency: number[];
  /** Swarm (issue 13): the file 4 rate-limited peers share, and their --upload-limit. */
  swarmLimitedBytes: number;
  swarmUploadLimit: number;
  /** The file 4 unlimited local peers share. */
  swarmBigBytes: number;
  /** The lying-source runs: how many, and the file's size. */
  liarRuns: number;
  liarBytes: number;
}

const MiB = 1024 * 1024;

export const FULL: BenchConfig = {
  quick: false,
  lookupClients: [1, 16, 64],
  judgedClients: 64,
  latencyClients: 16,
  warmupMs: 300,
  durationMs: 1500,
  rounds: 3,
  midPeers: 100,
  joinPeers: 1000,
  addsPerPeer: 1000,
  leaverRecords: 10_000,
  leaverRepeats: 3,
  idlePeers: 10_000,
  connectedPeers: 19_000,
  recordsPerConnectedPeer: 10,
  getSizes: [1 * MiB, 100 * MiB, 1024 * MiB],
  getConcurrency: [1, 8],
  swarmLimitedBytes: 200 * MiB,
  swarmUploadLimit: 20 * MiB,
  swarmBigBytes: 1024 * MiB,
  liarRuns: 20,
  liarBytes: 16 * MiB,
};

export const QUICK: BenchConfig = {
  quick: true,
  lookupClients: [1, 4],
  judgedClients: 4,
  latencyClients: 4,
  warmupMs: 50,
  durationMs: 200,
  rounds: 1,
  midPeers: 5,
  joinPeers: 20,
  addsPerPeer: 100,
  leaverRecords: 1000,
  leaverRepeats: 1,
  idlePeers: 200,
  connectedPeers: 300,
  recordsPerConnectedPeer: 10,
  getSizes: [1 * MiB],
  getConcurrency: [1, 2],
  swarmLimitedBytes: 2 * MiB,
  swarmUploadLimit: 4 * MiB,
  swarmBigBytes: 4 * MiB,
  liarRuns: 1,
  liarBytes: 2 * MiB,
};

/** Server limits raised for the bench: all load comes from one address, at full speed. */
export const BENCH_SERVER_LIMITS = {
  maxRequestsPerSecond: 0,
  maxConnections: 0,
  maxConnectionsPerAddress: 0,
};

export function fmtCount(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}
