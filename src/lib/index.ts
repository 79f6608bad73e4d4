/**
 * p2pci's public API: `import { startIndexServer, startPeer } from 'p2pci'`. This module is
 * the package's only entry (package.json `exports`); everything else under dist/ is internal.
 * It is what the CLI itself is built from.
 */
import type { PeerAddress } from '../protocol/index.js';
import { ShareFolder } from '../peer/share-folder.js';
import { downloadRfc as downloadIntoFolder, type DownloadOptions, type DownloadResult } from '../peer/downloader.js';

export { startIndexServer, type IndexServerStartOptions, type RunningIndexServer } from './start-index-server.js';
export { startPeer, parseServerAddress, type PeerStartOptions, type RunningPeer } from './start-peer.js';

// Stores: the index's records live in one of these.
export type { Store, StoreCounts, OwnerId, MaybePromise } from '../index/store.js';
export { MemoryStore } from '../index/memory-store.js';
export { RedisStore } from '../index/redis-store.js';
export { redisStoreOptions, DEFAULT_REDIS_OPTIONS, type RedisStoreOptions } from '../index/redis-options.js';
export type { RedisStoreEvents } from '../index/redis-store-events.js';
export { storeFromUrl, type StoreTuning } from '../index/store-from-url.js';

// The server's tuning and its events.
export { DEFAULT_INDEX_PORT } from '../server/index-server.js';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/options.js';
export type { IndexServerEvents, RequestEvent, ConnectionEvent, DisconnectEvent, RejectEvent, LimitEvent } from '../server/events.js';

// Downloads and the peer's errors.
export type { DownloadOptions, DownloadResult, PeerFailure } from '../peer/downloader.js';
export { DownloadError } from '../peer/downloader.js';
export type { GetOptions } from '../peer/peer.js';
export { SwarmDownloadError, type SwarmResult, type SwarmOptions } from '../peer/swarm/swarm-download.js';
export type { SourceReport } from '../peer/swarm/swarm-source.js';
export { NotSharedError, type RegisterResult } from '../peer/peer.js';
export { IndexUnreachableError } from '../peer/index-client.js';

// The wire protocol (pure): encoders, parsers, limits, status codes, ProtocolError.
export * from '../protocol/index.js';

/**
 * Downloads RFC `rfc` into folder `dir` (as `rfc<N>.txt`) from the first of `peers` that sends
 * it whole; nothing is left behind on failure (DownloadError lists why each peer failed).
 */
export function downloadRfc(rfc: number, peers: readonly PeerAddress[], dir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  return downloadIntoFolder(rfc, peers, new ShareFolder(dir), options);
}
