import { Peer, type RegisterResult } from '../peer/peer.js';
import type { GetOptions } from '../peer/peer.js';
import type { SwarmResult } from '../peer/swarm/swarm-download.js';
import { DEFAULT_INDEX_PORT } from '../server/index-server.js';
import type { IndexResponse, PeerAddress } from '../protocol/index.js';

export interface PeerStartOptions {
  /** Folder whose `rfc<N>.txt` files are shared (it must exist); downloads are saved here. */
  dir: string;
  /** The index server: `{ host, port }`, `"host:port"` or `"host"` (port 7734). */
  server: PeerAddress | string;
  /** Upload server port (default 0: the OS picks; see `uploadPort`). */
  uploadPort?: number;
  /** Address the upload server listens on (default all interfaces: other machines must reach it). */
  uploadHost?: string;
  /** Host name registered with the index (default this machine's hostname if it resolves). */
  advertiseHost?: string;
}

export interface RunningPeer {
  /** The upload server's port, as registered with the index. */
  readonly uploadPort: number;
  /** The host name registered with the index. */
  readonly host: string;
  /** What registering the folder at start gave: RFCs added, and the ones the index refused. */
  readonly registered: RegisterResult;
  /** LOOKUP: which peers have RFC `rfc` (status 404 and no records if none). */
  lookup(rfc: number): Promise<IndexResponse>;
  /** LIST ALL: every record of every active peer. */
  list(): Promise<IndexResponse>;
  /**
   * LOOKUP, download from up to `maxSources` peers at once (default 4; 1: the first peer that
   * sends it whole), then ADD; rejects with DownloadError (a SwarmDownloadError for a swarm).
   */
  download(rfc: number, options?: GetOptions): Promise<SwarmResult & { added: boolean }>;
  /** ADDs one `rfc<N>.txt` of the folder (rejects with NotSharedError if it isn't there). */
  add(rfc: number): Promise<IndexResponse>;
  /** Leaves the index (the server drops this peer's records) and stops the upload server. */
  close(): Promise<void>;
}

/** `"host:port"`, `"[v6]:port"` or `"host"` (port `defaultPort`) → a PeerAddress; RangeError if malformed. */
export function parseServerAddress(value: string, defaultPort = DEFAULT_INDEX_PORT): PeerAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(value.trim());
  if (m === null) throw new RangeError(`expected host:port, got "${value}"`);
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) throw new RangeError(`port must be 1-65535, got ${m[3]}`);
  return { host: (m[1] ?? m[2])!, port };
}

/**
 * Starts a peer (what `p2pci peer` runs, without the menu): its upload server, its connection
 * to the index, and every RFC file of `dir` registered. Resolves once all of that is done.
 */
export async function startPeer(options: PeerStartOptions): Promise<RunningPeer> {
  const server = typeof options.server === 'string' ? parseServerAddress(options.server) : options.server;
  const peer = await Peer.start({
    dir: options.dir, server, uploadPort: options.uploadPort, uploadHost: options.uploadHost, advertiseHost: options.advertiseHost,
  });
  let registered: RegisterResult;
  try {
    registered = await peer.registerFolder();
  } catch (err) {
    await peer.shutdown();
    throw err;
  }
  return {
    uploadPort: peer.identity.port,
    host: peer.identity.host,
    registered,
    lookup: (rfc) => peer.lookup(rfc),
    list: () => peer.list(),
    download: (rfc, opts) => peer.download(rfc, opts),
    add: (rfc) => peer.add(rfc),
    close: () => peer.shutdown(),
  };
}
